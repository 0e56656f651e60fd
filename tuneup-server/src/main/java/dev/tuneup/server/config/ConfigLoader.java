package dev.tuneup.server.config;

import dev.tuneup.backend.kubernetes.KubernetesBackendConfig;
import dev.tuneup.backend.local.LocalBackendConfig;
import dev.tuneup.backend.slurm.SlurmBackendConfig;
import dev.tuneup.hub.HubSettings;
import dev.tuneup.job.JobLimits;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Merges configuration sources into a {@link TuneupConfig}: built-in defaults, then the properties
 * file ({@code --config FILE}, else {@code <data-dir>/tuneup.properties} if present), then
 * environment variables ({@code TUNEUP_HTTP_PORT} for {@code http.port}: upper case, dots and
 * dashes as underscores), then flags. Keys are listed in docs/configuration.md.
 */
public final class ConfigLoader {
  private static final String ENV_PREFIX = "TUNEUP_";

  private final Map<String, String> values = new TreeMap<>();
  private final Map<String, String> origin = new LinkedHashMap<>();
  private final Map<String, String> env;

  private ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  /**
   * Loads the configuration.
   *
   * @param env the environment (System.getenv() in production)
   * @param flags values given on the command line, by key
   * @param configFile an explicit properties file, or null
   */
  public static TuneupConfig load(
      Map<String, String> env, Map<String, String> flags, Path configFile) {
    ConfigLoader l = new ConfigLoader(env);
    l.put("http.host", "0.0.0.0", "default");
    l.put("http.port", String.valueOf(TuneupConfig.DEFAULT_PORT), "default");
    l.put("http.max-body-bytes", String.valueOf(1024L * 1024 * 1024), "default");
    l.put("http.public-url", "", "default");
    l.put(
        "http.max-streams-per-user",
        String.valueOf(TuneupConfig.Http.DEFAULT_MAX_STREAMS_PER_USER),
        "default");
    l.put("data-dir", "./data", "default");
    l.put("store.url", "", "default");
    l.put("store.user", "", "default");
    l.put("store.password", "", "default");
    l.put("store.pool-size", "4", "default");
    l.put("jobs.max-active", "20", "default");
    l.put("jobs.max-running", "1", "default");
    l.put("jobs.max-queued", String.valueOf(JobLimits.DEFAULT_MAX_QUEUED), "default");
    l.put("jobs.max-total-steps", String.valueOf(JobLimits.DEFAULT_MAX_TOTAL_STEPS), "default");
    l.put("jobs.stop-grace", "10s", "default");
    l.put("jobs.max-attempts", "3", "default");
    l.put("jobs.poll-interval", "500ms", "default");
    l.put("jobs.heartbeat-interval", "5s", "default");
    l.put("jobs.missed-heartbeats", "6", "default");
    l.put("files.max-file-bytes", String.valueOf(300L * 1024 * 1024), "default");
    l.put("files.max-files-per-user", "1000", "default");
    l.put("files.max-bytes-per-user", String.valueOf(5L * 1024 * 1024 * 1024), "default");
    l.put("backend.local.slots", "1", "default");
    l.put("backend.local.trainer-command", "", "default");
    l.put("backend.kind", "local", "default");
    l.put("backend.slurm.slots", String.valueOf(SlurmBackendConfig.DEFAULT_SLOTS), "default");
    l.put("backend.slurm.trainer-command", "", "default");
    l.put("backend.slurm.conf", "", "default");
    l.put("backend.slurm.partition", "", "default");
    l.put("backend.slurm.time-limit", "", "default");
    l.put("backend.slurm.gpus", "0", "default");
    l.put("backend.slurm.sbatch-options", "", "default");
    l.put("backend.slurm.job-completion-log", "", "default");
    l.put(
        "backend.slurm.poll-interval",
        SlurmBackendConfig.DEFAULT_POLL_INTERVAL.toMillis() + "ms",
        "default");
    l.put("backend.kubernetes.namespace", KubernetesBackendConfig.DEFAULT_NAMESPACE, "default");
    l.put("backend.kubernetes.image", "", "default");
    l.put("backend.kubernetes.trainer-command", "tuneup train --spec {spec}", "default");
    l.put(
        "backend.kubernetes.slots",
        String.valueOf(KubernetesBackendConfig.DEFAULT_SLOTS),
        "default");
    l.put("backend.kubernetes.cpu-request", "", "default");
    l.put("backend.kubernetes.memory-request", "", "default");
    l.put("backend.kubernetes.cpu-limit", "", "default");
    l.put("backend.kubernetes.memory-limit", "", "default");
    l.put("backend.kubernetes.gpus", "0", "default");
    l.put("backend.kubernetes.node-selector", "", "default");
    l.put("backend.kubernetes.claim-name", "", "default");
    l.put("backend.kubernetes.mount-path", "", "default");
    l.put("backend.kubernetes.service-account", "", "default");
    l.put(
        "trainer.threads",
        String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors())),
        "default");
    l.put("trainer.runtime", "java", "default");
    l.put("trainer.torch.python", "python3", "default");
    l.put("trainer.torch.devices", "auto", "default");
    l.put("trainer.torch.nproc-per-node", "0", "default");
    l.put("trainer.memory-limit", "", "default");
    l.put("timezone", ZoneId.systemDefault().getId(), "default");
    l.put("replica-id", "", "default");
    l.put(
        "inference.max-queue", String.valueOf(TuneupConfig.Inference.DEFAULT_MAX_QUEUE), "default");
    l.put(
        "inference.on-demand-budget-bytes",
        String.valueOf(TuneupConfig.Inference.DEFAULT_ON_DEMAND_BUDGET_BYTES),
        "default");
    l.put(
        "inference.on-demand-capacity",
        String.valueOf(TuneupConfig.Inference.DEFAULT_ON_DEMAND_CAPACITY),
        "default");
    l.put(
        "inference.max-prompt-chars",
        String.valueOf(dev.tuneup.inference.InferenceService.DEFAULT_MAX_PROMPT_CHARS),
        "default");
    l.put(
        "deployments.max-capacity-per-user",
        String.valueOf(dev.tuneup.deployment.DeploymentService.DEFAULT_MAX_CAPACITY_PER_USER),
        "default");
    l.put(
        "deployments.max-per-user",
        String.valueOf(dev.tuneup.deployment.DeploymentService.DEFAULT_MAX_PER_USER),
        "default");
    l.put(
        "inference.reconcile-interval",
        TuneupConfig.Inference.DEFAULT_RECONCILE_INTERVAL.toSeconds() + "s",
        "default");
    l.put("hub.endpoint", "", "default");
    l.put("hub.token", "", "default");
    l.put("models.import-dirs", "", "default");

    Map<String, String> early = new LinkedHashMap<>();
    l.fromEnv(env, early);
    early.putAll(flags);
    String dataDir = early.getOrDefault("data-dir", l.values.get("data-dir"));
    Path file = configFile;
    if (file == null) {
      Path candidate = Path.of(dataDir).resolve("tuneup.properties");
      if (Files.isRegularFile(candidate)) {
        file = candidate;
      }
    } else if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file " + file + " does not exist (flag --config)");
    }
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
      for (String k : p.stringPropertyNames()) {
        l.put(k, p.getProperty(k).trim(), "file " + file);
      }
    }
    l.fromEnv(env, null);
    flags.forEach((k, v) -> l.put(k, v, "flag --" + k));
    return l.build();
  }

  private void fromEnv(Map<String, String> env, Map<String, String> into) {
    Map<String, String> keysByEnv = new LinkedHashMap<>();
    for (String k : knownKeys()) {
      keysByEnv.put(envName(k), k);
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith(ENV_PREFIX)) {
        continue;
      }
      String key = keysByEnv.get(e.getKey());
      if (key == null && e.getKey().startsWith(ENV_PREFIX + "MODELS_")) {
        continue; // models.<id>.path has ids that do not survive the env mangling; use the file
      }
      if (key != null) {
        if (into != null) {
          into.put(key, e.getValue());
        } else {
          put(key, e.getValue(), "env " + e.getKey());
        }
      }
    }
  }

  private List<String> knownKeys() {
    return new ArrayList<>(values.keySet());
  }

  /** {@code http.port} → {@code TUNEUP_HTTP_PORT}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase().replace('.', '_').replace('-', '_');
  }

  private void put(String key, String value, String from) {
    values.put(key, value);
    origin.put(key, from);
  }

  private TuneupConfig build() {
    Path dataDir = Path.of(str("data-dir")).toAbsolutePath().normalize();
    Map<String, Path> models = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : values.entrySet()) {
      String k = e.getKey();
      if (k.startsWith("models.") && k.endsWith(".path")) {
        String id = k.substring("models.".length(), k.length() - ".path".length());
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
          throw new ConfigException(
              "model id '"
                  + id
                  + "' in "
                  + k
                  + " ("
                  + origin.get(k)
                  + ") must be letters, digits, '.', '_' or '-'");
        }
        models.put(id, Path.of(e.getValue()).toAbsolutePath().normalize());
      }
    }
    String command = str("backend.local.trainer-command");
    List<String> trainerCommand =
        command.isBlank() ? List.of() : Arrays.asList(command.trim().split("\\s+"));
    ZoneId zone;
    try {
      zone = ZoneId.of(str("timezone"));
    } catch (RuntimeException e) {
      throw new ConfigException(
          "timezone '"
              + str("timezone")
              + "' ("
              + origin.get("timezone")
              + ") is not a time zone id such as UTC or Asia/Shanghai");
    }
    String replica = str("replica-id");
    return new TuneupConfig(
        new TuneupConfig.Http(
            str("http.host"),
            integer("http.port"),
            lng("http.max-body-bytes"),
            integer("http.max-streams-per-user"),
            str("http.public-url")),
        dataDir,
        new TuneupConfig.Store(
            str("store.url"), str("store.user"), str("store.password"), integer("store.pool-size")),
        new TuneupConfig.Jobs(
            integer("jobs.max-active"),
            integer("jobs.max-running"),
            duration("jobs.stop-grace"),
            integer("jobs.max-attempts"),
            duration("jobs.poll-interval"),
            duration("jobs.heartbeat-interval"),
            integer("jobs.missed-heartbeats"),
            integer("jobs.max-queued"),
            lng("jobs.max-total-steps")),
        new TuneupConfig.Files(
            lng("files.max-file-bytes"),
            lng("files.max-files-per-user"),
            lng("files.max-bytes-per-user")),
        new TuneupConfig.Local(
            integer("backend.local.slots"),
            trainerCommand,
            integer("trainer.threads"),
            bytes("trainer.memory-limit")),
        models,
        zone,
        replica.isBlank() ? null : replica,
        new TuneupConfig.Inference(
            integer("inference.max-queue"),
            lng("inference.on-demand-budget-bytes"),
            integer("inference.on-demand-capacity"),
            integer("deployments.max-per-user"),
            lng("inference.max-prompt-chars"),
            integer("deployments.max-capacity-per-user"),
            duration("inference.reconcile-interval")),
        backend(dataDir),
        registry(dataDir),
        trainerRuntime());
  }

  /**
   * The hub settings as huggingface_hub and the hf CLI read them from the environment, under
   * tuneup's own keys, and the directories users may import from.
   */
  private dev.tuneup.backend.TrainerRuntime trainerRuntime() {
    try {
      return new dev.tuneup.backend.TrainerRuntime(
          str("trainer.runtime").trim(),
          str("trainer.torch.python").trim(),
          str("trainer.torch.devices").trim(),
          integer("trainer.torch.nproc-per-node"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private TuneupConfig.Registry registry(Path dataDir) {
    HubSettings hub;
    try {
      hub =
          HubSettings.resolve(
              str("hub.endpoint"),
              str("hub.token"),
              env,
              Path.of(System.getProperty("user.home", "/")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "hub.endpoint (" + origin.get("hub.endpoint") + ", else HF_ENDPOINT): " + e.getMessage());
    }
    List<Path> dirs = new ArrayList<>();
    for (String d : str("models.import-dirs").split(",")) {
      if (!d.isBlank()) {
        Path p = Path.of(d.trim());
        if (!p.isAbsolute()) {
          throw new ConfigException(
              "models.import-dirs ("
                  + origin.get("models.import-dirs")
                  + ") must list absolute directories, got "
                  + d.trim());
        }
        dirs.add(p.normalize());
      }
    }
    if (dirs.isEmpty()) {
      dirs.add(dataDir.resolve("imports"));
    }
    return new TuneupConfig.Registry(hub, dirs);
  }

  private KubernetesBackendConfig kubernetes(Path dataDir) {
    Map<String, String> selector = new LinkedHashMap<>();
    for (String pair : str("backend.kubernetes.node-selector").split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      String[] kv = pair.split("=", 2);
      if (kv.length != 2 || kv[0].isBlank()) {
        throw wrong("backend.kubernetes.node-selector", "label=value pairs separated by commas");
      }
      selector.put(kv[0].trim(), kv[1].trim());
    }
    Path mount = path("backend.kubernetes.mount-path");
    try {
      return new KubernetesBackendConfig(
          str("backend.kubernetes.namespace").trim(),
          str("backend.kubernetes.image").trim(),
          Arrays.asList(str("backend.kubernetes.trainer-command").trim().split("\\s+")),
          integer("backend.kubernetes.slots"),
          str("backend.kubernetes.cpu-request"),
          str("backend.kubernetes.memory-request"),
          str("backend.kubernetes.cpu-limit"),
          str("backend.kubernetes.memory-limit"),
          integer("backend.kubernetes.gpus"),
          selector,
          str("backend.kubernetes.claim-name").trim(),
          // the claim holds the data directory at the same path as on the server
          mount == null ? dataDir : mount,
          str("backend.kubernetes.service-account").trim(),
          duration("jobs.stop-grace"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private TuneupConfig.Backend backend(Path dataDir) {
    String kind = str("backend.kind").trim();
    if (kind.equals("kubernetes")) {
      return new TuneupConfig.Backend(kind, null, kubernetes(dataDir));
    }
    if (!kind.equals("slurm")) {
      return new TuneupConfig.Backend(kind, null, null);
    }
    String command = str("backend.slurm.trainer-command");
    String options = str("backend.slurm.sbatch-options");
    try {
      return new TuneupConfig.Backend(
          kind,
          new SlurmBackendConfig(
              command.isBlank()
                  ? LocalBackendConfig.defaultTrainerCommand()
                  : Arrays.asList(command.trim().split("\\s+")),
              integer("backend.slurm.slots"),
              path("backend.slurm.conf"),
              str("backend.slurm.partition").trim(),
              str("backend.slurm.time-limit").trim(),
              integer("backend.slurm.gpus"),
              options.isBlank() ? List.of() : Arrays.asList(options.trim().split("\\s+")),
              path("backend.slurm.job-completion-log"),
              Map.of(),
              duration("backend.slurm.poll-interval")),
          null);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private Path path(String key) {
    String v = str(key).trim();
    return v.isEmpty() ? null : Path.of(v).toAbsolutePath().normalize();
  }

  private String str(String key) {
    return values.getOrDefault(key, "");
  }

  private int integer(String key) {
    try {
      return Integer.parseInt(str(key).trim());
    } catch (NumberFormatException e) {
      throw wrong(key, "a whole number");
    }
  }

  private long lng(String key) {
    try {
      return Long.parseLong(str(key).trim());
    } catch (NumberFormatException e) {
      throw wrong(key, "a whole number");
    }
  }

  /** A size such as {@code 6g}, {@code 512m}, {@code 6GiB} or plain bytes; empty is 0 (not set). */
  private long bytes(String key) {
    String v = str(key).trim();
    if (v.isEmpty()) {
      return 0;
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?i)(\\d+)\\s*(k|m|g|t)?(i?b)?").matcher(v);
    if (!m.matches()) {
      throw wrong(key, "a size such as 6g, 512m or a number of bytes");
    }
    int shift =
        switch (m.group(2) == null ? "" : m.group(2).toLowerCase(java.util.Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    try {
      long n = Long.parseLong(m.group(1));
      if (n > (Long.MAX_VALUE >> shift)) {
        throw wrong(key, "a size below 8 EiB");
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw wrong(key, "a size such as 6g, 512m or a number of bytes");
    }
  }

  /** {@code 10s}, {@code 500ms}, {@code 2m} or an ISO-8601 duration such as {@code PT10S}. */
  private Duration duration(String key) {
    String v = str(key).trim();
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      return Duration.parse(v);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw wrong(key, "a duration such as 10s, 500ms or 2m");
    }
  }

  private ConfigException wrong(String key, String expected) {
    String from = origin.getOrDefault(key, "default");
    String hint =
        from.startsWith("flag") || from.startsWith("env")
            ? from
            : from + " (env " + envName(key) + ")";
    return new ConfigException(
        key + " must be " + expected + ", got '" + str(key) + "' from " + hint);
  }
}
