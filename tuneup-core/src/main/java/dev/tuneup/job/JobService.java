package dev.tuneup.job;

import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.contract.TrainingDefaults;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.dispatch.JobPaths;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.error.ModelNameTaken;
import dev.tuneup.error.NextStep;
import dev.tuneup.error.NotFound;
import dev.tuneup.error.OperationNotAllowed;
import dev.tuneup.error.QuotaExceeded;
import dev.tuneup.file.FileService;
import dev.tuneup.file.FileStore;
import dev.tuneup.file.StoredFile;
import dev.tuneup.registry.FineTunedModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ModelUsage;
import dev.tuneup.registry.ResolvedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Creates, reads, cancels and deletes fine-tuning jobs. */
public final class JobService {
  /** Lines a single logs request may ask for. */
  public static final int MAX_LOG_LINES = 1000;

  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmm");
  private static final int ID_ATTEMPTS = 64;
  private static final int WRITE_ATTEMPTS = 16;
  private static final int MAX_METADATA_PAIRS = 16;

  private final JobStore jobs;
  private final FileStore files;
  private final ModelCatalog models;
  private final JobPaths paths;
  private final JobLimits limits;
  private final Clock clock;
  private final ZoneId zone;
  private final Runnable dispatcherWakeup;
  private final ModelUsage usage;
  private final SecureRandom random = new SecureRandom();

  public JobService(
      JobStore jobs,
      FileStore files,
      ModelCatalog models,
      JobPaths paths,
      JobLimits limits,
      Clock clock,
      ZoneId zone,
      Runnable dispatcherWakeup) {
    this(jobs, files, models, paths, limits, clock, zone, dispatcherWakeup, ModelUsage.none());
  }

  /** As above, refusing to delete a job whose model is in use (deployed). */
  public JobService(
      JobStore jobs,
      FileStore files,
      ModelCatalog models,
      JobPaths paths,
      JobLimits limits,
      Clock clock,
      ZoneId zone,
      Runnable dispatcherWakeup,
      ModelUsage usage) {
    this.usage = usage;
    this.jobs = jobs;
    this.files = files;
    this.models = models;
    this.paths = paths;
    this.limits = limits;
    this.clock = clock;
    this.zone = zone;
    this.dispatcherWakeup = dispatcherWakeup;
  }

  /**
   * Accepts a job in PENDING. The dispatcher validates it and moves it to QUEUING.
   *
   * @throws InvalidParameter for a missing or unknown model or file, or a bad field
   * @throws QuotaExceeded when the user already holds the maximum of RUNNING or SUCCEEDED jobs
   * @throws ModelNameTaken when the caller's tenant already holds the chosen finetuned_output
   */
  public Job create(Caller caller, CreateJob request) {
    requireCaps(request);
    if (request.model() == null || request.model().isBlank()) {
      throw new InvalidParameter("model", "Missing model: name a base model or a fine-tuned one.");
    }
    ResolvedModel model =
        models
            .resolve(caller, request.model())
            .orElseThrow(
                () ->
                    new InvalidParameter(
                            "model",
                            "Model "
                                + request.model()
                                + " not found: use a base model or a finetuned_output of yours.")
                        .then(NextStep.listBaseModels()));
    if (request.trainingFileIds() == null || request.trainingFileIds().isEmpty()) {
      throw new InvalidParameter("training_file_ids", "Missing training files");
    }
    long samples = requireFiles(caller, "training_file_ids", request.trainingFileIds());
    List<String> validation =
        request.validationFileIds() == null ? List.of() : request.validationFileIds();
    requireFiles(caller, "validation_file_ids", validation);
    TrainingMethod type = HyperParameters.trainingMethod(request.trainingType());
    HyperParameters.check(request.hyperParameters());
    long steps = HyperParameters.maxTotalSteps(request.hyperParameters(), samples);
    if (steps > limits.maxTotalSteps()) {
      throw new InvalidParameter(
          "hyper_parameters.n_epochs",
          "The job would take "
              + (steps == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : String.valueOf(steps))
              + " optimizer steps ("
              + samples
              + " training samples / batch_size x n_epochs); at most "
              + limits.maxTotalSteps()
              + " are allowed (jobs.max-total-steps): lower n_epochs or raise batch_size.");
    }
    if (request.outputSuffix() != null && !request.outputSuffix().matches("[A-Za-z0-9_-]{1,64}")) {
      throw new InvalidParameter(
          "finetuned_output_suffix",
          "finetuned_output_suffix must be 1-64 letters, digits, '_' or '-'.");
    }
    checkMetadata(request.metadata());
    String outputName =
        request.outputName() == null
            ? null
            : JobNames.checkName("finetuned_output", request.outputName().trim());
    if (outputName != null && models.base(outputName).isPresent()) {
      throw new ModelNameTaken(outputName);
    }
    Instant now = clock.instant();
    for (int i = 0; i < ID_ATTEMPTS; i++) {
      String id = newJobId(now);
      Job job =
          Job.builder()
              .id(id)
              .name(
                  request.jobName() == null || request.jobName().isBlank() ? id : request.jobName())
              .userId(caller.userId())
              .workspaceId(caller.workspaceId())
              .model(request.model())
              .baseModel(model.baseModel())
              .trainingType(type)
              .trainingFileIds(request.trainingFileIds())
              .validationFileIds(validation)
              .hyperParameters(
                  request.hyperParametersJson() == null ? "{}" : request.hyperParametersJson())
              .outputSuffix(request.outputSuffix())
              .finetunedOutput(
                  outputName != null
                      ? outputName
                      : JobNames.defaultOutput(request.model(), request.outputSuffix(), id))
              .metadata(request.metadata())
              .createdAt(now)
              .creator(caller.userId())
              .modifier(caller.userId())
              .build();
      switch (jobs.insertWithinQuota(job, limits.maxActive(), limits.maxQueued())) {
        case STORED -> {
          jobs.appendLogs(id, List.of(logLine(now, "INFO", "fine-tune job " + id + " created")));
          dispatcherWakeup.run();
          return job;
        }
        case ACTIVE_LIMIT ->
            throw new QuotaExceeded(
                "jobs.max-active",
                limits.maxActive(),
                "Only "
                    + limits.maxActive()
                    + " fine-tune job in running or succeeded allowed per user. Jobs waiting to"
                    + " run count too: delete unused fine-tuned jobs and try again.");
        case QUEUED_LIMIT ->
            throw new QuotaExceeded(
                "jobs.max-queued",
                limits.maxQueued(),
                "Only "
                    + limits.maxQueued()
                    + " fine-tune jobs may wait to run per user. Wait for one to start, or cancel"
                    + " one, and try again.");
        case ID_TAKEN -> {
          // another job got this id in this minute: draw again
        }
      }
    }
    throw new IllegalStateException(
        "no free job id after " + ID_ATTEMPTS + " attempts in minute " + ID_TIME.format(now));
  }

  /** Longest {@code job_name} accepted, in characters. */
  public static final int MAX_JOB_NAME_CHARS = 256;

  /** Most file ids of one kind (training, validation) in one job. */
  public static final int MAX_FILE_IDS = 100;

  private static void requireCaps(CreateJob request) {
    if (request.jobName() != null && request.jobName().length() > MAX_JOB_NAME_CHARS) {
      throw new InvalidParameter(
          "job_name",
          "job_name is "
              + request.jobName().length()
              + " characters long; at most "
              + MAX_JOB_NAME_CHARS
              + " are accepted.");
    }
    requireAtMost("training_file_ids", request.trainingFileIds());
    requireAtMost("validation_file_ids", request.validationFileIds());
  }

  private static void requireAtMost(String field, List<String> ids) {
    if (ids != null && ids.size() > MAX_FILE_IDS) {
      throw new InvalidParameter(
          field,
          field + " lists " + ids.size() + " files; at most " + MAX_FILE_IDS + " are accepted.");
    }
  }

  public Job get(Caller caller, String jobId) {
    return jobs.findFor(caller, jobId).orElseThrow(() -> NotFound.job(jobId));
  }

  public Page<Job> list(Caller caller, String model, PageRequest page) {
    return jobs.list(caller, model, page);
  }

  /** 1-based place in the queue of a QUEUING job, else empty. */
  public Optional<Long> queuePosition(Job job) {
    return job.status() == JobStatus.QUEUING
        ? Optional.of(jobs.queuePosition(job))
        : Optional.empty();
  }

  /**
   * Cancels a job. PENDING, QUEUING and PAUSED jobs end at once; a RUNNING or PAUSING job becomes
   * CANCELING and the dispatcher stops its trainer; a CANCELING job is left as it is (idempotent).
   *
   * @throws IllegalTransition for a job that already ended
   */
  public Job cancel(Caller caller, String jobId) {
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      Job job = get(caller, jobId);
      Instant now = clock.instant();
      Job.Builder next = job.on(JobEvent.CANCEL, now).modifier(caller.userId());
      JobStatus to = next.build().status();
      if (to == job.status()) {
        return job;
      }
      String line;
      if (to == JobStatus.CANCELED) {
        line =
            "fine-tune job canceled by "
                + caller.userId()
                + (job.status() == JobStatus.PAUSED ? " while paused" : " before it started");
      } else {
        line = "cancel requested by " + caller.userId() + "; stopping the trainer";
      }
      Optional<Job> written = jobs.update(next.build(), List.of(logLine(now, "INFO", line)));
      if (written.isPresent()) {
        dispatcherWakeup.run();
        return written.get();
      }
    }
    throw new IllegalStateException("job " + jobId + " kept changing under cancel");
  }

  /**
   * Pauses a RUNNING job: it becomes PAUSING, the dispatcher asks the trainer to stop at the next
   * step boundary with a checkpoint (SIGTERM, the kill after the grace) and the job is PAUSED once
   * the run is gone, freeing its slot. Pausing a PAUSING or PAUSED job changes nothing.
   *
   * @throws IllegalTransition for a job that is not running (PENDING, QUEUING, CANCELING, ended)
   */
  public Job pause(Caller caller, String jobId) {
    return request(
        caller,
        jobId,
        JobEvent.PAUSE,
        "pause requested by " + caller.userId() + "; stopping the trainer at a checkpoint");
  }

  /**
   * Resumes a PAUSED job: back to QUEUING; its next run continues from its latest checkpoint.
   *
   * @throws IllegalTransition for a job that is not paused
   */
  public Job resume(Caller caller, String jobId) {
    return request(
        caller,
        jobId,
        JobEvent.RESUME,
        "resume requested by " + caller.userId() + "; queued to continue from its last checkpoint");
  }

  private Job request(Caller caller, String jobId, JobEvent event, String message) {
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      Job job = get(caller, jobId);
      Instant now = clock.instant();
      Job.Builder next = job.on(event, now).modifier(caller.userId());
      if (next.build().status() == job.status()) {
        return job;
      }
      Optional<Job> written = jobs.update(next.build(), List.of(logLine(now, "INFO", message)));
      if (written.isPresent()) {
        dispatcherWakeup.run();
        return written.get();
      }
    }
    throw new IllegalStateException("job " + jobId + " kept changing under " + event);
  }

  /**
   * Up to {@code limit} of the caller's jobs, newest first, that come after the job {@code afterId}
   * (none: from the newest) and carry every {@code metadata} pair asked for. Walks the caller's
   * jobs page by page: a cursor over a list that only grows at the front.
   *
   * @return the jobs and whether more follow
   */
  public Slice<Job> listAfter(
      Caller caller, String afterId, int limit, Map<String, String> metadata) {
    if (limit < 1 || limit > PageRequest.MAX_PAGE_SIZE) {
      throw new InvalidParameter(
          "limit", "limit must be between 1 and " + PageRequest.MAX_PAGE_SIZE + ", got " + limit);
    }
    List<Job> out = new ArrayList<>();
    boolean started = afterId == null;
    for (int pageNo = 1; ; pageNo++) {
      Page<Job> page =
          jobs.list(
              caller,
              null,
              PageRequest.of(pageNo, PageRequest.MAX_PAGE_SIZE, PageRequest.MAX_PAGE_SIZE));
      for (Job j : page.items()) {
        if (!started) {
          started = j.id().equals(afterId);
          continue;
        }
        if (j.metadata().entrySet().containsAll(metadata.entrySet())) {
          if (out.size() == limit) {
            return new Slice<>(out, true);
          }
          out.add(j);
        }
      }
      if (page.items().size() < PageRequest.MAX_PAGE_SIZE) {
        return new Slice<>(out, false);
      }
    }
  }

  /** Part of a longer list, and whether more follows it. */
  public record Slice<T>(List<T> items, boolean hasMore) {}

  /** A complete checkpoint of a job: {@code checkpoint-<step>/} in its directory. */
  public record Checkpoint(
      int step,
      Path path,
      Instant createdAt,
      Double trainLoss,
      Double trainTokenAccuracy,
      Double validLoss,
      Double validTokenAccuracy) {}

  /**
   * The job's complete checkpoints, newest (highest step) first, with the training loss logged at
   * that step when the log has it. Temp directories of a checkpoint being written are skipped.
   */
  public List<Checkpoint> checkpoints(Caller caller, String jobId) {
    Job job = get(caller, jobId);
    Path dir = paths.dir(job.id());
    List<Checkpoint> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    Map<Integer, JobMetric> train = new HashMap<>();
    Map<Integer, JobMetric> eval = new HashMap<>();
    // A resumed run logs the steps after its checkpoint again: the later row wins.
    for (JobMetric m : metricRows(job.id())) {
      (m.kind() == JobMetric.Kind.TRAIN ? train : eval).put(m.step(), m);
    }
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(dir, TrainingDefaults.CHECKPOINT_GLOB)) {
      for (Path p : entries) {
        Optional<Integer> named = TrainingDefaults.checkpointStep(p);
        if (named.isPresent() && Files.isDirectory(p)) {
          int step = named.get();
          JobMetric t = train.get(step);
          JobMetric v = eval.get(step);
          out.add(
              new Checkpoint(
                  step,
                  p,
                  Files.getLastModifiedTime(p).toInstant(),
                  t == null ? null : t.loss(),
                  t == null ? null : t.tokenAccuracy(),
                  v == null ? null : v.loss(),
                  v == null ? null : v.tokenAccuracy()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the checkpoints of " + jobId, e);
    }
    out.sort(Comparator.comparingInt(Checkpoint::step).reversed());
    return out;
  }

  /**
   * Deletes a finished job with its logs, files on disk and registered model.
   *
   * @throws OperationNotAllowed for a job that has not ended, or whose model is deployed
   */
  public void delete(Caller caller, String jobId) {
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      Job job = get(caller, jobId);
      if (!JobLifecycle.canDelete(job.status())) {
        throw new OperationNotAllowed(
            "The fine-tune job "
                + jobId
                + " can not be deleted because it is "
                + job.status()
                + ": only succeeded, failed or canceled jobs can be deleted. Cancel it first.");
      }
      refuseWhileInUse(jobId);
      if (jobs.delete(jobId, job.version())) {
        List<FineTunedModel> registered = models.fineTuned().listForJob(jobId);
        models.fineTuned().deleteForJob(jobId);
        try {
          for (FineTunedModel m : registered) {
            // Exported checkpoints are copies outside the job directory.
            if (m.path() != null && !m.path().startsWith(paths.dir(jobId))) {
              JobPaths.deleteTree(m.path());
            }
          }
          paths.delete(jobId);
        } catch (IOException e) {
          throw new UncheckedIOException("job " + jobId + " deleted, but not its directory", e);
        }
        return;
      }
    }
    throw new IllegalStateException("job " + jobId + " kept changing under delete");
  }

  /**
   * A slice of the job's log. {@code offset} is the 1-based line to start from, as the DashScope
   * SDK sends it (its default is 1): offset 0 and 1 both start at the first line, so SDK callers
   * never lose line one. {@code line} is how many lines, 1 to 1000.
   */
  public LogPage logs(Caller caller, String jobId, Long offset, Integer line) {
    long start = offset == null ? 1 : offset;
    int count = line == null ? 100 : line;
    if (start < 0) {
      throw new InvalidParameter("offset", "offset must be 0 or more, got " + start);
    }
    if (count < 1 || count > MAX_LOG_LINES) {
      throw new InvalidParameter(
          "line", "line must be between 1 and " + MAX_LOG_LINES + ", got " + count);
    }
    Job job = get(caller, jobId);
    return jobs.logs(job.id(), Math.max(0, start - 1), count);
  }

  /**
   * The job's loss curves: a point per progress event (training loss) and per evaluation
   * (validation loss), in log order, from the typed rows stored with the log lines after the job's
   * first {@code afterLine} lines (null or 0: from the start). A client that keeps {@link
   * MetricsPage#nextLine} reads only what is new on its next call.
   */
  public MetricsPage metrics(Caller caller, String jobId, Long afterLine) {
    long from = afterLine == null ? 0 : afterLine;
    if (from < 0) {
      throw new InvalidParameter("after_line", "after_line must be 0 or more, got " + from);
    }
    Job job = get(caller, jobId);
    List<MetricPoint> points = new ArrayList<>();
    while (true) {
      List<JobMetric> rows = jobs.metrics(job.id(), from, MAX_LOG_LINES);
      for (JobMetric m : rows) {
        points.add(MetricPoint.of(m));
        from = m.line() + 1;
      }
      if (rows.size() < MAX_LOG_LINES) {
        return new MetricsPage(points, Math.max(from, afterLine == null ? 0 : afterLine));
      }
    }
  }

  /** Every typed progress and evaluation row of a job, in log order. */
  public List<JobMetric> metricRows(String jobId) {
    List<JobMetric> out = new ArrayList<>();
    long from = 0;
    while (true) {
      List<JobMetric> rows = jobs.metrics(jobId, from, MAX_LOG_LINES);
      out.addAll(rows);
      if (rows.size() < MAX_LOG_LINES) {
        return out;
      }
      from = rows.get(rows.size() - 1).line() + 1;
    }
  }

  /** The typed rows stored with log lines {@code fromLine} to {@code fromLine + count - 1}. */
  public List<JobMetric> metricsOfLines(String jobId, long fromLine, int count) {
    List<JobMetric> rows = jobs.metrics(jobId, fromLine, count);
    return rows.stream().filter(m -> m.line() < fromLine + count).toList();
  }

  /** Lines from a 0-based index, for streaming. */
  public LogPage logsFrom(String jobId, long fromIndex, int limit) {
    return jobs.logs(jobId, fromIndex, limit);
  }

  /** Re-reads a job without an owner check (for streams already authorised). */
  public Optional<Job> reload(String jobId) {
    return jobs.find(jobId);
  }

  /** Formats a log line the way DashScope logs read: time - LEVEL - message. */
  public String logLine(Instant time, String level, String message) {
    return LogLines.format(time, zone, level, message);
  }

  private static void checkMetadata(Map<String, String> metadata) {
    if (metadata == null) {
      return;
    }
    if (metadata.size() > MAX_METADATA_PAIRS) {
      throw new InvalidParameter(
          "metadata", "metadata holds at most " + MAX_METADATA_PAIRS + " key-value pairs.");
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().length() > 64) {
        throw new InvalidParameter("metadata", "metadata keys must be 1 to 64 characters.");
      }
      if (e.getValue() == null || e.getValue().length() > 512) {
        throw new InvalidParameter(
            "metadata", "metadata value of '" + e.getKey() + "' must be a string of at most 512.");
      }
    }
  }

  private void refuseWhileInUse(String jobId) {
    for (FineTunedModel m : models.fineTuned().listForJob(jobId)) {
      Optional<String> user = usage.usedBy(m.name());
      if (user.isPresent()) {
        throw new OperationNotAllowed(
                "The fine-tune job "
                    + jobId
                    + " can not be deleted because its model "
                    + m.name()
                    + " is deployed as "
                    + user.get()
                    + ": delete the deployment first.")
            .then(NextStep.deleteDeployment(user.get()));
      }
    }
  }

  /** Checks the files and returns their lines together. */
  private long requireFiles(Caller caller, String field, List<String> ids) {
    long lines = 0;
    for (String id : ids) {
      StoredFile f =
          files
              .findFor(caller, id)
              .orElseThrow(
                  () -> new InvalidParameter(field, "File " + id + " in " + field + " not found."));
      if (!FileService.isFineTune(f.purpose())) {
        throw new InvalidParameter(
            field, "File " + id + " has purpose " + f.purpose() + ", not fine-tune.");
      }
      lines += Math.max(0, f.lines());
    }
    return lines;
  }

  private String newJobId(Instant now) {
    return "ft-"
        + ID_TIME.format(now.atZone(zone))
        + "-"
        + String.format("%04x", random.nextInt(0x10000));
  }
}
