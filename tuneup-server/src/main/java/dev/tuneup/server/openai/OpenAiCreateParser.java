package dev.tuneup.server.openai;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.job.CreateJob;
import dev.tuneup.job.HyperParameters;
import dev.tuneup.model.config.ModelDefaults;
import dev.tuneup.server.defaults.HyperParameterDefaults;
import dev.tuneup.server.http.Json;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an OpenAI create-job body into tuneup's {@link CreateJob}. OpenAI's hyper-parameters map to
 * tuneup's ({@code n_epochs}, {@code batch_size}, {@code learning_rate_multiplier} × the model's
 * default learning rate = {@code learning_rate}); {@code "auto"} and absent values are resolved
 * here per model, to the same defaults a DashScope job on that model trains with ({@link
 * ModelDefaults}), so the job stores, and both surfaces report, the values it trains with. Other
 * keys in {@code hyperparameters} pass through to the trainer unchanged (tuneup extension, e.g.
 * {@code lora_rank}). {@code seed} is stored as the hyper-parameter the trainer reads.
 */
public final class OpenAiCreateParser {
  private static final int MAX_EPOCHS = 50;
  private static final int MAX_BATCH = 256;
  private static final double MAX_LR_MULTIPLIER = 100;

  private OpenAiCreateParser() {}

  /** The defaults of the model a job names, for its training type. */
  @FunctionalInterface
  public interface Defaults {
    ModelDefaults.Defaults of(String model, TrainingMethod type);
  }

  /** Epochs whose end checkpoints an OpenAI job keeps, as OpenAI does. */
  static final int OPENAI_CHECKPOINT_EPOCHS = 3;

  public static CreateJob parse(JsonNode root, Defaults defaultsOf) {
    String model = text(root, "model");
    String trainingFile = text(root, "training_file");
    if (trainingFile == null || trainingFile.isBlank()) {
      throw new InvalidParameter("training_file", "Missing training_file: upload a file first.");
    }
    String validationFile = text(root, "validation_file");
    String typeWire = text(root, "training_type");
    TrainingMethod type = HyperParameters.trainingMethod(typeWire);

    Map<String, Object> given = new LinkedHashMap<>();
    JsonNode legacy = root.get("hyperparameters");
    if (legacy != null && !legacy.isNull()) {
      given.putAll(object(legacy, "hyperparameters"));
    }
    JsonNode method = root.get("method");
    if (method != null && !method.isNull()) {
      if (!method.isObject()) {
        throw new InvalidParameter("method", "method must be an object.");
      }
      String mtype = text(method, "type");
      if (mtype != null) {
        TrainingMethod.Objective objective =
            TrainingMethod.objectiveOfOpenAi(mtype)
                .orElseThrow(
                    () ->
                        new InvalidParameter(
                            "method.type",
                            "Unsupported method.type '"
                                + mtype
                                + "': tuneup trains supervised jobs only."));
        if (!objective.enabled()) {
          throw new InvalidParameter(
              "method.type", "method.type '" + mtype + "' is not available yet: use supervised.");
        }
      }
      JsonNode hp = method.path("supervised").get("hyperparameters");
      if (hp != null && !hp.isNull()) {
        given.putAll(object(hp, "method.supervised.hyperparameters"));
      }
    }

    ModelDefaults.Defaults defaults = defaultsOf.of(model, type);
    Map<String, Object> hp = new LinkedHashMap<>();
    hp.put(
        "n_epochs",
        whole(
            given.remove("n_epochs"),
            "n_epochs",
            MAX_EPOCHS,
            HyperParameterDefaults.AUTO_N_EPOCHS));
    hp.put(
        "batch_size",
        whole(
            given.remove("batch_size"),
            "batch_size",
            MAX_BATCH,
            ((Number) defaults.values().get("batch_size")).intValue()));
    hp.put(
        "learning_rate",
        learningRate(given.remove("learning_rate_multiplier"), defaults.learningRate()));
    hp.put("seed", seed(root.get("seed")));
    // OpenAI keeps the checkpoints of the last three epochs, the final one included
    hp.put("checkpoint_last_epochs", OPENAI_CHECKPOINT_EPOCHS);
    hp.putAll(given);

    return new CreateJob(
        model,
        List.of(trainingFile),
        validationFile == null ? List.of() : List.of(validationFile),
        Json.text(hp),
        hp,
        type.dashScopeName(),
        null,
        text(root, "suffix"),
        metadata(root.get("metadata")));
  }

  private static long whole(Object value, String key, int max, int auto) {
    if (value == null || "auto".equals(value)) {
      return auto;
    }
    Double d = value instanceof Number n ? Double.valueOf(n.doubleValue()) : null;
    if (d == null || d != Math.rint(d) || d < 1 || d > max) {
      throw new InvalidParameter(
          "hyperparameters." + key,
          key + " must be \"auto\" or a whole number from 1 to " + max + ", got " + value + ".");
    }
    return d.longValue();
  }

  private static double learningRate(Object value, double base) {
    double multiplier = 1.0;
    if (value != null && !"auto".equals(value)) {
      Double d = value instanceof Number n ? Double.valueOf(n.doubleValue()) : null;
      if (d == null || d <= 0 || d > MAX_LR_MULTIPLIER || d.isNaN()) {
        throw new InvalidParameter(
            "hyperparameters.learning_rate_multiplier",
            "learning_rate_multiplier must be \"auto\" or a number above 0 and at most "
                + (int) MAX_LR_MULTIPLIER
                + ", got "
                + value
                + ".");
      }
      multiplier = d;
    }
    double rate = multiplier * base;
    if (rate >= 1) {
      throw new InvalidParameter(
          "hyperparameters.learning_rate_multiplier",
          "learning_rate_multiplier " + multiplier + " gives a learning rate of 1 or more.");
    }
    return rate;
  }

  private static long seed(JsonNode n) {
    if (n == null || n.isNull()) {
      return TrainingDefaults.DEFAULT_SEED;
    }
    if (!n.canConvertToLong()
        || !n.isIntegralNumber()
        || n.asLong() < 0
        || n.asLong() > Integer.MAX_VALUE) {
      throw new InvalidParameter("seed", "seed must be a whole number from 0 to 2147483647.");
    }
    return n.asLong();
  }

  private static Map<String, String> metadata(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new InvalidParameter("metadata", "metadata must be an object of string values.");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new InvalidParameter("metadata", "metadata." + e.getKey() + " must be a string.");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static Map<String, Object> object(JsonNode n, String field) {
    if (!n.isObject()) {
      throw new InvalidParameter(field, field + " must be an object.");
    }
    return Json.MAPPER.convertValue(n, new TypeReference<LinkedHashMap<String, Object>>() {});
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new InvalidParameter(field, field + " must be a string.");
    }
    return n.asText();
  }
}
