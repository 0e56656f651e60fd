package dev.tuneup.server.dashscope;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobService;
import dev.tuneup.job.LogPage;
import dev.tuneup.job.MetricsPage;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.util.List;

/** {@code /api/v1/fine-tunes}: create, list, get, cancel, delete, logs (spec §3.1). */
public final class FineTunesApi {
  private final JobService jobs;
  private final JobWire wire;

  public FineTunesApi(JobService jobs, JobWire wire) {
    this.jobs = jobs;
    this.wire = wire;
  }

  /** Answers 200 (never 201): the SDK's CLI treats anything else as a failure. */
  public void create(Context ctx) {
    var request = CreateJobParser.parse(ctx.body(), Requests.jsonObject(ctx));
    Job job = jobs.create(Requests.caller(ctx), request);
    Requests.output(ctx, wire.of(job, jobs.queuePosition(job)));
  }

  public void list(Context ctx) {
    Caller caller = Requests.caller(ctx);
    PageRequest page =
        PageRequest.of(
            Requests.intQuery(ctx, "page_no"),
            Requests.intQuery(ctx, "page_size"),
            PageRequest.MAX_PAGE_SIZE);
    Page<Job> result = jobs.list(caller, blankToNull(ctx.queryParam("model")), page);
    List<Obj> items = result.items().stream().map(j -> wire.of(j, jobs.queuePosition(j))).toList();
    Requests.output(
        ctx,
        Obj.of()
            .always("page_no", result.pageNo())
            .always("page_size", result.pageSize())
            .always("total", result.total())
            .always("jobs", items));
  }

  public void get(Context ctx) {
    Job job = jobs.get(Requests.caller(ctx), ctx.pathParam("job_id"));
    Requests.output(ctx, wire.of(job, jobs.queuePosition(job)));
  }

  /** The SDK sends no body and no Content-Type; nothing is read from the body. */
  public void cancel(Context ctx) {
    jobs.cancel(Requests.caller(ctx), ctx.pathParam("job_id"));
    Requests.output(ctx, Obj.of().always("status", "success"));
  }

  /** tuneup extension: stop at a checkpoint, keep the job; answers like cancel. */
  public void pause(Context ctx) {
    jobs.pause(Requests.caller(ctx), ctx.pathParam("job_id"));
    Requests.output(ctx, Obj.of().always("status", "success"));
  }

  /** tuneup extension: queue a paused job to continue from its checkpoint. */
  public void resume(Context ctx) {
    jobs.resume(Requests.caller(ctx), ctx.pathParam("job_id"));
    Requests.output(ctx, Obj.of().always("status", "success"));
  }

  /** Answers 200 with a body (never 204): the SDK's CLI exits 1 on a 204. */
  public void delete(Context ctx) {
    jobs.delete(Requests.caller(ctx), ctx.pathParam("job_id"));
    Requests.output(ctx, Obj.of().always("status", "success"));
  }

  public void logs(Context ctx) {
    LogPage page =
        jobs.logs(
            Requests.caller(ctx),
            ctx.pathParam("job_id"),
            Requests.longQuery(ctx, "offset"),
            Requests.intQuery(ctx, "line"));
    Requests.output(ctx, Obj.of().always("total", page.total()).always("logs", page.lines()));
  }

  /** tuneup extension: the loss curves (the console's chart), from {@code after_line} on. */
  public void metrics(Context ctx) {
    MetricsPage page =
        jobs.metrics(
            Requests.caller(ctx), ctx.pathParam("job_id"), Requests.longQuery(ctx, "after_line"));
    List<Obj> points =
        page.points().stream()
            .map(
                p ->
                    Obj.of()
                        .always("step", p.step())
                        .with("loss", p.loss())
                        .with("eval_loss", p.evalLoss())
                        .with("token_accuracy", p.tokenAccuracy())
                        .with("eval_token_accuracy", p.evalTokenAccuracy()))
            .toList();
    Requests.output(ctx, Obj.of().always("points", points).always("next_line", page.nextLine()));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
