package dev.tuneup.server.inference;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent event response that opens lazily: nothing is sent until the first event, so an
 * error found before (unknown model, full queue) still answers a plain JSON error with its status.
 * A write that fails means the client went away: the stream reports it instead of throwing, so that
 * generation stops and frees its instance.
 */
public final class EventStream {
  private final Context ctx;
  private OutputStream out;
  private boolean gone;

  public EventStream(Context ctx) {
    this.ctx = ctx;
  }

  public boolean opened() {
    return out != null;
  }

  /** Sends 200 and the SSE headers now (also when the first event will take a while). */
  public boolean open() {
    if (out == null && !gone) {
      try {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        out = ctx.res().getOutputStream();
        out.flush();
      } catch (IOException e) {
        gone = true;
      }
    }
    return !gone;
  }

  /** Writes one event's text (lines and the blank line) and flushes; false once the client left. */
  public boolean send(String event) {
    if (!open()) {
      return false;
    }
    try {
      out.write(event.getBytes(StandardCharsets.UTF_8));
      out.flush();
      return true;
    } catch (IOException e) {
      gone = true;
      return false;
    }
  }
}
