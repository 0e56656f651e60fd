package dev.tuneup.server.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client sends: raw bytes in the request
 * line, control characters in headers, cut-off multipart bodies, lying lengths.
 */
final class RawHttp {
  private RawHttp() {}

  /** A response as read off the socket. */
  record Answer(int status, String headers, String body) {
    String contentType() {
      for (String line : headers.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-type")) {
          return line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        }
      }
      return "";
    }

    boolean isJson() {
      return contentType().startsWith("application/json")
          && (body.startsWith("{") || body.startsWith("["));
    }
  }

  /** Sends {@code request} (a whole HTTP/1.1 message, Connection: close) and reads the answer. */
  static Answer send(int port, byte[] request) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // the server may answer and close before the whole request is written
      }
      return read(s.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Answer send(int port, String request) {
    return send(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  static Answer read(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    int n;
    try {
      while ((n = in.read(chunk)) > 0) {
        buf.write(chunk, 0, n);
      }
    } catch (java.net.SocketException e) {
      // reset after the answer: what arrived is the answer
    }
    String all = buf.toString(StandardCharsets.UTF_8);
    int end = all.indexOf("\r\n\r\n");
    if (!all.startsWith("HTTP/1.1 ") || end < 0) {
      return new Answer(-1, all, "");
    }
    String head = all.substring(0, end);
    String body = all.substring(end + 4);
    if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
      body = dechunk(body);
    }
    return new Answer(Integer.parseInt(head.substring(9, 12)), head, body);
  }

  private static String dechunk(String body) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < body.length()) {
      int eol = body.indexOf("\r\n", i);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(body.substring(i, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
      i = eol + 2 + size + 2;
    }
    return out.toString();
  }

  /** A request with the given method, raw target and extra header lines, body and its length. */
  static String request(String method, String target, String key, String headers, String body) {
    return method
        + " "
        + target
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
        + headers
        + (body == null
            ? "\r\n"
            : "Content-Length: "
                + body.getBytes(StandardCharsets.ISO_8859_1).length
                + "\r\n\r\n"
                + body);
  }
}
