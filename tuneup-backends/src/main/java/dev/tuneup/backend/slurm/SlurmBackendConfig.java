package dev.tuneup.backend.slurm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Slurm backend's settings. Job directories must be on a file system that the cluster's nodes
 * share with the server (the trainer reads its spec and writes its events there).
 *
 * @param trainerCommand the command the batch script {@code exec}s, with {@code {spec}} where the
 *     spec path goes; it must work on the compute nodes
 * @param slots jobs tuneup keeps submitted at once (running or pending in Slurm)
 * @param slurmConf the {@code slurm.conf} the Slurm commands use ({@code SLURM_CONF}), or null for
 *     the commands' default
 * @param partition {@code --partition}, or null for the cluster's default
 * @param timeLimit {@code --time} as Slurm writes it ({@code 90}, {@code 4:00:00}, {@code
 *     2-00:00:00}), or null for the partition's default
 * @param gpus GPUs per job ({@code --gres=gpu:N}); 0 asks for none
 * @param extraOptions further {@code sbatch} options, each one argument such as {@code
 *     --account=ml}
 * @param jobCompletionLog the {@code jobcomp/filetxt} file ({@code JobCompLoc}) that still knows a
 *     job after Slurm purged it, or null to ask {@code scontrol show config}
 * @param environment extra environment variables for trainers
 * @param pollInterval how old the states read from Slurm may be when the dispatcher asks again: one
 *     {@code squeue} call per interval answers for every job tuneup follows, so a busy {@code
 *     slurmctld} is not asked once per job and dispatcher pass; null for {@link
 *     #DEFAULT_POLL_INTERVAL}. A job tuneup has asked to stop is read afresh on every pass.
 */
public record SlurmBackendConfig(
    List<String> trainerCommand,
    int slots,
    Path slurmConf,
    String partition,
    String timeLimit,
    int gpus,
    List<String> extraOptions,
    Path jobCompletionLog,
    Map<String, String> environment,
    Duration pollInterval) {

  public static final int DEFAULT_SLOTS = 4;
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  /** Options tuneup sets itself: the job's directory, output files and name. */
  private static final Set<String> RESERVED =
      Set.of(
          "--chdir",
          "-D",
          "--output",
          "-o",
          "--error",
          "-e",
          "--job-name",
          "-J",
          "--parsable",
          "--wrap",
          "--open-mode");

  private static final Pattern TIME =
      Pattern.compile("(\\d+-)?\\d+(:\\d+){0,2}|UNLIMITED|INFINITE", Pattern.CASE_INSENSITIVE);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.,-]+");

  public SlurmBackendConfig {
    if (trainerCommand == null || trainerCommand.isEmpty()) {
      throw new IllegalArgumentException(
          "backend.slurm.trainer-command is empty; leave it unset for the built-in trainer");
    }
    trainerCommand = List.copyOf(trainerCommand);
    if (trainerCommand.stream().noneMatch(a -> a.contains("{spec}"))) {
      throw new IllegalArgumentException(
          "backend.slurm.trainer-command must contain {spec} where the spec file goes, got "
              + trainerCommand);
    }
    if (slots < 1) {
      throw new IllegalArgumentException("backend.slurm.slots must be 1 or more, got " + slots);
    }
    if (partition != null && partition.isBlank()) {
      partition = null;
    }
    if (partition != null && !NAME.matcher(partition).matches()) {
      throw new IllegalArgumentException(
          "backend.slurm.partition must be a partition name (letters, digits, . _ - ,), got '"
              + partition
              + "'");
    }
    if (timeLimit != null && timeLimit.isBlank()) {
      timeLimit = null;
    }
    if (timeLimit != null && !TIME.matcher(timeLimit).matches()) {
      throw new IllegalArgumentException(
          "backend.slurm.time-limit must be minutes, [days-]hours:minutes:seconds or UNLIMITED,"
              + " got '"
              + timeLimit
              + "'");
    }
    if (gpus < 0) {
      throw new IllegalArgumentException("backend.slurm.gpus must be 0 or more, got " + gpus);
    }
    extraOptions = extraOptions == null ? List.of() : List.copyOf(extraOptions);
    for (String o : extraOptions) {
      String name = o.contains("=") ? o.substring(0, o.indexOf('=')) : o;
      if (!o.startsWith("-")) {
        throw new IllegalArgumentException(
            "backend.slurm.sbatch-options must be sbatch options such as --account=ml, got '"
                + o
                + "'");
      }
      if (name.equals("--requeue")) {
        throw new IllegalArgumentException(
            "backend.slurm.sbatch-options must not set --requeue: a job Slurm reruns would start"
                + " from its first spec; tuneup requeues lost jobs itself, from their checkpoint"
                + " (jobs.max-attempts)");
      }
      if (RESERVED.contains(name)) {
        throw new IllegalArgumentException(
            "backend.slurm.sbatch-options must not set " + name + ": tuneup sets it for each job");
      }
    }
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    if (pollInterval == null) {
      pollInterval = DEFAULT_POLL_INTERVAL;
    }
    if (pollInterval.isNegative() || pollInterval.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException(
          "backend.slurm.poll-interval must be between 0 s and 5 min, got " + pollInterval);
    }
  }

  /** How long one Slurm command may take before the cluster counts as unreachable. */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
}
