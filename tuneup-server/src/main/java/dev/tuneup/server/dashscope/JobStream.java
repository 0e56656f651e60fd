package dev.tuneup.server.dashscope;

import dev.tuneup.job.Job;
import dev.tuneup.job.JobService;
import dev.tuneup.job.LogPage;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code GET /fine-tunes/{id}/stream}: the job's log as server-sent events, one {@code data:} line
 * per log line, until the job ends. The SDK asks with {@code Accept: application/json}, so the
 * answer is SSE whatever the Accept header says. Quiet streams get a comment line every {@link
 * #KEEP_ALIVE} so the SDK's 300 s read timeout never fires.
 */
public final class JobStream {
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final int BATCH = 500;

  private final JobService jobs;

  public JobStream(JobService jobs) {
    this.jobs = jobs;
  }

  public void stream(Context ctx) throws IOException {
    Job job = jobs.get(Requests.caller(ctx), ctx.pathParam("job_id"));
    ctx.status(200);
    ctx.res().setContentType("text/event-stream;charset=utf-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    OutputStream out = ctx.res().getOutputStream();
    long next = 0;
    long lastWrite = System.nanoTime();
    while (true) {
      LogPage page = jobs.logsFrom(job.id(), next, BATCH);
      for (String line : page.lines()) {
        next++;
        write(out, "id:" + next + "\nevent:result\ndata:" + line.replace("\n", " ") + "\n\n");
        lastWrite = System.nanoTime();
      }
      if (!page.lines().isEmpty()) {
        out.flush();
        continue;
      }
      Optional<Job> current = jobs.reload(job.id());
      if (current.isEmpty() || current.get().status().isTerminal()) {
        // One more read: lines written together with the terminal status.
        if (jobs.logsFrom(job.id(), next, 1).lines().isEmpty()) {
          break;
        }
        continue;
      }
      if (System.nanoTime() - lastWrite > KEEP_ALIVE.toNanos()) {
        write(out, ":keep-alive\n\n");
        out.flush();
        lastWrite = System.nanoTime();
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    out.flush();
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
  }
}
