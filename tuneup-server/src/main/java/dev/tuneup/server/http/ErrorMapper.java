package dev.tuneup.server.http;

import dev.tuneup.error.AccessDenied;
import dev.tuneup.error.Conflict;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.ModelNotFound;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.OperationNotAllowed;
import dev.tuneup.error.QuotaExceeded;
import dev.tuneup.error.Unauthenticated;
import dev.tuneup.error.WorkspaceNotFound;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns an exception into an HTTP error: status, DashScope {@code code}, {@code
 * message} and the request id, always as JSON. Anything unexpected is logged with the request id
 * and answered as {@code InternalError}.
 */
public final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  /** An HTTP status with its DashScope code and message. */
  public record WireError(int status, String code, String message) {}

  private static final String WRITTEN = "tuneup.error-written";

  private ErrorMapper() {}

  /** Whether this request's error body was already written by the mapper. */
  public static boolean written(Context ctx) {
    return Boolean.TRUE.equals(ctx.attribute(WRITTEN));
  }

  public static WireError map(Throwable e, String requestId) {
    if (e instanceof Unauthenticated u) {
      return new WireError(401, "InvalidApiKey", u.getMessage());
    }
    if (e instanceof WorkspaceNotFound w) {
      return new WireError(404, "WorkSpaceNotFound", w.getMessage());
    }
    if (e instanceof AccessDenied a) {
      return new WireError(403, "AccessDenied", a.getMessage());
    }
    if (e instanceof ModelNotFound m) {
      return new WireError(404, "ModelNotFound", m.getMessage());
    }
    if (e instanceof NotFound n) {
      return new WireError(404, "NotFound", n.getMessage());
    }
    if (e instanceof InvalidParameter p) {
      return new WireError(400, "InvalidParameter", p.getMessage());
    }
    if (e instanceof OperationNotAllowed o) {
      return new WireError(400, "UnsupportedOperation", o.getMessage());
    }
    if (e instanceof QuotaExceeded q) {
      return new WireError(429, "Throttling", q.getMessage());
    }
    if (e instanceof Conflict c) {
      return new WireError(409, "Conflict", c.getMessage());
    }
    log.error("request {} failed", requestId, e);
    return new WireError(500, "InternalError", "Internal server error! request_id " + requestId);
  }

  /** Writes the error body for {@code e} to the response. */
  public static void write(Context ctx, Throwable e) {
    String requestId = Requests.requestId(ctx);
    WireError error = map(e, requestId);
    if (openAiSurface(ctx)) {
      writeOpenAi(ctx, error, e instanceof InvalidParameter p ? p.field() : null);
      return;
    }
    write(ctx, error);
  }

  /**
   * Whether the request is on the OpenAI surface ({@code /v1/…}, {@code /compatible-mode/v1/…}),
   * whose clients read errors as {@code {"error": {message, type, param, code}}}.
   */
  public static boolean openAiSurface(Context ctx) {
    String p = ctx.path();
    return p.startsWith("/v1/") || p.startsWith("/compatible-mode/");
  }

  /** The OpenAI error body for {@code e}: the same status and code as DashScope's, reshaped. */
  public static Obj openAiBody(Throwable e, String requestId) {
    return openAiBody(map(e, requestId), e instanceof InvalidParameter p ? p.field() : null);
  }

  private static Obj openAiBody(WireError error, String param) {
    String type =
        switch (error.status()) {
          case 401 -> "authentication_error";
          case 403 -> "permission_error";
          case 404 -> "not_found_error";
          case 429 -> "rate_limit_error";
          case 500 -> "server_error";
          default -> "invalid_request_error";
        };
    String code =
        switch (error.code()) {
          case "InvalidApiKey" -> "invalid_api_key";
          case "ModelNotFound" -> "model_not_found";
          case "Throttling" -> "rate_limit_exceeded";
          default -> error.code();
        };
    return Obj.of()
        .always(
            "error",
            Obj.of()
                .always("message", error.message())
                .always("type", type)
                .always("param", param)
                .always("code", code));
  }

  private static void writeOpenAi(Context ctx, WireError error, String param) {
    ctx.attribute(WRITTEN, Boolean.TRUE);
    ctx.status(error.status());
    ctx.contentType("application/json");
    ctx.result(Json.bytes(openAiBody(error, param)));
  }

  public static void write(Context ctx, WireError error) {
    if (openAiSurface(ctx)) {
      writeOpenAi(ctx, error, null);
      return;
    }
    ctx.attribute(WRITTEN, Boolean.TRUE);
    ctx.status(error.status());
    ctx.contentType("application/json");
    ctx.result(
        Json.bytes(
            Obj.of()
                .always("request_id", Requests.requestId(ctx))
                .always("code", error.code())
                .always("message", error.message())));
  }
}
