package dev.tuneup.model.config;

import ai.djl.ndarray.types.Shape;
import dev.tuneup.model.nn.Transformer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hyper-parameters a job trains with when it does not set them, chosen by the size of the model
 * it trains (parameters counted from {@code config.json}), so that the server (OpenAI's {@code
 * "auto"}, the resolved values both surfaces show) and the trainer pick the same ones.
 *
 * <p>For real models these are DashScope's documented defaults: learning rate 1e-5 for a full
 * fine-tune and 1e-4 for LoRA, {@code lora_rank} 8, {@code lora_alpha} 32, {@code lora_dropout}
 * 0.1, {@code max_length} 2048 (Model Studio's hyper-parameter reference; docs/models.md). Where
 * DashScope says "model dependent" (batch size) or gives a larger value for large models (its
 * example for qwen3-14b trains with {@code batch_size} 32 and {@code max_length} 8192), the size
 * tier decides; those tier values are tuneup's choice and documented as such.
 *
 * <p>Models under {@link #BUILT_IN_LIMIT} parameters are tuneup's own small models ({@code
 * tuneup-tiny}, test and benchmark shapes) with random weights, not pretrained ones; DashScope's
 * rates would need thousands of epochs there, so they keep the defaults measured for {@code
 * tuneup-tiny} (docs/models.md, "LoRA on tuneup-tiny").
 */
public final class ModelDefaults {

  /** Below this many parameters a model is one of tuneup's own small random models. */
  public static final long BUILT_IN_LIMIT = 100_000_000L;

  /** From this many parameters a model is small (0.5 B to 3 B: Qwen3-0.6B, LLaMA-3.2-1B, …). */
  public static final long MEDIUM_FROM = 3_000_000_000L;

  /** From this many parameters a model is large (Qwen3-14B and up). */
  public static final long LARGE_FROM = 10_000_000_000L;

  /** The size classes, each with its defaults. */
  public enum Tier {
    /** tuneup's own small models (random weights): tuneup-tiny's measured defaults. */
    BUILT_IN,
    /** up to 3 B parameters. */
    SMALL,
    /** 3 B to 10 B parameters. */
    MEDIUM,
    /** 10 B parameters and more. */
    LARGE;

    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * The defaults of one model and method.
   *
   * @param parameters the model's parameter count
   * @param values DashScope keys to values: {@code learning_rate}, {@code batch_size}, {@code
   *     max_length}, and for LoRA {@code lora_rank}, {@code lora_alpha}, {@code lora_dropout},
   *     {@code lora_target_modules}
   */
  public record Defaults(Tier tier, long parameters, boolean lora, Map<String, Object> values) {
    public Defaults {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public double learningRate() {
      return ((Number) values.get("learning_rate")).doubleValue();
    }

    /** E.g. {@code "small model (0.60 B parameters), LoRA"}. */
    public String describe() {
      return tier.label()
          + " model ("
          + size(parameters)
          + " parameters), "
          + (lora ? "LoRA" : "full fine-tune");
    }
  }

  static final List<String> ALL_LINEAR =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
  static final List<String> ATTENTION = List.of("q_proj", "k_proj", "v_proj", "o_proj");

  private ModelDefaults() {}

  /** The defaults for the model in {@code modelDir} (its {@code config.json}). */
  public static Defaults of(Path modelDir, boolean lora) {
    return of(ModelConfig.load(modelDir), lora);
  }

  public static Defaults of(ModelConfig config, boolean lora) {
    long n = parameters(config);
    return of(tierOf(n), n, lora);
  }

  private static Defaults of(Tier tier, long n, boolean lora) {
    Map<String, Object> v = new LinkedHashMap<>();
    switch (tier) {
      case BUILT_IN -> {
        v.put("learning_rate", lora ? 3e-3 : 1e-3);
        v.put("batch_size", 8);
        v.put("max_length", 2048);
      }
      case SMALL -> {
        v.put("learning_rate", lora ? 1e-4 : 1e-5);
        v.put("batch_size", 8);
        v.put("max_length", 2048);
      }
      case MEDIUM -> {
        v.put("learning_rate", lora ? 1e-4 : 1e-5);
        v.put("batch_size", 16);
        v.put("max_length", 2048);
      }
      case LARGE -> {
        v.put("learning_rate", lora ? 1e-4 : 1e-5);
        v.put("batch_size", 32);
        v.put("max_length", 8192);
      }
      default -> throw new IllegalStateException("bug: tier " + tier);
    }
    if (lora) {
      boolean builtIn = tier == Tier.BUILT_IN;
      v.put("lora_rank", builtIn ? 32 : 8);
      v.put("lora_alpha", builtIn ? 64 : 32);
      v.put("lora_dropout", builtIn ? 0.0 : 0.1);
      v.put("lora_target_modules", builtIn ? ALL_LINEAR : ATTENTION);
    }
    return new Defaults(tier, n, lora, v);
  }

  /**
   * DashScope's documented defaults for a model whose size is not known (its config cannot be
   * read): those of a small real model, parameters 0.
   */
  public static Defaults documented(boolean lora) {
    Defaults small = of(Tier.SMALL, 0, lora);
    return small;
  }

  public static Tier tierOf(long parameters) {
    if (parameters < BUILT_IN_LIMIT) {
      return Tier.BUILT_IN;
    }
    if (parameters < MEDIUM_FROM) {
      return Tier.SMALL;
    }
    return parameters < LARGE_FROM ? Tier.MEDIUM : Tier.LARGE;
  }

  /** Parameters of a model of this shape: every tensor its weights hold. */
  public static long parameters(ModelConfig config) {
    long n = 0;
    for (Shape s : Transformer.expectedShapes(config).values()) {
      n += s.size();
    }
    return n;
  }

  static String size(long parameters) {
    if (parameters >= 100_000_000L) {
      return String.format(Locale.ROOT, "%.2f B", parameters / 1e9);
    }
    return String.format(Locale.ROOT, "%.1f M", parameters / 1e6);
  }
}
