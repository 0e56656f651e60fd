package dev.tuneup.server.config;

import dev.tuneup.backend.kubernetes.KubernetesBackendConfig;
import dev.tuneup.backend.slurm.SlurmBackendConfig;
import dev.tuneup.hub.HubSettings;
import dev.tuneup.job.JobLimits;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole server configuration, validated on construction. Built by {@link ConfigLoader} from
 * defaults, a properties file, {@code TUNEUP_*} environment variables and command-line flags, in
 * that order of precedence (flags win).
 */
public record TuneupConfig(
    Http http,
    Path dataDir,
    Store store,
    Jobs jobs,
    Files files,
    Local local,
    Map<String, Path> baseModels,
    ZoneId zone,
    String replicaId,
    Inference inference,
    Backend backend,
    Registry registry,
    dev.tuneup.backend.TrainerRuntime trainer) {

  public static final int DEFAULT_PORT = 8080;
  public static final String TINY_MODEL_ID = "tuneup-tiny";

  public TuneupConfig {
    if (dataDir == null) {
      throw new ConfigException("data-dir is required (flag --data-dir, env TUNEUP_DATA_DIR)");
    }
    baseModels = Map.copyOf(baseModels);
    if (inference == null) {
      inference = Inference.defaults();
    }
    if (backend == null) {
      backend = Backend.LOCAL;
    }
    if (registry == null) {
      registry = Registry.defaults(dataDir);
    }
    if (trainer == null) {
      trainer = dev.tuneup.backend.TrainerRuntime.DEFAULT;
    }
  }

  /** As the canonical constructor, with the default trainer runtime (java). */
  public TuneupConfig(
      Http http,
      Path dataDir,
      Store store,
      Jobs jobs,
      Files files,
      Local local,
      Map<String, Path> baseModels,
      ZoneId zone,
      String replicaId,
      Inference inference,
      Backend backend,
      Registry registry) {
    this(
        http,
        dataDir,
        store,
        jobs,
        files,
        local,
        baseModels,
        zone,
        replicaId,
        inference,
        backend,
        registry,
        null);
  }

  /** As the canonical constructor, with the default model registration settings. */
  public TuneupConfig(
      Http http,
      Path dataDir,
      Store store,
      Jobs jobs,
      Files files,
      Local local,
      Map<String, Path> baseModels,
      ZoneId zone,
      String replicaId,
      Inference inference,
      Backend backend) {
    this(
        http,
        dataDir,
        store,
        jobs,
        files,
        local,
        baseModels,
        zone,
        replicaId,
        inference,
        backend,
        null,
        null);
  }

  /** As the canonical constructor, with the default inference settings. */
  public TuneupConfig(
      Http http,
      Path dataDir,
      Store store,
      Jobs jobs,
      Files files,
      Local local,
      Map<String, Path> baseModels,
      ZoneId zone,
      String replicaId) {
    this(
        http,
        dataDir,
        store,
        jobs,
        files,
        local,
        baseModels,
        zone,
        replicaId,
        null,
        null,
        null,
        null);
  }

  /**
   * The inference engine.
   *
   * @param maxQueue requests that may wait per deployment while its instances are busy; more are
   *     answered 429 Throttling
   * @param onDemandBudgetBytes memory for models loaded on first use without a deployment (OpenAI
   *     chat); least recently used ones are unloaded past it
   * @param onDemandCapacity requests at once per model loaded on demand
   * @param maxDeploymentsPerUser deployments one user may hold ({@code deployments.max-per-user})
   * @param maxPromptChars characters one chat request's messages may hold ({@code
   *     inference.max-prompt-chars})
   * @param maxCapacityPerUser instances one user's deployments may hold together ({@code
   *     deployments.max-capacity-per-user})
   * @param reconcileInterval how often a replica loads, resizes and unloads deployments to match
   *     the store (changes made through other replicas)
   */
  public record Inference(
      int maxQueue,
      long onDemandBudgetBytes,
      int onDemandCapacity,
      int maxDeploymentsPerUser,
      long maxPromptChars,
      int maxCapacityPerUser,
      Duration reconcileInterval) {
    public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(2);

    public Inference(int maxQueue, long onDemandBudgetBytes, int onDemandCapacity) {
      this(
          maxQueue,
          onDemandBudgetBytes,
          onDemandCapacity,
          dev.tuneup.deployment.DeploymentService.DEFAULT_MAX_PER_USER,
          dev.tuneup.inference.InferenceService.DEFAULT_MAX_PROMPT_CHARS,
          dev.tuneup.deployment.DeploymentService.DEFAULT_MAX_CAPACITY_PER_USER,
          DEFAULT_RECONCILE_INTERVAL);
    }

    public static final int DEFAULT_MAX_QUEUE = 16;
    public static final long DEFAULT_ON_DEMAND_BUDGET_BYTES = 2L * 1024 * 1024 * 1024;
    public static final int DEFAULT_ON_DEMAND_CAPACITY = 1;

    public Inference {
      if (maxQueue < 0) {
        throw new ConfigException(
            "inference.max-queue must be 0 or more (flag --inference.max-queue), got " + maxQueue);
      }
      if (onDemandBudgetBytes < 1) {
        throw new ConfigException(
            "inference.on-demand-budget-bytes must be positive, got " + onDemandBudgetBytes);
      }
      if (maxCapacityPerUser < 1) {
        throw new ConfigException(
            "deployments.max-capacity-per-user must be 1 or more, got " + maxCapacityPerUser);
      }
      if (maxPromptChars < 1) {
        throw new ConfigException(
            "inference.max-prompt-chars must be 1 or more, got " + maxPromptChars);
      }
      if (maxDeploymentsPerUser < 1) {
        throw new ConfigException(
            "deployments.max-per-user must be 1 or more, got " + maxDeploymentsPerUser);
      }
      if (onDemandCapacity < 1) {
        throw new ConfigException(
            "inference.on-demand-capacity must be 1 or more, got " + onDemandCapacity);
      }
      if (reconcileInterval == null
          || reconcileInterval.isNegative()
          || reconcileInterval.isZero()) {
        throw new ConfigException(
            "inference.reconcile-interval must be positive, got " + reconcileInterval);
      }
    }

    public Inference(int maxQueue) {
      this(maxQueue, DEFAULT_ON_DEMAND_BUDGET_BYTES, DEFAULT_ON_DEMAND_CAPACITY);
    }

    public static Inference defaults() {
      return new Inference(DEFAULT_MAX_QUEUE);
    }
  }

  /**
   * Registering models at run time ({@code models add}, {@code models pull}, custom-model imports).
   *
   * @param hub where {@code models pull} and hub imports download from, and with which token
   *     ({@code hub.endpoint}, {@code hub.token}, else {@code HF_ENDPOINT}, {@code HF_TOKEN} and
   *     the Hugging Face token file)
   * @param importDirs the server directories (with their sub-directories) users may import weights
   *     from ({@code models.import-dirs}; default {@code <data-dir>/imports})
   */
  public record Registry(HubSettings hub, List<Path> importDirs) {
    public Registry {
      importDirs = List.copyOf(importDirs);
    }

    public static Registry defaults(Path dataDir) {
      return new Registry(
          new HubSettings(URI.create(HubSettings.DEFAULT_ENDPOINT), null, true, false),
          List.of(dataDir.resolve("imports")));
    }
  }

  /** HTTP listener. */
  public record Http(
      String host, int port, long maxBodyBytes, int maxStreamsPerUser, String publicUrl) {
    public static final int DEFAULT_MAX_STREAMS_PER_USER = 1000;

    public Http {
      publicUrl = publicUrl == null ? "" : publicUrl.strip().replaceAll("/+$", "");
      if (!publicUrl.isEmpty() && !publicUrl.matches("https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
        throw new ConfigException(
            "http.public-url must be an http(s) URL such as https://tuneup.example.com, got "
                + publicUrl);
      }
      if (maxStreamsPerUser < 1) {
        throw new ConfigException(
            "http.max-streams-per-user must be 1 or more, got " + maxStreamsPerUser);
      }
      if (port < 0 || port > 65535) {
        throw new ConfigException(
            "http.port must be 0-65535 (flag --port, env TUNEUP_HTTP_PORT)," + " got " + port);
      }
      if (maxBodyBytes < 1024) {
        throw new ConfigException("http.max-body-bytes must be at least 1024, got " + maxBodyBytes);
      }
    }
  }

  /** The database; an empty url means SQLite at {@code <data-dir>/tuneup.db}. */
  public record Store(String url, String user, String password, int poolSize) {
    public Store {
      if (poolSize < 1) {
        throw new ConfigException("store.pool-size must be 1 or more, got " + poolSize);
      }
    }
  }

  /** Job quotas and the dispatcher's timing. */
  public record Jobs(
      int maxActive,
      int maxRunning,
      Duration stopGrace,
      int maxAttempts,
      Duration pollInterval,
      Duration heartbeatInterval,
      int missedHeartbeats,
      int maxQueued,
      long maxTotalSteps) {
    /** With the default queue and step limits. */
    public Jobs(
        int maxActive,
        int maxRunning,
        Duration stopGrace,
        int maxAttempts,
        Duration pollInterval,
        Duration heartbeatInterval,
        int missedHeartbeats) {
      this(
          maxActive,
          maxRunning,
          stopGrace,
          maxAttempts,
          pollInterval,
          heartbeatInterval,
          missedHeartbeats,
          JobLimits.DEFAULT_MAX_QUEUED,
          JobLimits.DEFAULT_MAX_TOTAL_STEPS);
    }

    public Jobs {
      if (maxQueued < 1) {
        throw new ConfigException("jobs.max-queued must be 1 or more, got " + maxQueued);
      }
      if (maxTotalSteps < 1 || maxTotalSteps > Integer.MAX_VALUE) {
        throw new ConfigException(
            "jobs.max-total-steps must be from 1 to "
                + Integer.MAX_VALUE
                + ", got "
                + maxTotalSteps);
      }
      if (maxActive < 1) {
        throw new ConfigException("jobs.max-active must be 1 or more, got " + maxActive);
      }
      if (maxRunning < 1) {
        throw new ConfigException("jobs.max-running must be 1 or more, got " + maxRunning);
      }
      if (stopGrace.isNegative()) {
        throw new ConfigException("jobs.stop-grace must not be negative, got " + stopGrace);
      }
      if (maxAttempts < 1) {
        throw new ConfigException("jobs.max-attempts must be 1 or more, got " + maxAttempts);
      }
      if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
        throw new ConfigException(
            "jobs.heartbeat-interval must be positive, got " + heartbeatInterval);
      }
      if (missedHeartbeats < 4) {
        // Fewer would move runs away from a replica that was merely slow for a moment.
        throw new ConfigException(
            "jobs.missed-heartbeats must be 4 or more, got " + missedHeartbeats);
      }
    }
  }

  /** Upload limits. */
  public record Files(long maxFileBytes, long maxFilesPerUser, long maxBytesPerUser) {
    public Files {
      if (maxFileBytes < 1 || maxFilesPerUser < 1 || maxBytesPerUser < 1) {
        throw new ConfigException("files.* limits must be positive");
      }
    }
  }

  /**
   * The local backend.
   *
   * @param trainerCommand the trainer command with a {@code {spec}} placeholder; empty = this JVM
   *     running {@code tuneup train}
   * @param trainerMemoryLimit bytes a trainer may use ({@code trainer.memory-limit}); 0 = all of
   *     this machine's memory
   */
  public record Local(
      int slots, List<String> trainerCommand, int trainerThreads, long trainerMemoryLimit) {
    public Local {
      if (trainerMemoryLimit < 0) {
        throw new ConfigException("trainer.memory-limit must not be negative");
      }
      if (slots < 1) {
        throw new ConfigException("backend.local.slots must be 1 or more, got " + slots);
      }
      if (trainerThreads < 1) {
        throw new ConfigException("trainer.threads must be 1 or more, got " + trainerThreads);
      }
      trainerCommand = List.copyOf(trainerCommand);
      if (!trainerCommand.isEmpty()
          && trainerCommand.stream().noneMatch(a -> a.contains("{spec}"))) {
        throw new ConfigException("backend.local.trainer-command must contain {spec}");
      }
    }
  }

  /**
   * Where trainers run.
   *
   * @param kind {@code local} (child processes of this server, settings in {@link Local}), {@code
   *     slurm} (batch jobs on a Slurm cluster) or {@code kubernetes} (a Job per fine-tune)
   * @param slurm the Slurm settings when {@code kind} is {@code slurm}, else null
   * @param kubernetes the Kubernetes settings when {@code kind} is {@code kubernetes}, else null
   */
  public record Backend(String kind, SlurmBackendConfig slurm, KubernetesBackendConfig kubernetes) {
    public static final Set<String> KINDS = Set.of("local", "slurm", "kubernetes");
    public static final Backend LOCAL = new Backend("local", null, null);

    public Backend {
      if (!KINDS.contains(kind)) {
        throw new ConfigException(
            "backend.kind must be local, slurm or kubernetes, got '" + kind + "'");
      }
      if (kind.equals("slurm") && slurm == null
          || kind.equals("kubernetes") && kubernetes == null) {
        throw new IllegalStateException("bug: backend " + kind + " without its settings");
      }
    }
  }
}
