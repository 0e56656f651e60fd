package dev.tuneup.server.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.DeploymentService;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/** {@code /api/v1/deployments} (spec §3.3): create, list, get, scale, delete, deployable models. */
public final class DeploymentsApi {
  /** DashScope's documented page size for deployments: default 50, at most 200. */
  static final int DEFAULT_PAGE_SIZE = 50;

  static final int MAX_PAGE_SIZE = 200;

  private final DeploymentService deployments;
  private final ModelCatalog catalog;
  private final DeploymentWire wire;

  public DeploymentsApi(DeploymentService deployments, ModelCatalog catalog, DeploymentWire wire) {
    this.deployments = deployments;
    this.catalog = catalog;
    this.wire = wire;
  }

  /** The SDK sends {@code model_name}, {@code capacity} and maybe {@code suffix}; never a plan. */
  public void create(Context ctx) {
    JsonNode body = Requests.jsonObject(ctx);
    Deployment d =
        deployments.create(
            Requests.caller(ctx),
            text(body, "model_name"),
            integer(body, "capacity"),
            text(body, "suffix"),
            text(body, "plan"));
    Requests.output(ctx, wire.of(d));
  }

  public void list(Context ctx) {
    Page<Deployment> page = deployments.list(Requests.caller(ctx), page(ctx));
    Requests.output(
        ctx,
        Obj.of()
            .always("page_no", page.pageNo())
            .always("page_size", page.pageSize())
            .always("total", page.total())
            .always("deployments", page.items().stream().map(wire::of).toList()));
  }

  public void get(Context ctx) {
    Requests.output(
        ctx, wire.of(deployments.get(Requests.caller(ctx), ctx.pathParam("deployed_model"))));
  }

  /** The SDK repeats the name in the body; the path decides. */
  public void scale(Context ctx) {
    JsonNode body = Requests.jsonObject(ctx);
    Deployment d =
        deployments.scale(
            Requests.caller(ctx), ctx.pathParam("deployed_model"), integer(body, "capacity"));
    Requests.output(ctx, wire.of(d));
  }

  /** Model Studio's rate-limit update: {@code rpm_limit} and/or {@code tpm_limit}. */
  public void updateLimits(Context ctx) {
    JsonNode body = Requests.jsonObject(ctx);
    Deployment d =
        deployments.updateLimits(
            Requests.caller(ctx),
            ctx.pathParam("deployed_model"),
            integer(body, "rpm_limit"),
            integer(body, "tpm_limit"));
    Requests.output(ctx, wire.of(d));
  }

  /** Answers the whole deployment in DELETING (never 204: the SDK's CLI exits 1 on it). */
  public void delete(Context ctx) {
    Requests.output(
        ctx, wire.of(deployments.delete(Requests.caller(ctx), ctx.pathParam("deployed_model"))));
  }

  /** {@code GET /deployments/models}: what the caller can deploy. */
  public void models(Context ctx) {
    Caller caller = Requests.caller(ctx);
    PageRequest page = page(ctx);
    List<Obj> all = new ArrayList<>();
    for (BaseModel b : catalog.baseModels()) {
      all.add(deployable(b.id()));
    }
    for (FineTunedModel m : catalog.fineTuned().list(caller)) {
      all.add(deployable(m.name()));
    }
    int from = (int) Math.min(all.size(), page.offset());
    int to = Math.min(all.size(), from + page.pageSize());
    Requests.output(
        ctx,
        Obj.of()
            .always("models", all.subList(from, to))
            .always("page_no", page.pageNo())
            .always("page_size", page.pageSize())
            .always("total", all.size()));
  }

  private static Obj deployable(String name) {
    return Obj.of()
        .always("model_name", name)
        .always("base_capacity", DeploymentService.BASE_CAPACITY);
  }

  private static PageRequest page(Context ctx) {
    Integer size = Requests.intQuery(ctx, "page_size");
    return PageRequest.of(
        Requests.intQuery(ctx, "page_no"), size == null ? DEFAULT_PAGE_SIZE : size, MAX_PAGE_SIZE);
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidParameter(field, field + " must be a string, got " + v);
    }
    return v.asText();
  }

  private static Integer integer(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new InvalidParameter(field, field + " must be a whole number, got " + v);
    }
    return v.asInt();
  }
}
