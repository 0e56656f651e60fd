package dev.tuneup.server.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.registry.ImportSource;
import dev.tuneup.registry.ImportStatus;
import dev.tuneup.registry.ModelImport;
import dev.tuneup.registry.ModelRegistry;
import dev.tuneup.registry.WeightType;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.util.Locale;

/**
 * {@code /api/v1/custom_models/import}: Model Studio's custom-model import (create, get, list,
 * delete import jobs) over tuneup's model registration. Model Studio reads the files from OSS
 * ({@code source: "oss"}, {@code storage_info{bucket_name, object_key}}); tuneup has no OSS and
 * reads them from a server directory ({@code source: "path"}, {@code storage_info.path}) or a
 * Hugging Face repository ({@code source: "huggingface"}, {@code storage_info{repo_id | url,
 * revision?, token?}}).
 */
public final class CustomModelsApi {
  private final ModelRegistry registry;
  private final ImportWire wire;

  public CustomModelsApi(ModelRegistry registry, ImportWire wire) {
    this.registry = registry;
    this.wire = wire;
  }

  public void create(Context ctx) {
    ModelImport created =
        registry.importModel(Requests.caller(ctx), request(Requests.jsonObject(ctx)));
    Requests.output(ctx, wire.of(created));
  }

  public void get(Context ctx) {
    Requests.output(
        ctx, wire.of(registry.getImport(Requests.caller(ctx), ctx.pathParam("job_id"))));
  }

  /** Model Studio's list: {@code page_no} (1), {@code page_size} (10, at most 100), filters. */
  public void list(Context ctx) {
    PageRequest page =
        PageRequest.of(
            Requests.intQuery(ctx, "page_no"),
            Requests.intQuery(ctx, "page_size"),
            PageRequest.MAX_PAGE_SIZE);
    String model = ctx.queryParam("model_name");
    Page<ModelImport> p =
        registry.listImports(
            Requests.caller(ctx),
            status(ctx.queryParam("status")),
            model == null || model.isBlank() ? null : model,
            page);
    Requests.output(
        ctx,
        Obj.of()
            .always("total", p.total())
            .always("page_no", p.pageNo())
            .always("page_size", p.pageSize())
            .always("list", p.items().stream().map(wire::of).toList()));
  }

  /** Deletes a SUCCEEDED or FAILED import, its model and files; answers the import as it was. */
  public void delete(Context ctx) {
    ModelImport gone = registry.deleteImport(Requests.caller(ctx), ctx.pathParam("job_id"));
    Requests.output(ctx, wire.of(gone));
  }

  static ModelRegistry.CustomImport request(JsonNode body) {
    String base = text(body, "model_name");
    String source = text(body, "source");
    if (source == null) {
      throw new InvalidParameter("source", "Missing source: use \"path\" or \"huggingface\".");
    }
    if (source.equalsIgnoreCase("oss")) {
      throw new InvalidParameter(
          "source",
          "source oss is not available in tuneup: import from a directory on the server (source"
              + " \"path\", storage_info.path) or from a Hugging Face repository (source"
              + " \"huggingface\", storage_info.repo_id).");
    }
    ImportSource from =
        ImportSource.fromWire(source)
            .orElseThrow(
                () ->
                    new InvalidParameter(
                        "source",
                        "Unsupported source '" + source + "': use \"path\" or \"huggingface\"."));
    String type = text(body, "weight_type");
    WeightType weights =
        WeightType.fromWire(type)
            .orElseThrow(
                () ->
                    new InvalidParameter(
                        "weight_type",
                        type == null
                            ? "Missing weight_type: use \"lora\" or \"full\"."
                            : "Unsupported weight_type '" + type + "': use \"lora\" or \"full\"."));
    JsonNode storage = body.get("storage_info");
    if (storage == null || !storage.isObject()) {
      throw new InvalidParameter(
          "storage_info",
          "Missing storage_info: an object with "
              + (from == ImportSource.PATH ? "path" : "repo_id (or url) and revision")
              + ".");
    }
    String location;
    String revision = text(storage, "storage_info.revision", "revision");
    if (from == ImportSource.PATH) {
      location = text(storage, "storage_info.path", "path");
      if (location == null) {
        throw new InvalidParameter(
            "storage_info.path", "Missing storage_info.path: a directory on the server.");
      }
    } else {
      location = text(storage, "storage_info.repo_id", "repo_id");
      String url = text(storage, "storage_info.url", "url");
      if (location == null && url != null) {
        String[] parsed = HubUrls.parse(url);
        location = parsed[0];
        if (revision == null) {
          revision = parsed[1];
        }
      }
      if (location == null) {
        throw new InvalidParameter(
            "storage_info.repo_id",
            "Missing storage_info.repo_id (e.g. Qwen/Qwen3-0.6B) or storage_info.url.");
      }
    }
    return new ModelRegistry.CustomImport(
        base,
        text(body, "display_name"),
        from,
        weights,
        location,
        revision,
        from == ImportSource.HUB ? text(storage, "storage_info.token", "token") : null);
  }

  private static ImportStatus status(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    String upper = s.trim().toUpperCase(Locale.ROOT);
    if (upper.equals("SUCCESSED")) {
      // Model Studio's list example filters with this spelling
      return ImportStatus.SUCCEEDED;
    }
    try {
      return ImportStatus.valueOf(upper);
    } catch (IllegalArgumentException e) {
      throw new InvalidParameter(
          "status", "status must be PENDING, RUNNING, SUCCEEDED or FAILED, got '" + s + "'");
    }
  }

  private static String text(JsonNode body, String field) {
    return text(body, field, field);
  }

  private static String text(JsonNode body, String field, String key) {
    JsonNode n = body.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new InvalidParameter(field, field + " must be a string.");
    }
    return n.asText().isBlank() ? null : n.asText().trim();
  }
}
