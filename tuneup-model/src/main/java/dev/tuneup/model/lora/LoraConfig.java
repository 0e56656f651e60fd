package dev.tuneup.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The hyper-parameters of a LoRA adapter, as PEFT writes them in {@code adapter_config.json}.
 *
 * @param r the rank
 * @param alpha the scaling numerator; deltas are scaled by {@code alpha / r}
 * @param dropout dropout on the adapter input during training
 * @param targetModules projection names the adapter wraps ({@code q_proj}, ..., {@code down_proj})
 * @param baseModel {@code base_model_name_or_path}, informative
 */
public record LoraConfig(
    int r, double alpha, double dropout, List<String> targetModules, String baseModel) {

  /** The projections LoRA wraps unless asked otherwise. */
  public static final List<String> DEFAULT_TARGETS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj");

  private static final Set<String> KNOWN =
      Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
  private static final ObjectMapper JSON = new ObjectMapper();

  public LoraConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("lora_rank must be positive, got " + r);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
    }
    for (String t : targetModules) {
      if (!KNOWN.contains(t)) {
        throw new IllegalArgumentException(
            "LoRA target module " + t + " is not supported; use some of " + KNOWN);
      }
    }
    targetModules = List.copyOf(targetModules);
  }

  public double scale() {
    return alpha / r;
  }

  /** {@code adapter_config.json} content in PEFT's layout. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("peft_type", "LORA");
    o.put("task_type", "CAUSAL_LM");
    o.put("r", r);
    o.put("lora_alpha", alpha);
    o.put("lora_dropout", dropout);
    var targets = o.putArray("target_modules");
    targetModules.forEach(targets::add);
    o.put("base_model_name_or_path", baseModel);
    o.put("bias", "none");
    o.put("fan_in_fan_out", false);
    o.put("inference_mode", true);
    return o;
  }

  /** Reads PEFT's {@code adapter_config.json}; refuses anything but plain LoRA. */
  public static LoraConfig parse(JsonNode json) {
    if (!"LORA".equalsIgnoreCase(json.path("peft_type").asText("LORA"))) {
      throw new IllegalArgumentException(
          "adapter peft_type " + json.path("peft_type").asText() + " is not supported, only LORA");
    }
    if (!"none".equals(json.path("bias").asText("none"))) {
      throw new IllegalArgumentException("LoRA adapters with trained biases are not supported");
    }
    List<String> targets = new ArrayList<>();
    JsonNode t = json.path("target_modules");
    if (t.isArray()) {
      t.forEach(n -> targets.add(n.asText()));
    } else if (t.isTextual()) {
      targets.add(t.asText());
    }
    return new LoraConfig(
        json.path("r").asInt(8),
        json.path("lora_alpha").asDouble(8),
        json.path("lora_dropout").asDouble(0),
        targets.isEmpty() ? DEFAULT_TARGETS : targets,
        json.path("base_model_name_or_path").asText(""));
  }
}
