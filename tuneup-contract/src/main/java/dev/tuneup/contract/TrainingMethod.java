package dev.tuneup.contract;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a job trains: an {@link Objective} (what the loss is) times an {@link Adapter} (which weights
 * move). The one mapping from DashScope's {@code training_type} and OpenAI's {@code method.type}.
 * Methods whose objective is not {@link Objective#enabled()} are named, so a request for one gets a
 * clear refusal instead of "unknown".
 */
public enum TrainingMethod {
  SFT_FULL(Objective.SFT, Adapter.FULL, "sft"),
  SFT_LORA(Objective.SFT, Adapter.LORA, "efficient_sft"),
  DPO_FULL(Objective.DPO, Adapter.FULL, "dpo_full"),
  DPO_LORA(Objective.DPO, Adapter.LORA, "dpo_lora"),
  CPT_FULL(Objective.CPT, Adapter.FULL, "cpt");

  /** What the loss is, and with it the dataset format a job of it reads. */
  public enum Objective {
    /** Supervised fine-tuning on chat examples: loss on the assistant turns. */
    SFT("supervised", true),
    /** Direct preference optimisation on chosen/rejected pairs. */
    DPO("dpo", false),
    /** Continued pre-training on plain text: loss on every token. */
    CPT(null, false);

    private final String openAiType;
    private final boolean enabled;

    Objective(String openAiType, boolean enabled) {
      this.openAiType = openAiType;
      this.enabled = enabled;
    }

    /** OpenAI's {@code method.type}, or {@code null} when OpenAI has no such method. */
    public String openAiType() {
      return openAiType;
    }

    /** Whether tuneup trains this objective today. */
    public boolean enabled() {
      return enabled;
    }
  }

  /** Which weights a job trains. */
  public enum Adapter {
    /** Every weight of the model. */
    FULL,
    /** LoRA adapters on a frozen base; the output is a PEFT adapter directory. */
    LORA
  }

  /** Older DashScope clients spell LoRA SFT this way. */
  private static final Map<String, TrainingMethod> ALIASES = Map.of("sft_efficient", SFT_LORA);

  private final Objective objective;
  private final Adapter adapter;
  private final String dashScopeName;

  TrainingMethod(Objective objective, Adapter adapter, String dashScopeName) {
    this.objective = objective;
    this.adapter = adapter;
    this.dashScopeName = dashScopeName;
  }

  public Objective objective() {
    return objective;
  }

  public Adapter adapter() {
    return adapter;
  }

  public boolean lora() {
    return adapter == Adapter.LORA;
  }

  /** Whether tuneup trains this method today. */
  public boolean enabled() {
    return objective.enabled();
  }

  /** DashScope's {@code training_type}: on the wire, in {@code spec.json} and in the store. */
  public String dashScopeName() {
    return dashScopeName;
  }

  /** The method of a DashScope {@code training_type}, aliases included; enabled or not. */
  public static Optional<TrainingMethod> fromDashScope(String trainingType) {
    if (trainingType == null) {
      return Optional.empty();
    }
    TrainingMethod alias = ALIASES.get(trainingType);
    if (alias != null) {
      return Optional.of(alias);
    }
    return Arrays.stream(values()).filter(m -> m.dashScopeName.equals(trainingType)).findFirst();
  }

  /** The objective of an OpenAI {@code method.type}; enabled or not. */
  public static Optional<Objective> objectiveOfOpenAi(String methodType) {
    return Arrays.stream(Objective.values())
        .filter(o -> o.openAiType != null && o.openAiType.equals(methodType))
        .findFirst();
  }

  /** The method of an objective and adapter, if tuneup names one. */
  public static Optional<TrainingMethod> of(Objective objective, Adapter adapter) {
    return Arrays.stream(values())
        .filter(m -> m.objective == objective && m.adapter == adapter)
        .findFirst();
  }

  /** The DashScope names of the enabled methods, for error messages: "sft or efficient_sft". */
  public static String enabledDashScopeNames() {
    return Arrays.stream(values())
        .filter(TrainingMethod::enabled)
        .map(TrainingMethod::dashScopeName)
        .collect(Collectors.joining(" or "));
  }

  /**
   * Why a DashScope {@code training_type} cannot be trained: unknown, or named but not enabled yet.
   * Empty when it can be.
   */
  public static Optional<String> refusalOfDashScope(String trainingType) {
    Optional<TrainingMethod> m = fromDashScope(trainingType);
    if (m.isEmpty()) {
      return Optional.of(
          "Unsupported training_type '" + trainingType + "': use " + enabledDashScopeNames() + ".");
    }
    if (!m.get().enabled()) {
      return Optional.of(
          "training_type '"
              + trainingType
              + "' ("
              + m.get().objective
              + ") is not available yet: use "
              + enabledDashScopeNames()
              + ".");
    }
    return Optional.empty();
  }
}
