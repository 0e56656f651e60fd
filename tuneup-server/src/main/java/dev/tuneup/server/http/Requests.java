package dev.tuneup.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.auth.Caller;
import dev.tuneup.error.InvalidParameter;
import io.javalin.http.Context;
import java.util.UUID;

/** Reading requests: request id, caller, JSON body, typed query parameters. */
public final class Requests {
  private static final String REQUEST_ID = "tuneup.request-id";
  private static final String CALLER = "tuneup.caller";

  private Requests() {}

  public static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST_ID);
    if (id == null) {
      id = UUID.randomUUID().toString();
      ctx.attribute(REQUEST_ID, id);
    }
    return id;
  }

  public static void setCaller(Context ctx, Caller caller) {
    ctx.attribute(CALLER, caller);
  }

  public static Caller caller(Context ctx) {
    Caller c = ctx.attribute(CALLER);
    if (c == null) {
      throw new IllegalStateException("route reached without authentication: a bug");
    }
    return c;
  }

  /** The body as a JSON object; a missing, malformed or non-object body is a 400. */
  public static JsonNode jsonObject(Context ctx) {
    String body = ctx.body();
    if (body.isBlank()) {
      throw new BadRequestBody(
          "Required body invalid, please check the request body format: the body is empty.");
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadRequestBody(
          "Required body invalid, please check the request body format: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new BadRequestBody(
          "Required body invalid, please check the request body format: expected a JSON object.");
    }
    return node;
  }

  public static Integer intQuery(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return Integer.valueOf(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidParameter(name, name + " must be a whole number, got '" + v + "'");
    }
  }

  public static Long longQuery(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return Long.valueOf(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidParameter(name, name + " must be a whole number, got '" + v + "'");
    }
  }

  /** Writes a 200 JSON response. */
  public static void ok(Context ctx, Object body) {
    ctx.status(200);
    ctx.contentType("application/json");
    ctx.result(Json.bytes(body));
  }

  /** A DashScope success envelope: {@code {"request_id", "output": …}}. */
  public static void output(Context ctx, Object output) {
    ok(ctx, Obj.of().always("request_id", requestId(ctx)).always("output", output));
  }

  /** A DashScope files envelope: {@code {"request_id", "data": …}}. */
  public static void data(Context ctx, Object data) {
    ok(ctx, Obj.of().always("request_id", requestId(ctx)).always("data", data));
  }
}
