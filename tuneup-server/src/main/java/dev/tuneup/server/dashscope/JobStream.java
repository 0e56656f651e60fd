package dev.tuneup.server.dashscope;

import dev.tuneup.auth.Caller;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobService;
import dev.tuneup.job.LogPage;
import dev.tuneup.server.http.Requests;
import dev.tuneup.server.stream.StreamLimits;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /fine-tunes/{id}/stream}: the job's log as server-sent events, one {@code data:} line
 * per log line, until the job ends. The SDK asks with {@code Accept: application/json}, so the
 * answer is SSE whatever the Accept header says.
 *
 * <p>An open stream holds no request thread: the request goes async, and the stream is written by a
 * small pool of its own when the job is written ({@link #jobWritten}, called by the store's
 * writers) and on a timer: a comment line every {@link #KEEP_ALIVE}, which is also how a closed
 * client is noticed, and a re-read every {@link #RESCAN} for writes of other replicas. Each user
 * holds at most {@code http.max-streams-per-user} streams.
 */
public final class JobStream implements AutoCloseable {
  static final Duration KEEP_ALIVE = Duration.ofSeconds(5);
  private static final Duration RESCAN = Duration.ofSeconds(2);
  private static final Duration TICK = Duration.ofMillis(500);
  private static final int BATCH = 500;
  private static final int WRITERS = 4;
  private static final Logger log = LoggerFactory.getLogger(JobStream.class);

  private final JobService jobs;
  private final StreamLimits limits;
  private final ConcurrentHashMap<String, Set<Open>> open = new ConcurrentHashMap<>();
  private final ExecutorService writers;
  private final ScheduledExecutorService timer;

  public JobStream(JobService jobs, StreamLimits limits) {
    this.jobs = jobs;
    this.limits = limits;
    AtomicInteger n = new AtomicInteger();
    this.writers =
        Executors.newFixedThreadPool(
            WRITERS, daemon(() -> "tuneup-stream-writer-" + n.incrementAndGet()));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon(() -> "tuneup-stream-timer"));
    timer.scheduleWithFixedDelay(
        this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static java.util.concurrent.ThreadFactory daemon(
      java.util.function.Supplier<String> name) {
    return r -> {
      Thread t = new Thread(r, name.get());
      t.setDaemon(true);
      return t;
    };
  }

  public void stream(Context ctx) throws IOException {
    Caller caller = Requests.caller(ctx);
    Job job = jobs.get(caller, ctx.pathParam("job_id"));
    StreamLimits.Lease lease = limits.acquire(caller.userId());
    Open s;
    try {
      ctx.status(200);
      ctx.res().setContentType("text/event-stream;charset=utf-8");
      ctx.res().setHeader("Cache-Control", "no-cache");
      ctx.res().setHeader("X-Accel-Buffering", "no");
      s = new Open(job.id(), ctx.res().getOutputStream(), lease);
    } catch (IOException | RuntimeException e) {
      lease.close();
      throw e;
    }
    open.computeIfAbsent(job.id(), k -> ConcurrentHashMap.newKeySet()).add(s);
    ctx.future(() -> s.done);
    schedule(s);
  }

  /** The store wrote job {@code jobId}: its streams read what is new. Returns at once. */
  public void jobWritten(String jobId) {
    Set<Open> streams = open.get(jobId);
    if (streams != null) {
      streams.forEach(this::schedule);
    }
  }

  /** Streams open now (all users). */
  public int openStreams() {
    return open.values().stream().mapToInt(Set::size).sum();
  }

  private void schedule(Open s) {
    if (s.scheduled.compareAndSet(false, true)) {
      try {
        writers.execute(() -> drain(s));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        finish(s);
      }
    }
  }

  private void tick() {
    try {
      long now = System.nanoTime();
      for (Set<Open> streams : open.values()) {
        for (Open s : streams) {
          if (now - s.lastRead > RESCAN.toNanos() || now - s.lastWrite > KEEP_ALIVE.toNanos()) {
            schedule(s);
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("stream timer pass failed; the next one retries", e);
    }
  }

  /** Writes what is new of the job; at the end of the job, ends the stream. */
  private void drain(Open s) {
    s.scheduled.set(false);
    synchronized (s) {
      if (s.done.isDone()) {
        return;
      }
      try {
        s.lastRead = System.nanoTime();
        while (true) {
          LogPage page = jobs.logsFrom(s.jobId, s.next, BATCH);
          for (String line : page.lines()) {
            s.next++;
            s.write("id:" + s.next + "\nevent:result\ndata:" + line.replace("\n", " ") + "\n\n");
          }
          if (page.lines().size() < BATCH) {
            break;
          }
        }
        Optional<Job> current = jobs.reload(s.jobId);
        if (current.isEmpty() || current.get().status().isTerminal()) {
          // One more read: lines written together with the terminal status.
          if (jobs.logsFrom(s.jobId, s.next, 1).lines().isEmpty()) {
            s.out.flush();
            finish(s);
            return;
          }
          schedule(s);
        }
        if (System.nanoTime() - s.lastWrite > KEEP_ALIVE.toNanos()) {
          s.write(":keep-alive\n\n");
        }
        s.out.flush();
      } catch (IOException e) {
        finish(s); // the client went away
      } catch (RuntimeException e) {
        log.warn("stream of job {} failed; closing it", s.jobId, e);
        finish(s);
      }
    }
  }

  private void finish(Open s) {
    Set<Open> streams = open.get(s.jobId);
    if (streams != null) {
      streams.remove(s);
      open.computeIfPresent(s.jobId, (k, v) -> v.isEmpty() ? null : v);
    }
    s.lease.close();
    s.done.complete(null);
  }

  /** Ends every open stream and stops the writers; idempotent. */
  @Override
  public void close() {
    timer.shutdownNow();
    for (Set<Open> streams : open.values()) {
      streams.forEach(this::finish);
    }
    writers.shutdown();
  }

  private static final class Open {
    final String jobId;
    final OutputStream out;
    final StreamLimits.Lease lease;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final AtomicBoolean scheduled = new AtomicBoolean();
    long next;
    volatile long lastWrite = System.nanoTime();
    volatile long lastRead;

    Open(String jobId, OutputStream out, StreamLimits.Lease lease) {
      this.jobId = jobId;
      this.out = out;
      this.lease = lease;
    }

    void write(String s) throws IOException {
      out.write(s.getBytes(StandardCharsets.UTF_8));
      lastWrite = System.nanoTime();
    }
  }
}
