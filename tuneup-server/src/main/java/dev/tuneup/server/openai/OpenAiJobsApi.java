package dev.tuneup.server.openai;

import dev.tuneup.auth.Caller;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobMetric;
import dev.tuneup.job.JobService;
import dev.tuneup.job.LogPage;
import dev.tuneup.server.defaults.HyperParameterDefaults;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/fine_tuning/jobs}: OpenAI's fine-tuning API on tuneup's {@link JobService}. A job is
 * one job whichever surface created it; its OpenAI id is its tuneup id.
 */
public final class OpenAiJobsApi {
  private static final int DEFAULT_JOBS = 20;
  private static final int DEFAULT_EVENTS = 20;
  private static final int DEFAULT_CHECKPOINTS = 10;
  private static final int MAX_LIMIT = 100;

  private final JobService jobs;
  private final OpenAiWire wire;
  private final HyperParameterDefaults defaults;

  public OpenAiJobsApi(JobService jobs, OpenAiWire wire, HyperParameterDefaults defaults) {
    this.jobs = jobs;
    this.wire = wire;
    this.defaults = defaults;
  }

  /** {@code "auto"} values resolve to the defaults of the model the job names. */
  public void create(Context ctx) {
    Caller caller = Requests.caller(ctx);
    Job job =
        jobs.create(
            caller,
            OpenAiCreateParser.parse(
                Requests.jsonObject(ctx), (model, type) -> defaults.forModel(caller, model, type)));
    Requests.ok(ctx, wire.job(job));
  }

  /** Newest first; {@code after} is a job id, {@code metadata[k]=v} keeps jobs with that label. */
  public void list(Context ctx) {
    Map<String, String> metadata = new LinkedHashMap<>();
    ctx.queryParamMap()
        .forEach(
            (k, v) -> {
              if (k.startsWith("metadata[") && k.endsWith("]") && !v.isEmpty()) {
                metadata.put(k.substring("metadata[".length(), k.length() - 1), v.get(0));
              }
            });
    JobService.Slice<Job> slice =
        jobs.listAfter(
            Requests.caller(ctx),
            blankToNull(ctx.queryParam("after")),
            limit(ctx, DEFAULT_JOBS),
            metadata);
    Requests.ok(ctx, list(slice.items().stream().map(wire::job).toList(), slice.hasMore()));
  }

  public void get(Context ctx) {
    Requests.ok(ctx, wire.job(jobs.get(Requests.caller(ctx), ctx.pathParam("job_id"))));
  }

  public void cancel(Context ctx) {
    Requests.ok(ctx, wire.job(jobs.cancel(Requests.caller(ctx), ctx.pathParam("job_id"))));
  }

  public void pause(Context ctx) {
    Requests.ok(ctx, wire.job(jobs.pause(Requests.caller(ctx), ctx.pathParam("job_id"))));
  }

  public void resume(Context ctx) {
    Requests.ok(ctx, wire.job(jobs.resume(Requests.caller(ctx), ctx.pathParam("job_id"))));
  }

  /**
   * The job's log lines as events, newest first: status changes, trainer messages, and one {@code
   * metrics} event per training step. {@code after} is the id of the last event already seen.
   */
  public void events(Context ctx) {
    Caller caller = Requests.caller(ctx);
    String jobId = ctx.pathParam("job_id");
    int limit = limit(ctx, DEFAULT_EVENTS);
    long total = jobs.logs(caller, jobId, 1L, 1).total();
    String after = blankToNull(ctx.queryParam("after"));
    long end = total;
    if (after != null) {
      end =
          Math.min(
              total,
              OpenAiWire.eventIndex(jobId, after)
                  .orElseThrow(
                      () ->
                          new InvalidParameter(
                              "after", "after must be an event id of this job, got " + after)));
    }
    long from = Math.max(0, end - limit);
    List<Obj> data = new ArrayList<>();
    if (end > from) {
      LogPage page = jobs.logs(caller, jobId, from + 1, (int) (end - from));
      List<String> lines = page.lines();
      Map<Long, JobMetric> metrics = new HashMap<>();
      for (JobMetric m : jobs.metricsOfLines(jobId, from, lines.size())) {
        metrics.put(m.line(), m);
      }
      for (int i = lines.size() - 1; i >= 0; i--) {
        wire.event(jobId, from + i, lines.get(i), metrics.get(from + i)).ifPresent(data::add);
      }
    }
    Requests.ok(ctx, list(data, from > 0));
  }

  /** Complete {@code checkpoint-<step>} directories, highest step first; {@code after} an id. */
  public void checkpoints(Context ctx) {
    Caller caller = Requests.caller(ctx);
    Job job = jobs.get(caller, ctx.pathParam("job_id"));
    int limit = limit(ctx, DEFAULT_CHECKPOINTS);
    String after = blankToNull(ctx.queryParam("after"));
    List<Obj> data = new ArrayList<>();
    boolean started = after == null;
    boolean more = false;
    for (JobService.Checkpoint c : jobs.checkpoints(caller, job.id())) {
      if (!started) {
        started = OpenAiWire.checkpointId(job.id(), c.step()).equals(after);
        continue;
      }
      if (data.size() == limit) {
        more = true;
        break;
      }
      data.add(wire.checkpoint(job, c));
    }
    Requests.ok(ctx, list(data, more));
  }

  private static Obj list(List<Obj> data, boolean hasMore) {
    return Obj.of()
        .always("object", "list")
        .always("data", data)
        .always("first_id", data.isEmpty() ? null : data.get(0).get("id"))
        .always("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id"))
        .always("has_more", hasMore);
  }

  private static int limit(Context ctx, int byDefault) {
    Integer v = Requests.intQuery(ctx, "limit");
    int limit = v == null ? byDefault : v;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidParameter(
          "limit", "limit must be between 1 and " + MAX_LIMIT + ", got " + limit + ".");
    }
    return limit;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
