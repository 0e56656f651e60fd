package dev.tuneup.server.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.file.StoredFile;
import dev.tuneup.job.HyperParameters;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobMetric;
import dev.tuneup.job.JobService;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.LogLines;
import dev.tuneup.server.dashscope.JobWire;
import dev.tuneup.server.defaults.HyperParameterDefaults;
import dev.tuneup.server.http.Json;
import dev.tuneup.server.http.Obj;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * OpenAI's wire objects for tuneup's files and jobs: {@code file}, {@code fine_tuning.job}, {@code
 * fine_tuning.job.event} and {@code fine_tuning.job.checkpoint}. Times are Unix seconds.
 */
public final class OpenAiWire {
  private final Clock clock;
  private final ZoneId zone;
  private final HyperParameterDefaults defaults;
  private final Function<Job, List<String>> resultFiles;

  /**
   * @param resultFiles the ids of a job's {@code result_files} ({@link ResultFiles#of})
   */
  public OpenAiWire(
      Clock clock,
      ZoneId zone,
      HyperParameterDefaults defaults,
      Function<Job, List<String>> resultFiles) {
    this.clock = clock;
    this.zone = zone;
    this.defaults = defaults;
    this.resultFiles = resultFiles;
  }

  /**
   * tuneup's status as OpenAI names it. OpenAI has no canceling: a CANCELING job is still {@code
   * running} until its trainer is gone, then {@code cancelled}.
   */
  public static String status(JobStatus s) {
    return switch (s) {
      case PENDING -> "validating_files";
      case QUEUING -> "queued";
      case RUNNING, CANCELING -> "running";
      case PAUSING -> "pausing";
      case PAUSED -> "paused";
      case SUCCEEDED -> "succeeded";
      case FAILED -> "failed";
      case CANCELED -> "cancelled";
    };
  }

  public Obj file(StoredFile f) {
    return Obj.of()
        .always("id", f.id())
        .always("object", "file")
        .always("bytes", f.size())
        .always("created_at", seconds(f.createdAt()))
        .always("filename", f.name())
        .always("purpose", f.purpose())
        .always("status", "processed")
        .always("status_details", null)
        .always("expires_at", null);
  }

  public Obj job(Job j) {
    JobStatus s = j.status();
    Obj hp = hyperparameters(j);
    JsonNode stored = storedHyperParameters(j);
    Long eta = null;
    if (s == JobStatus.RUNNING && j.progress().etaSeconds() != null) {
      eta = clock.instant().getEpochSecond() + Math.round(j.progress().etaSeconds());
    }
    Obj error = null;
    if (s == JobStatus.FAILED) {
      error =
          Obj.of()
              .always("code", "training_failed")
              .always("message", j.error() == null ? "The fine-tuning job failed." : j.error())
              .always("param", null);
    }
    return Obj.of()
        .always("object", "fine_tuning.job")
        .always("id", j.id())
        .always("status", status(s))
        .always("model", j.model())
        .always("fine_tuned_model", s == JobStatus.SUCCEEDED ? j.finetunedOutput() : null)
        .always("trained_tokens", JobWire.reportsUsage(s) ? j.usage() : null)
        .always("estimated_finish", eta)
        .always("error", error)
        .always("created_at", seconds(j.createdAt()))
        .always("finished_at", s.isTerminal() ? seconds(j.endedAt()) : null)
        .always("result_files", resultFiles.apply(j))
        .always("training_file", j.trainingFileIds().isEmpty() ? null : j.trainingFileIds().get(0))
        .always(
            "validation_file",
            j.validationFileIds().isEmpty() ? null : j.validationFileIds().get(0))
        .always("hyperparameters", hp)
        .always(
            "method",
            Obj.of()
                .always("type", "supervised")
                .always("supervised", Obj.of().always("hyperparameters", hp)))
        .always(
            "seed",
            stored.path("seed").canConvertToLong()
                ? stored.get("seed").asLong()
                : TrainingDefaults.DEFAULT_SEED)
        .always("metadata", j.metadata().isEmpty() ? null : j.metadata())
        .always("organization_id", j.workspaceId())
        .always("user_provided_suffix", j.outputSuffix())
        .always("integrations", List.of());
  }

  /**
   * OpenAI's three hyper-parameters from tuneup's, as the job trains with them: {@code n_epochs}
   * and {@code batch_size} as stored, else the model's defaults (a DashScope job that left them to
   * the trainer), {@code learning_rate_multiplier} as the learning rate over the model's default
   * learning rate ({@link HyperParameterDefaults}), so a job created with {@code "auto"} reads 1.
   */
  Obj hyperparameters(Job j) {
    JsonNode hp = storedHyperParameters(j);
    Map<String, Object> given = Json.MAPPER.convertValue(hp, new TypeReference<>() {});
    Map<String, Object> used = defaults.resolved(j, given);
    double base = defaults.forJob(j).learningRate();
    Double rate = number(used.get("learning_rate"));
    Object lr =
        rate == null
            ? 1.0
            : new BigDecimal(rate / base)
                .round(new MathContext(10))
                .stripTrailingZeros()
                .doubleValue();
    return Obj.of()
        .always("n_epochs", whole(used.get("n_epochs")))
        .always("batch_size", whole(used.get("batch_size")))
        .always("learning_rate_multiplier", lr);
  }

  /** An event id: the job's id and the 0-based index of the log line it comes from. */
  public static String eventId(String jobId, long index) {
    return "ftevent-" + jobId + "-" + index;
  }

  /** The log index in an event id of this job, or empty when it is not one. */
  public static Optional<Long> eventIndex(String jobId, String eventId) {
    String prefix = "ftevent-" + jobId + "-";
    if (eventId == null || !eventId.startsWith(prefix)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(eventId.substring(prefix.length())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The event of one log line: its time, level and message; the line of a progress event becomes a
   * {@code metrics} event with the numbers of its typed row ({@code metric}, null for other lines).
   * Lines that are not log lines (the end marker) have no event.
   */
  public Optional<Obj> event(String jobId, long index, String line, JobMetric metric) {
    return LogLines.parse(line, zone)
        .map(
            p -> {
              boolean train = metric != null && metric.kind() == JobMetric.Kind.TRAIN;
              Obj data = Obj.of();
              if (train) {
                data.always("step", metric.step())
                    .always("total_steps", metric.totalSteps())
                    .always("train_loss", metric.loss())
                    .with("train_mean_token_accuracy", metric.tokenAccuracy())
                    .always("epoch", metric.epoch());
              }
              return Obj.of()
                  .always("object", "fine_tuning.job.event")
                  .always("id", eventId(jobId, index))
                  .always("created_at", seconds(p.time()))
                  .always("level", level(p.level()))
                  .always("message", p.message())
                  .always("type", train ? "metrics" : "message")
                  .always("data", data);
            });
  }

  /** A checkpoint id: the job's id and the step. */
  public static String checkpointId(String jobId, int step) {
    return "ftckpt-" + jobId + "-" + step;
  }

  public Obj checkpoint(Job j, JobService.Checkpoint c) {
    // The validation set is evaluated whole, so valid_* and full_valid_* are the same numbers.
    Obj metrics =
        Obj.of()
            .always("step", c.step())
            .with("train_loss", c.trainLoss())
            .with("train_mean_token_accuracy", c.trainTokenAccuracy())
            .with("valid_loss", c.validLoss())
            .with("valid_mean_token_accuracy", c.validTokenAccuracy())
            .with("full_valid_loss", c.validLoss())
            .with("full_valid_mean_token_accuracy", c.validTokenAccuracy());
    return Obj.of()
        .always("object", "fine_tuning.job.checkpoint")
        .always("id", checkpointId(j.id(), c.step()))
        .always("created_at", seconds(c.createdAt()))
        .always(
            "fine_tuned_model_checkpoint",
            j.model()
                + (j.outputSuffix() == null ? "" : "-" + j.outputSuffix())
                + "-"
                + j.id()
                + ":ckpt-step-"
                + c.step())
        .always("fine_tuning_job_id", j.id())
        .always("step_number", c.step())
        .always("metrics", metrics);
  }

  private static String level(String level) {
    return switch (level.toUpperCase(Locale.ROOT)) {
      case "WARN", "WARNING" -> "warn";
      case "ERROR", "FATAL" -> "error";
      default -> "info";
    };
  }

  private static JsonNode storedHyperParameters(Job j) {
    try {
      JsonNode n = Json.MAPPER.readTree(j.hyperParameters() == null ? "{}" : j.hyperParameters());
      return n == null ? Json.MAPPER.createObjectNode() : n;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "job " + j.id() + " holds hyper_parameters that are not JSON");
    }
  }

  private static Object whole(Object v) {
    Double d = number(v);
    return d == null ? "auto" : (Object) Math.round(d);
  }

  private static Double number(Object v) {
    return v == null ? null : HyperParameters.number(v);
  }

  private static Long seconds(Instant t) {
    return t == null ? null : t.getEpochSecond();
  }
}
