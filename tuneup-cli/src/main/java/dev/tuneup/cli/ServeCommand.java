package dev.tuneup.cli;

import dev.tuneup.model.builtin.TinyModel;
import dev.tuneup.server.App;
import dev.tuneup.server.config.ConfigException;
import dev.tuneup.server.config.ConfigLoader;
import dev.tuneup.server.config.TuneupConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tuneup serve}: starts the server on the configured store and backend. */
@Command(name = "serve", description = "Start the tuneup server.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (default 8080; 0 picks a free one).")
  Integer port;

  @Option(names = "--data-dir", description = "Data directory (default ./data).")
  Path dataDir;

  @Option(
      names = "--config",
      description = "Properties file (default <data-dir>/tuneup.properties).")
  Path configFile;

  @Option(names = "--set", description = "Any configuration key, e.g. --set jobs.max-running=2.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    TuneupConfig config;
    try {
      config = Configs.load(port, dataDir, configFile, settings);
    } catch (ConfigException e) {
      System.err.println("tuneup: " + e.getMessage());
      return 2;
    }
    App app = App.create(config, Clock.systemUTC()).start();
    System.out.println("tuneup is ready on port " + app.port());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                },
                "tuneup-shutdown"));
    stopped.await();
    return 0;
  }

  /** Loading the configuration the same way for serve and admin. */
  static final class Configs {
    private Configs() {}

    static TuneupConfig load(
        Integer port, Path dataDir, Path configFile, Map<String, String> settings) {
      Map<String, String> flags = new LinkedHashMap<>(settings);
      if (port != null) {
        flags.put("http.port", String.valueOf(port));
      }
      if (dataDir != null) {
        flags.put("data-dir", dataDir.toString());
      }
      TuneupConfig config = ConfigLoader.load(System.getenv(), flags, configFile);
      if (config.baseModels().containsKey(TuneupConfig.TINY_MODEL_ID)) {
        return config;
      }
      // The built-in model is generated on first start, so a fresh machine trains offline.
      Path tiny;
      try {
        tiny = TinyModel.ensure(config.dataDir().resolve("models"));
      } catch (java.io.IOException e) {
        throw new ConfigException(
            "cannot create the built-in model under "
                + config.dataDir().resolve("models")
                + ": "
                + e.getMessage());
      }
      Map<String, Path> models = new LinkedHashMap<>();
      models.put(TuneupConfig.TINY_MODEL_ID, tiny);
      models.putAll(config.baseModels());
      return new TuneupConfig(
          config.http(),
          config.dataDir(),
          config.store(),
          config.jobs(),
          config.files(),
          config.local(),
          models,
          config.zone(),
          config.replicaId(),
          config.inference(),
          config.backend(),
          config.registry(),
          config.trainer());
    }
  }
}
