package dev.tuneup.server.http;

import dev.tuneup.error.AccessDenied;
import dev.tuneup.error.Conflict;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.ModelNotFound;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.OperationDenied;
import dev.tuneup.error.OperationNotAllowed;
import dev.tuneup.error.QuotaExceeded;
import dev.tuneup.error.Unauthenticated;
import dev.tuneup.error.WorkspaceNotFound;
import io.javalin.http.Context;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns an exception into an HTTP error, always as JSON. Each API surface has
 * one mapping function, chosen by the path: {@link #map} writes DashScope's {@code {request_id,
 * code, message}} under {@code /api/v1/} (and anywhere else), {@link #mapOpenAi} writes OpenAI's
 * {@code {"error": {message, type, param, code}}} under {@code /v1/}. Anything unexpected is logged
 * with the request id and answered as an internal error.
 */
public final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  /** The path prefix of the OpenAI-compatible surface. */
  public static final String OPENAI_PREFIX = "/v1/";

  /** An HTTP status with its DashScope code and message. */
  public record WireError(int status, String code, String message) {}

  /** An HTTP status with OpenAI's error fields; {@code param} and {@code code} may be null. */
  public record OpenAiError(int status, String type, String code, String param, String message) {}

  /**
   * DashScope field names that the shared services report, as the OpenAI surface names them, so an
   * OpenAI client sees {@code param} in its own vocabulary.
   */
  private static final Map<String, String> OPENAI_PARAMS =
      Map.of(
          "training_file_ids", "training_file",
          "validation_file_ids", "validation_file",
          "finetuned_output_suffix", "suffix",
          "files", "file",
          "page_size", "limit");

  private static final String WRITTEN = "tuneup.error-written";

  private ErrorMapper() {}

  /** Whether this request's error body was already written by the mapper. */
  public static boolean written(Context ctx) {
    return Boolean.TRUE.equals(ctx.attribute(WRITTEN));
  }

  /** The DashScope error for {@code e}. */
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
    if (e instanceof OperationDenied d) {
      return new WireError(400, "OperationDenied", d.getMessage());
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
    if (e instanceof RequestTooLarge t) {
      return new WireError(413, "RequestTooLarge", t.getMessage());
    }
    log.error("request {} failed", requestId, e);
    return new WireError(500, "InternalError", "Internal server error! request_id " + requestId);
  }

  /**
   * The OpenAI error for {@code e}: the statuses OpenAI uses (401 {@code invalid_api_key}, 404, 400
   * {@code invalid_request_error}, 429 {@code rate_limit_exceeded}) so its SDKs raise the matching
   * exception.
   */
  public static OpenAiError mapOpenAi(Throwable e, String requestId) {
    String invalid = "invalid_request_error";
    if (e instanceof Unauthenticated u) {
      return new OpenAiError(401, invalid, "invalid_api_key", null, u.getMessage());
    }
    if (e instanceof WorkspaceNotFound w) {
      return new OpenAiError(404, invalid, "workspace_not_found", null, w.getMessage());
    }
    if (e instanceof AccessDenied a) {
      return new OpenAiError(403, invalid, "access_denied", null, a.getMessage());
    }
    if (e instanceof ModelNotFound m) {
      return new OpenAiError(404, invalid, "model_not_found", "model", m.getMessage());
    }
    if (e instanceof NotFound n) {
      String message =
          n.id() == null
              ? n.getMessage()
              : "No " + n.resource() + " found with id '" + n.id() + "'.";
      return new OpenAiError(404, invalid, "not_found", "id", message);
    }
    if (e instanceof InvalidParameter p) {
      return new OpenAiError(400, invalid, null, openAiParam(p.field()), p.getMessage());
    }
    if (e instanceof OperationNotAllowed o) {
      return new OpenAiError(400, invalid, "invalid_state", null, o.getMessage());
    }
    if (e instanceof QuotaExceeded q) {
      return new OpenAiError(429, "requests", "rate_limit_exceeded", null, q.getMessage());
    }
    if (e instanceof Conflict c) {
      return new OpenAiError(409, invalid, "conflict", null, c.getMessage());
    }
    if (e instanceof RequestTooLarge t) {
      return new OpenAiError(413, invalid, "request_too_large", null, t.getMessage());
    }
    log.error("request {} failed", requestId, e);
    return new OpenAiError(
        500, "server_error", null, null, "Internal server error! request_id " + requestId);
  }

  private static String openAiParam(String field) {
    if (field == null || field.equals("body")) {
      return null;
    }
    if (field.startsWith("hyper_parameters.")) {
      return "hyperparameters." + field.substring("hyper_parameters.".length());
    }
    return OPENAI_PARAMS.getOrDefault(field, field);
  }

  /** Writes the error body for {@code e} in the shape of the surface the request went to. */
  public static void write(Context ctx, Throwable e) {
    e = asWireError(e);
    String requestId = Requests.requestId(ctx);
    if (openAiSurface(ctx)) {
      write(ctx, mapOpenAi(e, requestId));
    } else {
      write(ctx, map(e, requestId));
    }
  }

  /**
   * Faults of the request that the servlet layer raises as plain JDK exceptions: a Content-Type
   * naming a charset the JVM does not know fails every read of the body or its type.
   */
  private static Throwable asWireError(Throwable e) {
    if (e instanceof java.nio.charset.UnsupportedCharsetException
        || e instanceof java.nio.charset.IllegalCharsetNameException) {
      return new InvalidParameter(
          "Content-Type",
          "The charset in Content-Type is not supported ("
              + e.getMessage()
              + "); send UTF-8 JSON.");
    }
    return e;
  }

  /**
   * Whether the request is on the OpenAI surface ({@code /v1/…}, {@code /compatible-mode/v1/…}),
   * whose clients read errors as {@code {"error": {message, type, param, code}}}.
   */
  public static boolean openAiSurface(Context ctx) {
    String p = ctx.path();
    return p.startsWith(OPENAI_PREFIX) || p.startsWith("/compatible-mode/");
  }

  /** The OpenAI error body for {@code e}, for errors sent inside an open event stream. */
  public static Obj openAiBody(Throwable e, String requestId) {
    return openAiBody(mapOpenAi(e, requestId));
  }

  private static Obj openAiBody(OpenAiError err) {
    return Obj.of()
        .always(
            "error",
            Obj.of()
                .always("message", err.message())
                .always("type", err.type())
                .always("param", err.param())
                .always("code", err.code()));
  }

  /**
   * The body of an error Jetty raises before routing ({@code status} and Jetty's {@code reason}),
   * in the shape of the surface {@code path} belongs to; an unknown path gets DashScope's shape.
   */
  public static byte[] jettyError(String path, int status, String reason, String requestId) {
    String message =
        (status == 414 || status == 431 || status == 413
                ? "The request line, headers or body are larger than the server accepts"
                : status >= 500 ? "Internal server error" : "The request is malformed")
            + (reason == null || reason.isBlank() ? "." : ": " + reason + ".");
    boolean openAi = path.startsWith(OPENAI_PREFIX) || path.startsWith("/compatible-mode/");
    if (openAi) {
      String type = status >= 500 ? "server_error" : "invalid_request_error";
      String code = status == 414 || status == 431 || status == 413 ? "request_too_large" : null;
      return Json.bytes(openAiBody(new OpenAiError(status, type, code, null, message)));
    }
    String code =
        status == 414 || status == 431 || status == 413
            ? "RequestTooLarge"
            : status == 404 ? "NotFound" : status >= 500 ? "InternalError" : "InvalidParameter";
    return Json.bytes(
        Obj.of().always("request_id", requestId).always("code", code).always("message", message));
  }

  public static void write(Context ctx, WireError error) {
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

  public static void write(Context ctx, OpenAiError error) {
    ctx.attribute(WRITTEN, Boolean.TRUE);
    ctx.status(error.status());
    ctx.contentType("application/json");
    ctx.header("x-request-id", Requests.requestId(ctx));
    ctx.result(Json.bytes(openAiBody(error)));
  }
}
