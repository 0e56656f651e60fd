package dev.tuneup.server.http;

import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.TuneupException;
import dev.tuneup.server.dashscope.DashScopeErrors;
import dev.tuneup.server.openai.OpenAiErrors;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns an exception into an HTTP error, always as JSON. Each API surface has
 * one mapping, chosen by the path and exhaustive over the sealed {@link TuneupException}: {@link
 * DashScopeErrors} gives DashScope's {@code {request_id, code, message}} under {@code /api/v1/}
 * (and anywhere else), {@link OpenAiErrors} OpenAI's {@code {"error": {message, type, param,
 * code}}} under {@code /v1/}. Anything unexpected is logged with the request id and answered as an
 * internal error.
 */
public final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  /** The path prefix of the OpenAI-compatible surface. */
  public static final String OPENAI_PREFIX = "/v1/";

  /** An HTTP status with its DashScope code and message. */
  public record WireError(int status, String code, String message) {}

  /** An HTTP status with OpenAI's error fields; {@code param} and {@code code} may be null. */
  public record OpenAiError(int status, String type, String code, String param, String message) {}

  private static final String WRITTEN = "tuneup.error-written";

  private ErrorMapper() {}

  /** Whether this request's error body was already written by the mapper. */
  public static boolean written(Context ctx) {
    return Boolean.TRUE.equals(ctx.attribute(WRITTEN));
  }

  /** The DashScope error for {@code e}. */
  public static WireError map(Throwable e, String requestId) {
    if (e instanceof TuneupException t) {
      return t.accept(DashScopeErrors.INSTANCE);
    }
    log.error("request {} failed", requestId, e);
    return new WireError(500, "InternalError", "Internal server error! request_id " + requestId);
  }

  /** The OpenAI error for {@code e}. */
  public static OpenAiError mapOpenAi(Throwable e, String requestId) {
    if (e instanceof TuneupException t) {
      return t.accept(OpenAiErrors.INSTANCE);
    }
    log.error("request {} failed", requestId, e);
    return new OpenAiError(
        500, "server_error", null, null, "Internal server error! request_id " + requestId);
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
