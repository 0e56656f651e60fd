package dev.tuneup.server.dashscope;

import dev.tuneup.job.Checkpoint;
import dev.tuneup.job.CheckpointService;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobService;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.util.List;

/** {@code /fine-tunes/{id}/checkpoints} and {@code /export/{checkpoint}} (spec §3.1.8–3.1.9). */
public final class CheckpointsApi {
  private final CheckpointService checkpoints;
  private final JobService jobs;
  private final WireTime time;

  public CheckpointsApi(CheckpointService checkpoints, JobService jobs, WireTime time) {
    this.checkpoints = checkpoints;
    this.jobs = jobs;
    this.time = time;
  }

  /** {@code output} is an array, highest step first. */
  public void list(Context ctx) {
    Job job = jobs.get(Requests.caller(ctx), ctx.pathParam("job_id"));
    List<Obj> out =
        checkpoints.list(Requests.caller(ctx), job.id()).stream().map(c -> wire(job, c)).toList();
    Requests.output(ctx, out);
  }

  /** A GET that registers the checkpoint as a model; answers {@code "output": true}. */
  public void export(Context ctx) {
    checkpoints.export(
        Requests.caller(ctx),
        ctx.pathParam("job_id"),
        ctx.pathParam("checkpoint"),
        ctx.queryParam("model_name"));
    Requests.output(ctx, Boolean.TRUE);
  }

  private Obj wire(Job job, Checkpoint c) {
    String fullName = job.id() + ":" + c.name();
    return Obj.of()
        .always("checkpoint_id", fullName)
        .always("full_name", fullName)
        .always("checkpoint", c.name())
        .always("job_id", job.id())
        .always("step", c.step())
        .always("status", "SUCCEEDED")
        .always(
            "model_name",
            c.exportedAs() != null ? c.exportedAs() : CheckpointService.defaultModelName(job, c))
        .always("model_display_name", job.name())
        .always("exported", c.exportedAs() != null)
        .always("create_time", time.iso(c.createdAt()));
  }
}
