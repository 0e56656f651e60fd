package dev.tuneup.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.UUID;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors that Jetty answers itself, before a request reaches a route: a bad URI ({@code %00}, bad
 * UTF-8, ambiguous segments), a request line or header over the limits (414, 431), a control
 * character in a header. Jetty would answer an HTML page; these handlers answer JSON in the shape
 * of the surface the path belongs to, built by {@link ErrorMapper#jettyError}.
 */
public final class JettyErrors {
  private JettyErrors() {}

  /** For the server: errors of the connection and of requests no context takes. */
  public static ErrorHandler serverHandler() {
    return new ErrorHandler() {
      @Override
      public boolean errorPageForMethod(String method) {
        return true; // a body for DELETE, PUT, OPTIONS too: clients read the JSON of any error
      }

      @Override
      protected boolean generateAcceptableResponse(
          Request request,
          Response response,
          Callback callback,
          String contentType,
          List<Charset> charsets,
          int code,
          String message,
          Throwable cause) {
        return writeJson(request, response, callback, code, message);
      }

      @Override
      public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(ErrorMapper.jettyError("", status, reason, newRequestId()));
      }
    };
  }

  /** For the servlet context: errors Jetty raises inside it, outside Javalin's handlers. */
  public static ErrorHandler contextHandler() {
    return new org.eclipse.jetty.ee10.servlet.ErrorHandler() {
      @Override
      public boolean errorPageForMethod(String method) {
        return true;
      }

      @Override
      protected boolean generateAcceptableResponse(
          Request request,
          Response response,
          Callback callback,
          String contentType,
          List<Charset> charsets,
          int code,
          String message,
          Throwable cause) {
        return writeJson(request, response, callback, code, message);
      }

      @Override
      public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(ErrorMapper.jettyError("", status, reason, newRequestId()));
      }
    };
  }

  private static boolean writeJson(
      Request request, Response response, Callback callback, int code, String message) {
    String requestId = newRequestId();
    byte[] body = ErrorMapper.jettyError(pathOf(request), code, message, requestId);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put("x-request-id", requestId);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  /** The path as sent, undecoded: a URI Jetty could not decode still names its surface. */
  private static String pathOf(Request request) {
    try {
      String raw = request.getHttpURI().asString();
      int scheme = raw.indexOf("://");
      int start = scheme < 0 ? raw.indexOf('/') : raw.indexOf('/', scheme + 3);
      return start < 0 ? "" : raw.substring(start);
    } catch (RuntimeException e) {
      return "";
    }
  }

  private static String newRequestId() {
    return UUID.randomUUID().toString();
  }
}
