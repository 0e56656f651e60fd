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
 * @param environment extra environment variables for trainers, on top of the server's own
 */
public record LocalBackendConfig(
    List<String> trainerCommand, int slots, Map<String, String> environment) {
  /** Replaced by the absolute path of the job's {@code spec.json} in every argument. */
  public static final String SPEC_PLACEHOLDER = "{spec}";

  /** One trainer at a time: a second would halve the speed of both on one machine. */
  public static final int DEFAULT_SLOTS = 1;

  /**
   * Java heap of a trainer. Tensors live in native (PyTorch) memory, so the heap only holds data
   * records, tokenizer state and events; the rest of the machine's memory is left to libtorch.
   */
  public static final String DEFAULT_TRAINER_HEAP = "2g";

  /**
   * Replaced by the job's heap size ({@code spec.json}'s {@code memory.heap_bytes}), e.g. 1536m.
   */
  public static final String HEAP_PLACEHOLDER = "{heap}";

  /** Replaced by the job's direct-buffer limit ({@code memory.direct_bytes}), e.g. 3072m. */
  public static final String DIRECT_PLACEHOLDER = "{direct}";

  public LocalBackendConfig {
    if (trainerCommand == null || trainerCommand.isEmpty()) {
      throw new IllegalArgumentException(
          "backend.local.trainer-command is empty; leave it unset for the built-in trainer");
    }
    trainerCommand = List.copyOf(trainerCommand);
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    if (trainerCommand.stream().noneMatch(a -> a.contains(SPEC_PLACEHOLDER))) {
      throw new IllegalArgumentException(
          "backend.local.trainer-command must contain "
              + SPEC_PLACEHOLDER
              + " where the spec file goes, got "
              + trainerCommand);
    }
    if (slots < 1) {
      throw new IllegalArgumentException("backend.local.slots must be 1 or more, got " + slots);
    }
  }

  /** The built-in trainer on this JVM, one slot, no extra environment. */
  public static LocalBackendConfig defaults() {
    return new LocalBackendConfig(defaultTrainerCommand(), DEFAULT_SLOTS, Map.of());
  }

  /** {@link #defaultTrainerCommand(String)} with {@link #DEFAULT_TRAINER_HEAP}. */
  public static List<String> defaultTrainerCommand() {
    return defaultTrainerCommand(DEFAULT_TRAINER_HEAP);
  }

  /**
   * {@code tuneup train --spec {spec}} on the JVM and class path of this process, so a server
   * started by {@code ./tuneup serve} runs trainers of the same build.
   *
   * @param maxHeap the trainer's {@code -Xmx} value, e.g. {@code 2g}
   */
  public static List<String> defaultTrainerCommand(String maxHeap) {
    if (maxHeap == null || !maxHeap.matches("[0-9]+[kKmMgG]?")) {
      throw new IllegalArgumentException("trainer heap must look like 2g or 512m, got " + maxHeap);
    }
    return command(List.of("-Xmx" + maxHeap));
  }

  /**
   * The built-in trainer with its heap and direct-buffer limits sized per job from the model
   * ({@link #HEAP_PLACEHOLDER}, {@link #DIRECT_PLACEHOLDER}; {@link #DEFAULT_TRAINER_HEAP} for a
   * spec without a memory plan).
   */
  public static List<String> sizedTrainerCommand() {
    return command(
        List.of("-Xmx" + HEAP_PLACEHOLDER, "-XX:MaxDirectMemorySize=" + DIRECT_PLACEHOLDER));
  }

  private static List<String> command(List<String> memory) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(memory);
    // Kept from the first version of this command; no measured need is recorded for it.
    cmd.add("-Xss4m");
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.tuneup.cli.Main");
    cmd.add("train");
    cmd.add("--spec");
    cmd.add(SPEC_PLACEHOLDER);
    return List.copyOf(cmd);
  }
}
