package dev.tuneup.server.dashscope;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.Progress;
import dev.tuneup.server.defaults.HyperParameterDefaults;
import dev.tuneup.server.http.Json;
import dev.tuneup.server.http.Obj;
import java.util.Map;
import java.util.Optional;

/** The DashScope job object (spec §4.1) plus tuneup's extensions. */
public final class JobWire {
  private final WireTime time;
  private final HyperParameterDefaults defaults;

  public JobWire(WireTime time, HyperParameterDefaults defaults) {
    this.time = time;
    this.defaults = defaults;
  }

  /**
   * Whether a job in this status reports the tokens it trained: once its run is over (succeeded,
   * canceled, or paused). Both API surfaces use this rule, so they agree.
   */
  public static boolean reportsUsage(JobStatus s) {
    return s == JobStatus.SUCCEEDED || s == JobStatus.CANCELED || s == JobStatus.PAUSED;
  }

  private static Map<String, Object> given(Job job) {
    try {
      return Json.MAPPER.readValue(
          job.hyperParameters() == null ? "{}" : job.hyperParameters(), new TypeReference<>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "bug: job " + job.id() + " holds hyper_parameters that are not JSON", e);
    }
  }

  public Obj of(Job job, Optional<Long> queuePosition) {
    JobStatus s = job.status();
    Obj o =
        Obj.of()
            .always("job_id", job.id())
            .always("job_name", job.name())
            .always("status", s.name())
            .with("finetuned_output", s == JobStatus.SUCCEEDED ? job.finetunedOutput() : null)
            .always("model", job.model())
            .always("base_model", job.baseModel())
            .always("training_file_ids", job.trainingFileIds())
            .always("validation_file_ids", job.validationFileIds())
            // Echoed byte for byte as the caller sent it (numbers as strings stay strings).
            .always("hyper_parameters", new RawValue(job.hyperParameters()))
            // tuneup extension: every value the job trains with, its own or its model's default
            .always("resolved_hyper_parameters", defaults.resolved(job, given(job)))
            .always("training_type", job.trainingType().dashScopeName())
            .always("create_time", time.plain(job.createdAt()))
            .with("end_time", s.isTerminal() ? time.plain(job.endedAt()) : null)
            .with("usage", reportsUsage(s) ? job.usage() : null)
            .always("workspace_id", job.workspaceId())
            .always("user_identity", job.userId())
            .always("creator", job.creator())
            .always("modifier", job.modifier())
            .always("group", "llm");
    queuePosition.ifPresent(p -> o.put("queue_position", p));
    if (s == JobStatus.FAILED && job.error() != null) {
      o.put("message", job.error());
    }
    Progress p = job.progress();
    if (p.step() != null || p.evalLoss() != null) {
      o.put(
          "progress",
          Obj.of()
              .with("step", p.step())
              .with("total_steps", p.totalSteps())
              .with("epoch", p.epoch())
              .with("loss", p.loss())
              .with("eval_loss", p.evalLoss())
              .with("token_accuracy", p.tokenAccuracy())
              .with("eval_token_accuracy", p.evalTokenAccuracy())
              .with("learning_rate", p.learningRate())
              .with("tokens_per_second", p.tokensPerSecond())
              .with("eta_seconds", s == JobStatus.RUNNING ? p.etaSeconds() : null)
              .always("trained_tokens", job.usage()));
    }
    return o;
  }
}
