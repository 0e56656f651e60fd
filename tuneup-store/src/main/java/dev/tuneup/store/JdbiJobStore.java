package dev.tuneup.store;

import static dev.tuneup.store.Columns.decimal;
import static dev.tuneup.store.Columns.instant;
import static dev.tuneup.store.Columns.integer;
import static dev.tuneup.store.Columns.millis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.auth.Caller;
import dev.tuneup.common.Page;
import dev.tuneup.common.PageRequest;
import dev.tuneup.contract.TrainingMethod;
import dev.tuneup.error.ModelNameTaken;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobMetric;
import dev.tuneup.job.JobStatus;
import dev.tuneup.job.JobStore;
import dev.tuneup.job.LogPage;
import dev.tuneup.job.Progress;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * {@link JobStore} on a {@code jobs} table with a {@code version} column, and the job logs in
 * {@code job_logs(job_id, seq, line)}. File id lists are JSON arrays; instants are epoch
 * milliseconds, so a job read back equals the job written up to sub-millisecond precision.
 *
 * <p>Log lines of a job that does not exist (any more) are dropped: a late trainer line for a
 * deleted job is not an error.
 */
public final class JdbiJobStore implements JobStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
  private static final TypeReference<LinkedHashMap<String, String>> LABELS =
      new TypeReference<>() {};

  /** Every column but {@code id} and {@code version}, as {@code column = :param}. */
  private static final String ASSIGNMENTS =
      """
      name = :name, user_id = :userId, workspace_id = :workspaceId, status = :status,
      model = :model, base_model = :baseModel, training_type = :trainingType,
      training_file_ids = :trainingFileIds, validation_file_ids = :validationFileIds,
      hyper_parameters = :hyperParameters, output_suffix = :outputSuffix, metadata = :metadata,
      finetuned_output = :finetunedOutput, created_at = :createdAt, queued_at = :queuedAt,
      started_at = :startedAt, ended_at = :endedAt, creator = :creator, modifier = :modifier,
      usage_tokens = :usage, progress_step = :progressStep,
      progress_total_steps = :progressTotalSteps, progress_epoch = :progressEpoch,
      progress_loss = :progressLoss, progress_eval_loss = :progressEvalLoss,
      progress_learning_rate = :progressLearningRate,
      progress_tokens_per_second = :progressTokensPerSecond,
      progress_eta_seconds = :progressEtaSeconds,
      progress_token_accuracy = :progressTokenAccuracy,
      progress_eval_token_accuracy = :progressEvalTokenAccuracy, error = :error, attempt = :attempt,
      backend = :backend, run_handle = :runHandle, events_offset = :eventsOffset,
      stop_requested_at = :stopRequestedAt, killed_at = :killedAt, owner = :owner,
      heartbeat_at = :heartbeatAt
      """;

  private static final String INSERT =
      """
      INSERT INTO jobs (id, name, user_id, workspace_id, status, model, base_model, training_type,
        training_file_ids, validation_file_ids, hyper_parameters, output_suffix, metadata,
        finetuned_output, created_at, queued_at, started_at, ended_at, creator, modifier, usage_tokens,
        progress_step, progress_total_steps, progress_epoch, progress_loss, progress_eval_loss,
        progress_learning_rate, progress_tokens_per_second, progress_eta_seconds,
        progress_token_accuracy, progress_eval_token_accuracy, error, attempt,
        backend, run_handle, events_offset, stop_requested_at, killed_at, owner, heartbeat_at,
        version)
      VALUES (:id, :name, :userId, :workspaceId, :status, :model, :baseModel, :trainingType,
        :trainingFileIds, :validationFileIds, :hyperParameters, :outputSuffix, :metadata,
        :finetunedOutput, :createdAt, :queuedAt, :startedAt, :endedAt, :creator, :modifier, :usage,
        :progressStep, :progressTotalSteps, :progressEpoch, :progressLoss, :progressEvalLoss,
        :progressLearningRate, :progressTokensPerSecond, :progressEtaSeconds,
        :progressTokenAccuracy, :progressEvalTokenAccuracy, :error, :attempt,
        :backend, :runHandle, :eventsOffset, :stopRequestedAt, :killedAt, :owner, :heartbeatAt,
        0)
      ON CONFLICT (id) DO NOTHING
      """;

  private static final String UPDATE =
      "UPDATE jobs SET "
          + ASSIGNMENTS
          + ", version = version + 1 WHERE id = :id AND version = :version RETURNING *";

  // One statement per line, and the first statement of its transaction writes: SQLite takes the
  // write lock before reading MAX(seq), so two appenders never pick the same seq.
  private static final String APPEND_LOG =
      """
      INSERT INTO job_logs (job_id, seq, line)
      SELECT j.id, COALESCE((SELECT MAX(l.seq) FROM job_logs l WHERE l.job_id = j.id), -1) + 1,
             :line
        FROM jobs j
       WHERE j.id = :jobId
      """;

  /** Users tried by one claim before it gives up until the next dispatcher pass. */
  private static final int MAX_CLAIM_CANDIDATES = 8;

  /** First key of tuneup's per-user claim locks, so they never meet another application's. */
  private static final int USER_CLAIM_LOCK_SPACE = 0x7475_6e65; // "tune"

  private static final String NEWEST_FIRST = " ORDER BY created_at DESC, id DESC";

  private final Jdbi jdbi;
  private final Dialect dialect;

  public JdbiJobStore(Jdbi jdbi, Dialect dialect) {
    this.jdbi = jdbi;
    this.dialect = dialect;
  }

  @Override
  public boolean insert(Job job) {
    if (job.version() != 0) {
      throw new IllegalArgumentException(
          "job " + job.id() + " must be inserted with version 0, has " + job.version());
    }
    return jdbi.inTransaction(h -> insert(h, job));
  }

  @Override
  public Admission insertWithinQuota(Job job, int maxActive, int maxQueued) {
    if (job.version() != 0) {
      throw new IllegalArgumentException(
          "job " + job.id() + " must be inserted with version 0, has " + job.version());
    }
    return jdbi.inTransaction(
        h -> {
          QuotaLocks.lock(h, "jobs", job.userId());
          if (count(h, job.userId(), JobStatus::holdsActiveQuota) >= maxActive) {
            return Admission.ACTIVE_LIMIT;
          }
          if (count(h, job.userId(), JobStatus::isWaiting) >= maxQueued) {
            return Admission.QUEUED_LIMIT;
          }
          return insert(h, job) ? Admission.STORED : Admission.ID_TAKEN;
        });
  }

  private static long count(Handle h, String userId, java.util.function.Predicate<JobStatus> in) {
    List<String> statuses = new ArrayList<>();
    for (JobStatus s : JobStatus.values()) {
      if (in.test(s)) {
        statuses.add(s.name());
      }
    }
    return h.createQuery(
            "SELECT COUNT(*) FROM jobs WHERE user_id = :userId AND status IN (<statuses>)")
        .bind("userId", userId)
        .bindList("statuses", statuses)
        .mapTo(Long.class)
        .one();
  }

  /**
   * Inserts the job and reserves its finetuned_output in the caller's transaction: no export or
   * other job of the same tenant can take the name between the create and the job's success.
   */
  private boolean insert(Handle h, Job job) {
    if (bindJob(h.createUpdate(INSERT), job).execute() != 1) {
      return false;
    }
    if (job.finetunedOutput() != null
        && !ModelNames.reserve(
            h, job.userId(), job.workspaceId(), job.finetunedOutput(), job.id())) {
      throw new ModelNameTaken(job.finetunedOutput());
    }
    return true;
  }

  @Override
  public Optional<Job> find(String jobId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM jobs WHERE id = :id")
                .bind("id", jobId)
                .map(JdbiJobStore::mapJob)
                .findOne());
  }

  @Override
  public Optional<Job> findFor(Caller caller, String jobId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM jobs WHERE id = :id AND user_id = :userId"
                        + " AND workspace_id = :workspaceId")
                .bind("id", jobId)
                .bind("userId", caller.userId())
                .bind("workspaceId", caller.workspaceId())
                .map(JdbiJobStore::mapJob)
                .findOne());
  }

  @Override
  public Page<Job> list(Caller caller, String model, PageRequest page) {
    // Built, not "(:model IS NULL OR ...)": PostgreSQL cannot type a bare null parameter.
    String where =
        " FROM jobs WHERE user_id = :userId AND workspace_id = :workspaceId"
            + (model == null ? "" : " AND model = :model");
    return jdbi.withHandle(
        h -> {
          long total =
              owned(h.createQuery("SELECT COUNT(*)" + where), caller, model)
                  .mapTo(Long.class)
                  .one();
          List<Job> items =
              owned(
                      h.createQuery(
                          "SELECT *" + where + NEWEST_FIRST + " LIMIT :limit OFFSET :offset"),
                      caller,
                      model)
                  .bind("limit", page.pageSize())
                  .bind("offset", page.offset())
                  .map(JdbiJobStore::mapJob)
                  .list();
          return new Page<>(page.pageNo(), page.pageSize(), total, items);
        });
  }

  @Override
  public Optional<Job> update(Job job, List<String> logLines, List<JobMetric> metrics) {
    return jdbi.inTransaction(
        h -> {
          Optional<Job> written =
              bindJob(h.createQuery(UPDATE), job)
                  .bind("version", job.version())
                  .map(JdbiJobStore::mapJob)
                  .findOne();
          if (written.isPresent()) {
            long first = nextSeq(h, job.id());
            append(h, job.id(), logLines);
            insertMetrics(h, job.id(), first, logLines.size(), metrics);
          }
          return written;
        });
  }

  @Override
  public List<JobMetric> metrics(String jobId, long fromLine, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM job_metrics WHERE job_id = :jobId AND log_seq >= :from"
                        + " ORDER BY log_seq LIMIT :limit")
                .bind("jobId", jobId)
                .bind("from", Math.max(0, fromLine))
                .bind("limit", Math.max(0, limit))
                .map(JdbiJobStore::mapMetric)
                .list());
  }

  private static long nextSeq(Handle h, String jobId) {
    return h.createQuery("SELECT COALESCE(MAX(seq), -1) + 1 FROM job_logs WHERE job_id = :jobId")
        .bind("jobId", jobId)
        .mapTo(Long.class)
        .one();
  }

  private static void insertMetrics(
      Handle h, String jobId, long firstSeq, int lines, List<JobMetric> metrics) {
    for (JobMetric m : metrics) {
      if (m.line() < 0 || m.line() >= lines) {
        throw new IllegalArgumentException(
            "metric of step " + m.step() + " names line " + m.line() + " of " + lines);
      }
      h.createUpdate(
              "INSERT INTO job_metrics (job_id, log_seq, kind, step, loss, token_accuracy,"
                  + " total_steps, epoch, lr, tokens) VALUES (:jobId, :seq, :kind, :step, :loss,"
                  + " :acc, :total, :epoch, :lr, :tokens)")
          .bind("jobId", jobId)
          .bind("seq", firstSeq + m.line())
          .bind("kind", m.kind().name())
          .bind("step", m.step())
          .bind("loss", Double.isFinite(m.loss()) ? m.loss() : null)
          .bind("acc", m.tokenAccuracy())
          .bind("total", m.totalSteps())
          .bind("epoch", m.epoch())
          .bind("lr", m.lr())
          .bind("tokens", m.tokens())
          .execute();
    }
  }

  private static JobMetric mapMetric(ResultSet rs, StatementContext ctx) throws SQLException {
    double loss = rs.getDouble("loss");
    if (rs.wasNull()) {
      loss = Double.NaN;
    }
    return new JobMetric(
        rs.getLong("log_seq"),
        JobMetric.Kind.valueOf(rs.getString("kind")),
        rs.getInt("step"),
        loss,
        nullableDouble(rs, "token_accuracy"),
        nullableInt(rs, "total_steps"),
        nullableDouble(rs, "epoch"),
        nullableDouble(rs, "lr"),
        nullableLong(rs, "tokens"));
  }

  private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? null : v;
  }

  private static Integer nullableInt(ResultSet rs, String column) throws SQLException {
    int v = rs.getInt(column);
    return rs.wasNull() ? null : v;
  }

  private static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  @Override
  public boolean delete(String jobId, long version) {
    // job_logs rows go with the job: ON DELETE CASCADE.
    return jdbi.withHandle(
        h ->
            h.inTransaction(
                t -> {
                  boolean deleted =
                      t.createUpdate("DELETE FROM jobs WHERE id = :id AND version = :version")
                              .bind("id", jobId)
                              .bind("version", version)
                              .execute()
                          == 1;
                  if (deleted) {
                    ModelNames.releaseForJob(t, jobId);
                  }
                  return deleted;
                }));
  }

  @Override
  public List<Job> findByStatus(Collection<JobStatus> statuses) {
    if (statuses.isEmpty()) {
      return List.of();
    }
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM jobs WHERE status IN (<statuses>) ORDER BY created_at, id")
                .bindList("statuses", names(statuses))
                .map(JdbiJobStore::mapJob)
                .list());
  }

  @Override
  public List<Job> findByStatusOwnedBy(Collection<JobStatus> statuses, String owner) {
    Objects.requireNonNull(owner, "owner");
    if (statuses.isEmpty()) {
      return List.of();
    }
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM jobs WHERE status IN (<statuses>)"
                        + " AND (owner = :owner OR owner IS NULL) ORDER BY created_at, id")
                .bindList("statuses", names(statuses))
                .bind("owner", owner)
                .map(JdbiJobStore::mapJob)
                .list());
  }

  /**
   * {@inheritDoc}
   *
   * <p>On PostgreSQL two claims can run at once, and each counts the user's running jobs in its own
   * snapshot: with {@code SKIP LOCKED} both could take a job of the same user and overrun the
   * limit. So a claim first picks the user of the oldest claimable job, takes that user's advisory
   * lock (held to commit) and then claims, in a new statement whose snapshot sees every claim of
   * that user committed before the lock was granted. A user whose queued jobs are all locked by
   * other writers is passed over for the next one.
   */
  @Override
  public Optional<Job> claimNext(String owner, int perUserRunning, Instant now) {
    Objects.requireNonNull(owner, "owner");
    if (perUserRunning < 1) {
      return Optional.empty();
    }
    if (!dialect.locksUsersForClaims()) {
      return jdbi.withHandle(
          h ->
              claimQuery(h, dialect.claimNextSql(), owner, perUserRunning, now)
                  .map(JdbiJobStore::mapJob)
                  .findOne());
    }
    List<String> passedOver = new ArrayList<>();
    for (int i = 0; i < MAX_CLAIM_CANDIDATES; i++) {
      Optional<String> user = nextClaimableUser(perUserRunning, passedOver);
      if (user.isEmpty()) {
        return Optional.empty();
      }
      Optional<Job> claimed =
          jdbi.inTransaction(
              h -> {
                h.createQuery("SELECT pg_advisory_xact_lock(:space, hashtext(:userId))::text")
                    .bind("space", USER_CLAIM_LOCK_SPACE)
                    .bind("userId", user.get())
                    .mapTo(String.class)
                    .one();
                return claimQuery(h, dialect.claimNextOfUserSql(), owner, perUserRunning, now)
                    .bind("userId", user.get())
                    .map(JdbiJobStore::mapJob)
                    .findOne();
              });
      if (claimed.isPresent()) {
        return claimed;
      }
      passedOver.add(user.get());
    }
    return Optional.empty();
  }

  private Optional<String> nextClaimableUser(int perUserRunning, List<String> passedOver) {
    return jdbi.withHandle(
        h -> {
          Query q =
              h.createQuery(
                      """
                      SELECT q.user_id FROM jobs q
                       WHERE q.status = 'QUEUING'
                         AND (SELECT COUNT(*) FROM jobs r
                               WHERE r.user_id = q.user_id
                                 AND r.status IN (<holding>)) < :perUserRunning
                      """
                              .replace("<holding>", Dialect.holdingSlotSql())
                          + (passedOver.isEmpty() ? "" : " AND q.user_id NOT IN (<passedOver>)")
                          + " ORDER BY q.queued_at, q.created_at, q.id LIMIT 1")
                  .bind("perUserRunning", perUserRunning);
          if (!passedOver.isEmpty()) {
            q.bindList("passedOver", passedOver);
          }
          return q.mapTo(String.class).findOne();
        });
  }

  private static Query claimQuery(
      Handle h, String sql, String owner, int perUserRunning, Instant now) {
    return h.createQuery(sql)
        .bind("owner", owner)
        .bind("now", millis(now))
        .bind("perUserRunning", perUserRunning);
  }

  @Override
  public long countForUser(String userId, Collection<JobStatus> statuses) {
    if (statuses.isEmpty()) {
      return 0;
    }
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT COUNT(*) FROM jobs WHERE user_id = :userId AND status IN (<statuses>)")
                .bind("userId", userId)
                .bindList("statuses", names(statuses))
                .mapTo(Long.class)
                .one());
  }

  @Override
  public long queuePosition(Job job) {
    if (job.queuedAt() == null) {
      throw new IllegalArgumentException("job " + job.id() + " has no queued time: not queued");
    }
    // The queue order is the claim order: queued_at, then created_at, then id.
    return 1
        + jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        SELECT COUNT(*) FROM jobs
                         WHERE status = 'QUEUING'
                           AND (queued_at < :queuedAt
                                OR (queued_at = :queuedAt
                                    AND (created_at < :createdAt
                                         OR (created_at = :createdAt AND id < :id))))
                        """)
                    .bind("queuedAt", millis(job.queuedAt()))
                    .bind("createdAt", millis(job.createdAt()))
                    .bind("id", job.id())
                    .mapTo(Long.class)
                    .one());
  }

  @Override
  public LogPage logs(String jobId, long fromIndex, int limit) {
    return jdbi.withHandle(
        h -> {
          long total =
              h.createQuery("SELECT COUNT(*) FROM job_logs WHERE job_id = :jobId")
                  .bind("jobId", jobId)
                  .mapTo(Long.class)
                  .one();
          if (limit <= 0 || fromIndex >= total) {
            return new LogPage(total, List.of());
          }
          // seq is dense from 0 (lines are only appended), so a range beats OFFSET.
          List<String> lines =
              h.createQuery(
                      "SELECT line FROM job_logs WHERE job_id = :jobId AND seq >= :from"
                          + " ORDER BY seq LIMIT :limit")
                  .bind("jobId", jobId)
                  .bind("from", Math.max(0, fromIndex))
                  .bind("limit", limit)
                  .mapTo(String.class)
                  .list();
          return new LogPage(total, lines);
        });
  }

  @Override
  public void appendLogs(String jobId, List<String> lines) {
    if (lines.isEmpty()) {
      return;
    }
    jdbi.useTransaction(
        h -> {
          String lock = dialect.lockJobForLogsSql();
          if (lock != null) {
            // Concurrent appenders of one job queue here, so each numbers its lines after the
            // last committed one. update() needs no such lock: its UPDATE locks the row first.
            h.createQuery(lock).bind("jobId", jobId).mapTo(String.class).findOne();
          }
          append(h, jobId, lines);
        });
  }

  private static void append(Handle h, String jobId, List<String> lines) {
    for (String line : lines) {
      h.createUpdate(APPEND_LOG).bind("jobId", jobId).bind("line", line).execute();
    }
  }

  private static Query owned(Query query, Caller caller, String model) {
    query.bind("userId", caller.userId()).bind("workspaceId", caller.workspaceId());
    return model == null ? query : query.bind("model", model);
  }

  private static List<String> names(Collection<JobStatus> statuses) {
    return statuses.stream().map(Enum::name).toList();
  }

  private static <S extends SqlStatement<S>> S bindJob(S st, Job j) {
    Progress p = j.progress();
    return st.bind("id", j.id())
        .bind("name", j.name())
        .bind("userId", j.userId())
        .bind("workspaceId", j.workspaceId())
        .bind("status", j.status().name())
        .bind("model", j.model())
        .bind("baseModel", j.baseModel())
        .bind("trainingType", j.trainingType() == null ? null : j.trainingType().dashScopeName())
        .bind("trainingFileIds", toJson(j.trainingFileIds()))
        .bind("validationFileIds", toJson(j.validationFileIds()))
        .bind("hyperParameters", j.hyperParameters())
        .bind("outputSuffix", j.outputSuffix())
        .bind("metadata", j.metadata().isEmpty() ? null : toJson(j.metadata()))
        .bind("finetunedOutput", j.finetunedOutput())
        .bind("createdAt", millis(j.createdAt()))
        .bind("queuedAt", millis(j.queuedAt()))
        .bind("startedAt", millis(j.startedAt()))
        .bind("endedAt", millis(j.endedAt()))
        .bind("creator", j.creator())
        .bind("modifier", j.modifier())
        .bind("usage", j.usage())
        .bind("progressStep", p.step())
        .bind("progressTotalSteps", p.totalSteps())
        .bind("progressEpoch", p.epoch())
        .bind("progressLoss", p.loss())
        .bind("progressEvalLoss", p.evalLoss())
        .bind("progressLearningRate", p.learningRate())
        .bind("progressTokensPerSecond", p.tokensPerSecond())
        .bind("progressEtaSeconds", p.etaSeconds())
        .bind("progressTokenAccuracy", p.tokenAccuracy())
        .bind("progressEvalTokenAccuracy", p.evalTokenAccuracy())
        .bind("error", j.error())
        .bind("attempt", j.attempt())
        .bind("backend", j.backend())
        .bind("runHandle", j.runHandle())
        .bind("eventsOffset", j.eventsOffset())
        .bind("stopRequestedAt", millis(j.stopRequestedAt()))
        .bind("killedAt", millis(j.killedAt()))
        .bind("owner", j.owner())
        .bind("heartbeatAt", millis(j.heartbeatAt()));
  }

  private static Job mapJob(ResultSet rs, StatementContext ctx) throws SQLException {
    String type = rs.getString("training_type");
    return Job.builder()
        .id(rs.getString("id"))
        .name(rs.getString("name"))
        .userId(rs.getString("user_id"))
        .workspaceId(rs.getString("workspace_id"))
        .storedStatus(JobStatus.valueOf(rs.getString("status")))
        .model(rs.getString("model"))
        .baseModel(rs.getString("base_model"))
        .trainingType(
            type == null
                ? null
                : TrainingMethod.fromDashScope(type)
                    .orElseThrow(
                        () -> new IllegalStateException("unknown training_type in jobs: " + type)))
        .trainingFileIds(fromJson(rs.getString("training_file_ids")))
        .validationFileIds(fromJson(rs.getString("validation_file_ids")))
        .hyperParameters(rs.getString("hyper_parameters"))
        .outputSuffix(rs.getString("output_suffix"))
        .metadata(metadataFromJson(rs.getString("metadata")))
        .finetunedOutput(rs.getString("finetuned_output"))
        .createdAt(instant(rs, "created_at"))
        .queuedAt(instant(rs, "queued_at"))
        .startedAt(instant(rs, "started_at"))
        .endedAt(instant(rs, "ended_at"))
        .creator(rs.getString("creator"))
        .modifier(rs.getString("modifier"))
        .usage(rs.getLong("usage_tokens"))
        .progress(
            new Progress(
                integer(rs, "progress_step"),
                integer(rs, "progress_total_steps"),
                decimal(rs, "progress_epoch"),
                decimal(rs, "progress_loss"),
                decimal(rs, "progress_eval_loss"),
                decimal(rs, "progress_learning_rate"),
                decimal(rs, "progress_tokens_per_second"),
                decimal(rs, "progress_eta_seconds"),
                decimal(rs, "progress_token_accuracy"),
                decimal(rs, "progress_eval_token_accuracy")))
        .error(rs.getString("error"))
        .attempt(rs.getInt("attempt"))
        .backend(rs.getString("backend"))
        .runHandle(rs.getString("run_handle"))
        .eventsOffset(rs.getLong("events_offset"))
        .stopRequestedAt(instant(rs, "stop_requested_at"))
        .killedAt(instant(rs, "killed_at"))
        .owner(rs.getString("owner"))
        .heartbeatAt(instant(rs, "heartbeat_at"))
        .version(rs.getLong("version"))
        .build();
  }

  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a list of strings always serializes; this is a bug", e);
    }
  }

  private static Map<String, String> metadataFromJson(String json) {
    if (json == null) {
      return Map.of();
    }
    try {
      return JSON.readValue(json, LABELS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("jobs holds metadata that is not a JSON object: " + json, e);
    }
  }

  private static List<String> fromJson(String json) {
    try {
      return JSON.readValue(json, STRINGS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("jobs holds a file id list that is not JSON: " + json, e);
    }
  }
}
