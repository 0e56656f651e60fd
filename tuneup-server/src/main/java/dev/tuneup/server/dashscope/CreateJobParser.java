package dev.tuneup.server.dashscope;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.job.CreateJob;
import dev.tuneup.server.http.BadRequestBody;
import dev.tuneup.server.http.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Parses a DashScope create-job body, keeping {@code hyper_parameters} as the caller wrote it. */
public final class CreateJobParser {
  private CreateJobParser() {}

  public static CreateJob parse(String body, JsonNode root) {
    JsonNode hp = root.get("hyper_parameters");
    String hpText = "{}";
    Map<String, Object> hpMap = Map.of();
    if (hp != null && !hp.isNull()) {
      if (!hp.isObject()) {
        throw new InvalidParameter("hyper_parameters", "hyper_parameters must be a JSON object.");
      }
      hpText = rawField(body, "hyper_parameters");
      hpMap = Json.MAPPER.convertValue(hp, new TypeReference<Map<String, Object>>() {});
    }
    return new CreateJob(
        text(root, "model"),
        ids(root, "training_file_ids"),
        ids(root, "validation_file_ids"),
        hpText,
        hpMap,
        text(root, "training_type"),
        text(root, "job_name"),
        text(root, "finetuned_output_suffix"),
        null,
        outputName(root));
  }

  /**
   * The output name the caller chose: {@code finetuned_output} (the SDK's kwarg) or {@code
   * model_name} (Model Studio's create body); both must agree when both are sent.
   */
  private static String outputName(JsonNode root) {
    String output = text(root, "finetuned_output");
    String modelName = text(root, "model_name");
    if (output != null && modelName != null && !output.equals(modelName)) {
      throw new InvalidParameter(
          "finetuned_output",
          "finetuned_output and model_name name the job's output model: send one, or the same"
              + " name in both.");
    }
    return output != null ? output : modelName;
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

  /** A list of ids; the SDK wraps a single id client-side, curl users may send a string. */
  private static List<String> ids(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return List.of(n.asText());
    }
    if (!n.isArray()) {
      throw new InvalidParameter(field, field + " must be an array of file ids.");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      JsonNode e = n.get(i);
      if (!e.isTextual() || e.asText().isBlank()) {
        throw new InvalidParameter(field, field + "[" + i + "] must be a file id string.");
      }
      out.add(e.asText());
    }
    return out;
  }

  /** The exact source text of a top-level object field, found by token offsets. */
  static String rawField(String body, String field) {
    try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRequestBody("expected a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals(field) && value == JsonToken.START_OBJECT) {
          int start = (int) p.currentTokenLocation().getCharOffset();
          p.skipChildren();
          int end = (int) p.currentTokenLocation().getCharOffset() + 1;
          return body.substring(start, end);
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new BadRequestBody("Required body invalid, please check the request body format.");
    }
    throw new IllegalStateException(field + " was parsed but not found again: a bug");
  }
}
