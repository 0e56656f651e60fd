package dev.tuneup.job;

import dev.tuneup.contract.TrainingMethod;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A fine-tuning job as the domain sees it. Immutable: every change is a new value written back with
 * an optimistic check on {@link #version()}.
 *
 * @param hyperParameters the JSON object the caller sent, kept as text so it is echoed exactly
 * @param metadata the caller's key-value labels (OpenAI {@code metadata}); empty when none
 * @param usage tokens trained so far
 * @param runHandle the backend's identity of the running trainer (for local runs, PID and start
 *     time), null before launch
 * @param eventsOffset bytes of the trainer's events file already turned into logs
 * @param stopRequestedAt when the backend was asked to stop the trainer (SIGTERM), for the grace
 * @param killedAt when the backend was told to kill the whole run after the grace
 */
public record Job(
    String id,
    String name,
    String userId,
    String workspaceId,
    JobStatus status,
    String model,
    String baseModel,
    TrainingMethod trainingType,
    List<String> trainingFileIds,
    List<String> validationFileIds,
    String hyperParameters,
    String outputSuffix,
    Map<String, String> metadata,
    String finetunedOutput,
    Instant createdAt,
    Instant queuedAt,
    Instant startedAt,
    Instant endedAt,
    String creator,
    String modifier,
    long usage,
    Progress progress,
    String error,
    int attempt,
    String backend,
    String runHandle,
    long eventsOffset,
    Instant stopRequestedAt,
    Instant killedAt,
    String owner,
    Instant heartbeatAt,
    long version) {

  public Job {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    trainingFileIds = List.copyOf(trainingFileIds);
    validationFileIds = validationFileIds == null ? List.of() : List.copyOf(validationFileIds);
    progress = progress == null ? Progress.NONE : progress;
    metadata =
        metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * This job after {@code event}: the status the transition table gives, with the times the
   * lifecycle keeps (entering QUEUING sets {@code queued_at}, ending sets {@code ended_at}). The
   * only way to change a job's status; the caller adds what the event carries (an error, an output)
   * and writes it optimistically.
   *
   * @throws IllegalTransition naming the job, its status and the event when not allowed
   */
  public Builder on(JobEvent event, Instant now) {
    JobStatus to = JobLifecycle.next(id, status, event);
    Builder next = toBuilder();
    next.status = to;
    if (to == JobStatus.QUEUING) {
      next.queuedAt(now);
    }
    if (to.isTerminal()) {
      next.endedAt(now);
    }
    return next;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Mutable builder for {@link Job}; the only way to derive a changed job. */
  public static final class Builder {
    private String id;
    private String name;
    private String userId;
    private String workspaceId;
    private JobStatus status = JobStatus.PENDING;
    private String model;
    private String baseModel;
    private TrainingMethod trainingType = TrainingMethod.SFT_FULL;
    private List<String> trainingFileIds = List.of();
    private List<String> validationFileIds = List.of();
    private String hyperParameters = "{}";
    private String outputSuffix;
    private Map<String, String> metadata = Map.of();
    private String finetunedOutput;
    private Instant createdAt;
    private Instant queuedAt;
    private Instant startedAt;
    private Instant endedAt;
    private String creator;
    private String modifier;
    private long usage;
    private Progress progress = Progress.NONE;
    private String error;
    private int attempt;
    private String backend;
    private String runHandle;
    private long eventsOffset;
    private Instant stopRequestedAt;
    private Instant killedAt;
    private String owner;
    private Instant heartbeatAt;
    private long version;

    private Builder() {}

    private Builder(Job j) {
      id = j.id;
      name = j.name;
      userId = j.userId;
      workspaceId = j.workspaceId;
      status = j.status;
      model = j.model;
      baseModel = j.baseModel;
      trainingType = j.trainingType;
      trainingFileIds = j.trainingFileIds;
      validationFileIds = j.validationFileIds;
      hyperParameters = j.hyperParameters;
      outputSuffix = j.outputSuffix;
      metadata = j.metadata;
      finetunedOutput = j.finetunedOutput;
      createdAt = j.createdAt;
      queuedAt = j.queuedAt;
      startedAt = j.startedAt;
      endedAt = j.endedAt;
      creator = j.creator;
      modifier = j.modifier;
      usage = j.usage;
      progress = j.progress;
      error = j.error;
      attempt = j.attempt;
      backend = j.backend;
      runHandle = j.runHandle;
      eventsOffset = j.eventsOffset;
      stopRequestedAt = j.stopRequestedAt;
      killedAt = j.killedAt;
      owner = j.owner;
      heartbeatAt = j.heartbeatAt;
      version = j.version;
    }

    public Builder id(String v) {
      id = v;
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder userId(String v) {
      userId = v;
      return this;
    }

    public Builder workspaceId(String v) {
      workspaceId = v;
      return this;
    }

    /**
     * The status a store holds for the job it reads back. Only stores (and the fixtures that stand
     * in for one) call this: every change of status is {@link Job#on}.
     */
    public Builder storedStatus(JobStatus v) {
      status = v;
      return this;
    }

    public Builder model(String v) {
      model = v;
      return this;
    }

    public Builder baseModel(String v) {
      baseModel = v;
      return this;
    }

    public Builder trainingType(TrainingMethod v) {
      trainingType = v;
      return this;
    }

    public Builder trainingFileIds(List<String> v) {
      trainingFileIds = v;
      return this;
    }

    public Builder validationFileIds(List<String> v) {
      validationFileIds = v;
      return this;
    }

    public Builder hyperParameters(String v) {
      hyperParameters = v;
      return this;
    }

    public Builder outputSuffix(String v) {
      outputSuffix = v;
      return this;
    }

    public Builder metadata(Map<String, String> v) {
      metadata = v;
      return this;
    }

    public Builder finetunedOutput(String v) {
      finetunedOutput = v;
      return this;
    }

    public Builder createdAt(Instant v) {
      createdAt = v;
      return this;
    }

    public Builder queuedAt(Instant v) {
      queuedAt = v;
      return this;
    }

    public Builder startedAt(Instant v) {
      startedAt = v;
      return this;
    }

    public Builder endedAt(Instant v) {
      endedAt = v;
      return this;
    }

    public Builder creator(String v) {
      creator = v;
      return this;
    }

    public Builder modifier(String v) {
      modifier = v;
      return this;
    }

    public Builder usage(long v) {
      usage = v;
      return this;
    }

    public Builder progress(Progress v) {
      progress = v;
      return this;
    }

    public Builder error(String v) {
      error = v;
      return this;
    }

    public Builder attempt(int v) {
      attempt = v;
      return this;
    }

    public Builder backend(String v) {
      backend = v;
      return this;
    }

    public Builder runHandle(String v) {
      runHandle = v;
      return this;
    }

    public Builder eventsOffset(long v) {
      eventsOffset = v;
      return this;
    }

    public Builder stopRequestedAt(Instant v) {
      stopRequestedAt = v;
      return this;
    }

    public Builder killedAt(Instant v) {
      killedAt = v;
      return this;
    }

    public Builder owner(String v) {
      owner = v;
      return this;
    }

    public Builder heartbeatAt(Instant v) {
      heartbeatAt = v;
      return this;
    }

    public Builder version(long v) {
      version = v;
      return this;
    }

    public Job build() {
      return new Job(
          id,
          name,
          userId,
          workspaceId,
          status,
          model,
          baseModel,
          trainingType,
          trainingFileIds,
          validationFileIds,
          hyperParameters,
          outputSuffix,
          metadata,
          finetunedOutput,
          createdAt,
          queuedAt,
          startedAt,
          endedAt,
          creator,
          modifier,
          usage,
          progress,
          error,
          attempt,
          backend,
          runHandle,
          eventsOffset,
          stopRequestedAt,
          killedAt,
          owner,
          heartbeatAt,
          version);
    }
  }
}
