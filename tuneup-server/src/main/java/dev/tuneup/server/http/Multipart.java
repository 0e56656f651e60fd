package dev.tuneup.server.http;

import dev.tuneup.error.RequestTooLarge;
import dev.tuneup.error.TuneupException;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.util.List;
import org.eclipse.jetty.http.HttpException;

/**
 * Reading a multipart body. Jetty parses it as it streams, into {@code <data-dir>/files/.tmp}, and
 * stops at {@code http.max-body-bytes}; a body over that limit is {@link RequestTooLarge}, one it
 * cannot parse (no boundary, a cut-off part, a bad header) is {@link BadRequestBody}.
 */
public final class Multipart {
  private final long maxBodyBytes;

  public Multipart(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The file parts named {@code name}, in order. */
  public List<UploadedFile> files(Context ctx, String name) {
    return read(() -> ctx.uploadedFiles(name));
  }

  /** The file part named {@code name}, or null. */
  public UploadedFile file(Context ctx, String name) {
    return read(() -> ctx.uploadedFile(name));
  }

  /** The text fields named {@code name}, in order. */
  public List<String> fields(Context ctx, String name) {
    return read(() -> ctx.formParams(name));
  }

  /** The first text field named {@code name}, or null. */
  public String field(Context ctx, String name) {
    List<String> values = fields(ctx, name);
    return values.isEmpty() ? null : values.get(0);
  }

  /**
   * Deletes the parts' temp files now: Jetty would only do so once the response is done, and a
   * stored upload has already been copied into its own temp file.
   */
  public void release(Context ctx) {
    try {
      for (jakarta.servlet.http.Part part : ctx.req().getParts()) {
        part.delete();
      }
    } catch (Exception e) {
      // not multipart, or already failed: nothing of it is on disk
    }
  }

  private interface Reading<T> {
    T read() throws Exception;
  }

  private <T> T read(Reading<T> reading) {
    try {
      return reading.read();
    } catch (TuneupException e) {
      throw e;
    } catch (Exception e) {
      if (tooLarge(e)) {
        throw new RequestTooLarge(maxBodyBytes);
      }
      throw new BadRequestBody(
          "Malformed multipart/form-data body: " + reason(e) + ". Send parts with a boundary.");
    }
  }

  private static boolean tooLarge(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HttpException h && h.getCode() == 413) {
        return true;
      }
      String m = t.getMessage();
      if (m != null && m.contains("exceeded")) {
        return true;
      }
    }
    return false;
  }

  private static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    if (m == null || m.isBlank()) {
      return root.getClass().getSimpleName();
    }
    // Jetty's messages may quote bytes of the body; keep them short and on one line.
    m = m.replaceAll("[\\p{Cntrl}]", " ");
    return m.length() > 200 ? m.substring(0, 200) + "…" : m;
  }
}
