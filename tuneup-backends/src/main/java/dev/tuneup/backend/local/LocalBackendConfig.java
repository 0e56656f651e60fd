package dev.tuneup.backend.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The local backend's settings.
 *
 * @param trainerCommand the command a job runs, with {@code {spec}} where the spec path goes
 * @param slots trainers allowed to run at once
 * @param environment extra environment variables for trainers
 */
public record LocalBackendConfig(
    List<String> trainerCommand, int slots, Map<String, String> environment) {
  public static final String SPEC_PLACEHOLDER = "{spec}";

  public LocalBackendConfig {
    trainerCommand = List.copyOf(trainerCommand);
    environment = Map.copyOf(environment);
    if (trainerCommand.isEmpty()) {
      throw new IllegalArgumentException("backend.local.trainer-command is empty");
    }
    if (trainerCommand.stream().noneMatch(a -> a.contains(SPEC_PLACEHOLDER))) {
      throw new IllegalArgumentException(
          "backend.local.trainer-command must contain " + SPEC_PLACEHOLDER);
    }
    if (slots < 1) {
      throw new IllegalArgumentException("backend.local.slots must be 1 or more, got " + slots);
    }
  }

  /**
   * {@code tuneup train --spec {spec}} on the JVM and class path of this process, so a server
   * started by {@code ./tuneup serve} runs trainers of the same build.
   */
  public static List<String> defaultTrainerCommand() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xss4m");
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.tuneup.cli.Main");
    cmd.add("train");
    cmd.add("--spec");
    cmd.add(SPEC_PLACEHOLDER);
    return cmd;
  }
}
