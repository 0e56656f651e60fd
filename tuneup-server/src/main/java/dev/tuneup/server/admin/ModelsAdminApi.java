package dev.tuneup.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.ModelImport;
import dev.tuneup.registry.ModelRegistry;
import dev.tuneup.server.dashscope.ImportWire;
import dev.tuneup.server.dashscope.WireTime;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;

/**
 * {@code /api/v1/admin/models…}: base models registered at run time. {@code POST /admin/models}
 * registers a server directory at once (after checking it loads); {@code POST /admin/models/pull}
 * starts a hub pull, read back with {@code GET /admin/models/pulls/{job_id}} until SUCCEEDED or
 * FAILED; {@code DELETE /admin/models/{model_id}} unregisters. Admin keys only.
 */
public final class ModelsAdminApi {
  private final ModelRegistry registry;
  private final ImportWire wire;
  private final WireTime time;

  public ModelsAdminApi(ModelRegistry registry, ImportWire wire, WireTime time) {
    this.registry = registry;
    this.wire = wire;
    this.time = time;
  }

  public void add(Context ctx) {
    JsonNode body = Requests.jsonObject(ctx);
    BaseModel m =
        registry.addBase(Requests.caller(ctx), text(body, "model_id"), text(body, "path"));
    Requests.output(ctx, model(m));
  }

  public void remove(Context ctx) {
    BaseModel m = registry.removeBase(Requests.caller(ctx), ctx.pathParam("model_id"));
    Requests.output(ctx, model(m));
  }

  public void pull(Context ctx) {
    JsonNode body = Requests.jsonObject(ctx);
    ModelImport p =
        registry.pull(
            Requests.caller(ctx),
            text(body, "repo_id"),
            text(body, "revision"),
            text(body, "model_id"),
            text(body, "token"));
    Requests.output(ctx, wire.of(p));
  }

  public void getPull(Context ctx) {
    Requests.output(ctx, wire.of(registry.getPull(Requests.caller(ctx), ctx.pathParam("job_id"))));
  }

  public void listPulls(Context ctx) {
    PageRequest page =
        PageRequest.of(
            Requests.intQuery(ctx, "page_no"),
            Requests.intQuery(ctx, "page_size"),
            PageRequest.MAX_PAGE_SIZE);
    Page<ModelImport> p = registry.listPulls(Requests.caller(ctx), page);
    Requests.output(
        ctx,
        Obj.of()
            .always("total", p.total())
            .always("page_no", p.pageNo())
            .always("page_size", p.pageSize())
            .always("list", p.items().stream().map(wire::of).toList()));
  }

  private Obj model(BaseModel m) {
    return Obj.of()
        .always("model", m.id())
        .always("type", "base")
        .always("source", m.source())
        .always("path", m.path().toString())
        .with("create_time", time.plain(m.registeredAt()));
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new InvalidParameter(field, field + " must be a string.");
    }
    return n.asText().isBlank() ? null : n.asText().trim();
  }
}
