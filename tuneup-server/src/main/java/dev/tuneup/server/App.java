package dev.tuneup.server;

import dev.tuneup.auth.AccountService;
import dev.tuneup.auth.User;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.JsonlEventSource;
import dev.tuneup.backend.SpecWriter;
import dev.tuneup.backend.kubernetes.KubernetesBackend;
import dev.tuneup.backend.local.LocalBackend;
import dev.tuneup.backend.local.LocalBackendConfig;
import dev.tuneup.backend.slurm.SlurmBackend;
import dev.tuneup.common.Ids;
import dev.tuneup.deployment.DeploymentReconciler;
import dev.tuneup.deployment.DeploymentService;
import dev.tuneup.dispatch.Dispatcher;
import dev.tuneup.dispatch.DispatcherConfig;
import dev.tuneup.dispatch.JobPaths;
import dev.tuneup.dispatch.Reaper;
import dev.tuneup.file.FileLimits;
import dev.tuneup.file.FileService;
import dev.tuneup.hub.DirectoryInspector;
import dev.tuneup.hub.HubClient;
import dev.tuneup.hub.HubDownloader;
import dev.tuneup.inference.InferenceRuntime;
import dev.tuneup.inference.InferenceService;
import dev.tuneup.inference.OnDemandModels;
import dev.tuneup.inference.RateLimiter;
import dev.tuneup.inference.engine.Engine;
import dev.tuneup.inference.engine.EngineConfig;
import dev.tuneup.job.CheckpointService;
import dev.tuneup.job.JobLimits;
import dev.tuneup.job.JobService;
import dev.tuneup.job.JobStore;
import dev.tuneup.job.WatchedJobStore;
import dev.tuneup.registry.BaseModel;
import dev.tuneup.registry.ModelCatalog;
import dev.tuneup.registry.ModelRegistry;
import dev.tuneup.server.admin.AdminApi;
import dev.tuneup.server.admin.ModelsAdminApi;
import dev.tuneup.server.config.TuneupConfig;
import dev.tuneup.server.dashscope.CheckpointsApi;
import dev.tuneup.server.dashscope.CustomModelsApi;
import dev.tuneup.server.dashscope.DeploymentWire;
import dev.tuneup.server.dashscope.DeploymentsApi;
import dev.tuneup.server.dashscope.FileWire;
import dev.tuneup.server.dashscope.FilesApi;
import dev.tuneup.server.dashscope.FineTunesApi;
import dev.tuneup.server.dashscope.GenerationApi;
import dev.tuneup.server.dashscope.ImportWire;
import dev.tuneup.server.dashscope.JobStream;
import dev.tuneup.server.dashscope.JobWire;
import dev.tuneup.server.dashscope.ModelsApi;
import dev.tuneup.server.dashscope.WireTime;
import dev.tuneup.server.defaults.HyperParameterDefaults;
import dev.tuneup.server.defaults.TrainerMemory;
import dev.tuneup.server.files.JsonlTrainingFileValidator;
import dev.tuneup.server.http.HttpServer;
import dev.tuneup.server.http.Multipart;
import dev.tuneup.server.openai.ChatCompletionsApi;
import dev.tuneup.server.openai.OpenAiFilesApi;
import dev.tuneup.server.openai.OpenAiJobsApi;
import dev.tuneup.server.openai.OpenAiWire;
import dev.tuneup.server.openai.ResultFiles;
import dev.tuneup.server.stream.StreamLimits;
import dev.tuneup.store.Database;
import dev.tuneup.store.Dialect;
import dev.tuneup.store.StoreConfig;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the object graph from a {@link TuneupConfig} and owns start and stop. No container: every
 * dependency is passed by hand here.
 */
public final class App implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(App.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration HUB_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration HUB_RETRY_DELAY = Duration.ofSeconds(1);
  private static final Duration IMPORTER_POLL_INTERVAL = Duration.ofSeconds(5);
  public static final String ADMIN_KEY_FILE = "admin-api-key";
  static final String EMBEDDED_REPLICA_ID = "local";

  private final TuneupConfig config;
  private final Database database;
  private final ExecutionBackend backend;
  private final Dispatcher dispatcher;
  private final Reaper reaper;
  private final HttpServer http;
  private final String owner;
  private final AccountService accounts;
  private final JobService jobs;
  private final InferenceRuntime engine;
  private final OnDemandModels onDemand;
  private final DeploymentService deployments;
  private final DeploymentReconciler reconciler;
  private final ModelRegistry registry;
  private volatile boolean ready;
  private volatile JobStream jobStream;
  private volatile boolean stopped;
  private String bootstrapKey;

  private App(TuneupConfig config, Clock clock, ExecutionBackend backendOverride) {
    this.config = config;
    Path data = config.dataDir();
    createDirectories(data);
    this.database = Database.open(storeConfig(config));
    ownerOnly(data);
    this.accounts = new AccountService(database.accounts(), clock);
    FileService files =
        new FileService(
            database.files(),
            database.blobs(),
            new JsonlTrainingFileValidator(),
            new FileLimits(
                config.files().maxFileBytes(),
                config.files().maxFilesPerUser(),
                config.files().maxBytesPerUser()),
            clock);
    List<BaseModel> bases = new ArrayList<>();
    for (Map.Entry<String, Path> e : config.baseModels().entrySet()) {
      bases.add(new BaseModel(e.getKey(), e.getValue()));
    }
    ModelCatalog catalog = new ModelCatalog(bases, database.baseModels(), database.models());
    JobPaths paths = new JobPaths(data.resolve("jobs"));
    this.backend = backendOverride != null ? backendOverride : backend(config);
    this.owner = replicaId(config, database);
    // every job write tells the open event streams of that job, so they never poll
    JobStore jobStore =
        new WatchedJobStore(
            database.jobs(),
            id -> {
              JobStream streams = jobStream;
              if (streams != null) {
                streams.jobWritten(id);
              }
            });
    this.dispatcher =
        new Dispatcher(
            jobStore,
            database.files(),
            catalog,
            new SpecWriter(
                database.blobs()::path,
                new JobPaths(paths.root().toAbsolutePath()),
                config.local().trainerThreads(),
                config.trainer(),
                new TrainerMemory(config.local().trainerMemoryLimit())),
            backend,
            new JsonlEventSource(),
            paths,
            new DispatcherConfig(
                owner,
                config.jobs().maxRunning(),
                config.jobs().stopGrace(),
                config.jobs().maxAttempts(),
                config.jobs().pollInterval(),
                config.jobs().heartbeatInterval()),
            clock,
            config.zone());
    this.engine = new Engine(new EngineConfig(config.inference().maxQueue()));
    this.deployments =
        new DeploymentService(
            database.deployments(),
            catalog,
            engine,
            clock,
            config.inference().maxDeploymentsPerUser(),
            config.inference().maxCapacityPerUser());
    this.onDemand =
        new OnDemandModels(
            engine,
            catalog,
            config.inference().onDemandBudgetBytes(),
            config.inference().onDemandCapacity());
    this.reconciler =
        new DeploymentReconciler(
            database.deployments(), catalog, engine, clock, config.inference().reconcileInterval());
    InferenceService inference =
        new InferenceService(
            database.deployments(),
            engine,
            onDemand,
            config.inference().maxPromptChars(),
            reconciler,
            new RateLimiter(clock));
    this.registry =
        new ModelRegistry(
            catalog,
            database.imports(),
            new HubDownloader(new HubClient(config.registry().hub(), HUB_TIMEOUT), HUB_RETRY_DELAY),
            new DirectoryInspector(),
            deployments,
            new ModelRegistry.Config(
                data.resolve("models"),
                config.registry().importDirs(),
                owner,
                config.zone(),
                IMPORTER_POLL_INTERVAL),
            clock);
    this.reaper =
        new Reaper(
            jobStore,
            new Reaper.Config(
                owner, config.jobs().heartbeatInterval(), config.jobs().missedHeartbeats()),
            clock,
            config.zone(),
            dispatcher::wakeUp);
    this.jobs =
        new JobService(
            jobStore,
            database.files(),
            catalog,
            paths,
            new JobLimits(
                config.jobs().maxActive(),
                config.jobs().maxRunning(),
                config.jobs().maxQueued(),
                config.jobs().maxTotalSteps()),
            clock,
            config.zone(),
            dispatcher::wakeUp,
            deployments);
    WireTime time = new WireTime(config.zone());
    HyperParameterDefaults defaults = new HyperParameterDefaults(catalog);
    OpenAiWire openAiWire =
        new OpenAiWire(clock, config.zone(), defaults, new ResultFiles(files, jobs)::of);
    Multipart multipart = new Multipart(config.http().maxBodyBytes());
    StreamLimits streamLimits = new StreamLimits(config.http().maxStreamsPerUser());
    this.jobStream = new JobStream(jobs, streamLimits);
    this.http =
        new HttpServer(
            config.http().host(),
            config.http().port(),
            config.http().maxBodyBytes(),
            data.resolve("files").resolve(".tmp"),
            new HttpServer.Routes(
                accounts,
                new FilesApi(files, new FileWire(time), multipart, this::publicUrl),
                new FineTunesApi(jobs, new JobWire(time, defaults)),
                jobStream,
                new ModelsApi(catalog, time),
                new CheckpointsApi(
                    new CheckpointService(jobs, catalog, paths, data.resolve("models"), clock),
                    jobs,
                    time),
                new AdminApi(accounts),
                new OpenAiFilesApi(files, openAiWire, multipart),
                new OpenAiJobsApi(jobs, openAiWire, defaults),
                new DeploymentsApi(deployments, catalog, new DeploymentWire(time)),
                new GenerationApi(inference, streamLimits),
                new ChatCompletionsApi(inference, deployments, catalog, clock, streamLimits),
                new ModelsAdminApi(registry, new ImportWire(time), time),
                new CustomModelsApi(registry, new ImportWire(time)),
                () -> ready));
  }

  /** Builds the application; nothing listens until {@link #start()}. */
  public static App create(TuneupConfig config, Clock clock) {
    return new App(config, clock, null);
  }

  private static ExecutionBackend backend(TuneupConfig config) {
    if (config.backend().kind().equals("slurm")) {
      return new SlurmBackend(config.backend().slurm());
    }
    if (config.backend().kind().equals("kubernetes")) {
      // in a pod: its service account; elsewhere: ~/.kube/config or KUBECONFIG
      return new KubernetesBackend(
          new KubernetesClientBuilder().build(), config.backend().kubernetes());
    }
    return new LocalBackend(
        new LocalBackendConfig(
            config.local().trainerCommand().isEmpty()
                ? LocalBackendConfig.sizedTrainerCommand()
                : config.local().trainerCommand(),
            config.local().slots(),
            Map.of()));
  }

  /** Builds the application on a given backend (tests, other backends). */
  public static App create(TuneupConfig config, Clock clock, ExecutionBackend backend) {
    return new App(config, clock, backend);
  }

  /** Bootstraps the admin, starts the dispatcher, then opens the HTTP port. */
  public App start() {
    bootstrapAdmin();
    dispatcher.start();
    deployments.start();
    reconciler.start();
    registry.start();
    reaper.start();
    http.start();
    ready = true;
    log.info(
        "tuneup listening on {}:{} with data in {}",
        config.http().host(),
        http.port(),
        config.dataDir());
    return this;
  }

  public int port() {
    return http.port();
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  public Reaper reaper() {
    return reaper;
  }

  /** This replica's id: the one configured, the only one on SQLite, a random one otherwise. */
  public String replicaId() {
    return owner;
  }

  public AccountService accounts() {
    return accounts;
  }

  public JobService jobs() {
    return jobs;
  }

  public DeploymentService deployments() {
    return deployments;
  }

  public ModelRegistry registry() {
    return registry;
  }

  public Database database() {
    return database;
  }

  /** {@code http.public-url}, else this listener's address (a wildcard host as localhost). */
  private String publicUrl() {
    if (!config.http().publicUrl().isEmpty()) {
      return config.http().publicUrl();
    }
    String host = config.http().host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) {
      host = "localhost";
    }
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + http.port();
  }

  /** The admin key created on this start, or null if an admin already existed. */
  public String bootstrapKey() {
    return bootstrapKey;
  }

  /**
   * Stops in order: stop taking requests, stop the dispatcher (trainers keep running and are
   * re-attached on the next start), stop loading models and free the loaded ones (deployments are
   * loaded again on the next start), release the backend, close the database. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    ready = false;
    log.info("tuneup stopping");
    runQuietly("streams", jobStream::close);
    runQuietly("http", http::stop);
    runQuietly("dispatcher", () -> dispatcher.stop(STOP_TIMEOUT));
    runQuietly("deployment reconciler", () -> reconciler.stop(Duration.ofSeconds(10)));
    runQuietly("deployer", deployments::close);
    runQuietly("importer", registry::close);
    runQuietly("on-demand models", onDemand::close);
    runQuietly("engine", engine::close);
    runQuietly("reaper", () -> reaper.stop(STOP_TIMEOUT));
    runQuietly("backend", backend::close);
    runQuietly("database", database::close);
    log.info("tuneup stopped");
  }

  private static void runQuietly(String what, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      log.warn("stopping {} failed", what, e);
    }
  }

  private void bootstrapAdmin() {
    if (!accounts.users().isEmpty()) {
      return;
    }
    User admin = accounts.createUser("admin", true);
    AccountService.IssuedKey key = accounts.issueKey(admin.id(), "bootstrap");
    Path file = config.dataDir().resolve(ADMIN_KEY_FILE);
    try {
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(
          file, key.secret() + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
    bootstrapKey = key.secret();
    // The key goes to a terminal only: where stdout is a log file or a collector, it would stay
    // readable there for as long as the log lives.
    java.io.Console terminal = System.console();
    if (terminal != null) {
      terminal.printf("Created admin user 'admin'. Its API key (shown once, also in %s):%n", file);
      terminal.printf("  %s%n", key.secret());
      terminal.flush();
    } else {
      System.out.println("Created admin user 'admin'. Its API key is in " + file + " (mode 0600).");
    }
  }

  /**
   * The configured {@code replica-id}, else: on SQLite, which serves one server, a fixed id, so a
   * restarted server follows its runs at once; on PostgreSQL a random one (runs of the previous
   * start are then taken over by the reaper after the missed heartbeats; configure a stable id per
   * replica to re-attach at once).
   */
  private static String replicaId(TuneupConfig config, Database database) {
    if (config.replicaId() != null) {
      return config.replicaId();
    }
    if (database.dialect() == Dialect.SQLITE) {
      return EMBEDDED_REPLICA_ID;
    }
    String id = Ids.random("replica-", 4);
    log.warn(
        "no replica-id configured; this start runs as {}. Set a stable replica-id per replica so"
            + " a restart re-attaches its runs at once instead of after the missed heartbeats",
        id);
    return id;
  }

  private static StoreConfig storeConfig(TuneupConfig config) {
    String url =
        config.store().url().isBlank()
            ? "jdbc:sqlite:" + config.dataDir().resolve("tuneup.db")
            : config.store().url();
    return new StoreConfig(
        url,
        config.store().user(),
        config.store().password(),
        config.store().poolSize(),
        config.dataDir());
  }

  /** The SQLite database and its journals are for the server's user only (0600). */
  private static void ownerOnly(Path data) {
    for (String name : new String[] {"tuneup.db", "tuneup.db-wal", "tuneup.db-shm"}) {
      Path f = data.resolve(name);
      try {
        if (Files.exists(f)) {
          Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        }
      } catch (IOException | UnsupportedOperationException e) {
        log.warn("could not make {} readable by its owner only", f, e);
      }
    }
  }

  private static void createDirectories(Path data) {
    try {
      Files.createDirectories(data.resolve("jobs"));
      Files.createDirectories(data.resolve("models"));
      Files.createDirectories(data.resolve("imports"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + data, e);
    }
  }
}
