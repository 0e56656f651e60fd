package dev.tuneup.backend.kubernetes;

import dev.tuneup.backend.BackendException;
import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.backend.RunState;
import dev.tuneup.backend.local.LocalBackend;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each trainer as a Kubernetes {@code batch/v1} Job with one pod, through the fabric8 client.
 * The job directory lives on a shared volume (a ReadWriteMany claim mounted at the server's data
 * directory), so the trainer reads its spec and writes its events, checkpoints and logs at the same
 * paths as a local run, and the server follows them there.
 *
 * <p>The handle is {@code k8s:<namespace>/<Job name>}; the cluster keeps the Job and its pod, so a
 * restarted server (or another replica) follows them with nothing else, and any instance reads the
 * exit code from the pod's terminated container. Stopping deletes the pod with the stop grace as
 * its grace period (the kubelet sends SIGTERM, then SIGKILL when the grace is over) and the Job
 * with it; {@link #kill} does the same with a grace of 0. A deleted pod leaves no exit code: such a
 * run reads as gone.
 */
public final class KubernetesBackend implements ExecutionBackend {
  private static final Logger log = LoggerFactory.getLogger(KubernetesBackend.class);

  static final String PREFIX = "k8s:";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String JOB_LABEL = "tuneup.dev/job-id";

  /** On the pod template: which Job (attempt) a pod belongs to. */
  public static final String RUN_LABEL = "tuneup.dev/run";

  static final String CONTAINER = "trainer";

  /**
   * Finished Jobs (and their pods, with the exit code) stay this long, then the cluster cleans up.
   */
  static final int FINISHED_JOB_TTL_SECONDS = 7 * 24 * 3600;

  static final String VOLUME = "tuneup-data";

  private static final Pattern HANDLE =
      Pattern.compile("k8s:([a-z0-9]([-a-z0-9]*[a-z0-9])?)/([a-z0-9]([-a-z0-9]*[a-z0-9])?)");

  private final KubernetesClient client;
  private final KubernetesBackendConfig config;

  public KubernetesBackend(KubernetesClient client, KubernetesBackendConfig config) {
    this.client = client;
    this.config = config;
  }

  @Override
  public String name() {
    return "kubernetes";
  }

  @Override
  public int slots() {
    return config.slots();
  }

  @Override
  public String launch(String jobId, Path jobDir, Path specFile) {
    Job job = job(jobId, jobDir, specFile);
    try {
      client.batch().v1().jobs().inNamespace(config.namespace()).resource(job).create();
    } catch (KubernetesClientException e) {
      throw new BackendException(
          "Kubernetes refused the Job for "
              + jobId
              + " (HTTP "
              + e.getCode()
              + "): "
              + e.getMessage(),
          e);
    }
    String name = job.getMetadata().getName();
    log.info("job {} created as Kubernetes Job {}/{}", jobId, config.namespace(), name);
    return PREFIX + config.namespace() + "/" + name;
  }

  /** The Job of one attempt of a fine-tune, as it is sent to the API server. */
  Job job(String jobId, Path jobDir, Path specFile) {
    String name = jobName(jobId);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, "tuneup");
    labels.put(JOB_LABEL, jobId);
    Map<String, String> podLabels = new LinkedHashMap<>(labels);
    podLabels.put(RUN_LABEL, name);
    List<String> command = new ArrayList<>();
    // the trainer's output goes into its job directory, as a local run's does, so the logs API
    // reads the same files whatever the backend
    command.add("/bin/sh");
    command.add("-c");
    command.add("exec \"$@\" >>" + LocalBackend.STDOUT_LOG + " 2>>" + LocalBackend.TRAIN_LOG);
    command.add("tuneup-trainer");
    for (String a : config.trainerCommand()) {
      command.add(a.replace("{spec}", specFile.toString()));
    }
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    put(requests, "cpu", config.cpuRequest());
    put(requests, "memory", config.memoryRequest());
    put(limits, "cpu", config.cpuLimit());
    put(limits, "memory", config.memoryLimit());
    if (config.gpus() > 0) {
      limits.put("nvidia.com/gpu", new Quantity(String.valueOf(config.gpus())));
    }
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(config.namespace())
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withTtlSecondsAfterFinished(FINISHED_JOB_TTL_SECONDS)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(podLabels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withServiceAccountName(config.serviceAccount())
        .withNodeSelector(config.nodeSelector().isEmpty() ? null : config.nodeSelector())
        .withTerminationGracePeriodSeconds(Math.max(1, config.stopGrace().toSeconds()))
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(config.image())
        .withCommand(command)
        .withWorkingDir(jobDir.toString())
        .withResources(
            new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build())
        .addNewVolumeMount()
        .withName(VOLUME)
        .withMountPath(config.mountPath().toString())
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName(VOLUME)
        .withNewPersistentVolumeClaim()
        .withClaimName(config.claimName())
        .endPersistentVolumeClaim()
        .endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static void put(Map<String, Quantity> m, String key, String value) {
    if (value != null) {
      m.put(key, new Quantity(value));
    }
  }

  /** A DNS label unique per attempt: a requeued job gets a new Job, never a clash with the old. */
  static String jobName(String jobId) {
    String base = jobId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    String suffix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 30, 1L << 35), 36);
    String name = "tuneup-" + base;
    if (name.length() > 62 - suffix.length()) {
      name = name.substring(0, 62 - suffix.length());
    }
    return (name + "-" + suffix).replaceAll("-+", "-");
  }

  @Override
  public RunState state(String handle) {
    Optional<String[]> ref = parse(handle);
    if (ref.isEmpty()) {
      return RunState.GONE;
    }
    String ns = ref.get()[0];
    String name = ref.get()[1];
    try {
      List<Pod> pods = client.pods().inNamespace(ns).withLabel(RUN_LABEL, name).list().getItems();
      for (Pod p : pods) {
        Integer exit = exitCode(p);
        if (exit == null) {
          return RunState.ALIVE; // pending, running, or still terminating
        }
        return RunState.exited(exit);
      }
      Job job = client.batch().v1().jobs().inNamespace(ns).withName(name).get();
      if (job == null || job.getMetadata().getDeletionTimestamp() != null || finished(job)) {
        return RunState.GONE;
      }
      return RunState.ALIVE; // created, its pod not yet
    } catch (KubernetesClientException e) {
      throw new BackendException("cannot read Kubernetes Job " + ns + "/" + name, e);
    }
  }

  /** The trainer container's exit code once it has ended, else null. */
  static Integer exitCode(Pod p) {
    if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
      return null;
    }
    for (ContainerStatus c : p.getStatus().getContainerStatuses()) {
      if (CONTAINER.equals(c.getName())
          && c.getState() != null
          && c.getState().getTerminated() != null) {
        return c.getState().getTerminated().getExitCode();
      }
    }
    return null;
  }

  private static boolean finished(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return false;
    }
    for (JobCondition c : job.getStatus().getConditions()) {
      if (("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
          && "True".equals(c.getStatus())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void requestStop(String handle) {
    delete(handle, config.stopGrace().toSeconds());
  }

  @Override
  public void kill(String handle) {
    delete(handle, 0);
  }

  private void delete(String handle, long graceSeconds) {
    Optional<String[]> ref = parse(handle);
    if (ref.isEmpty()) {
      return;
    }
    String ns = ref.get()[0];
    String name = ref.get()[1];
    try {
      List<Pod> pods = client.pods().inNamespace(ns).withLabel(RUN_LABEL, name).list().getItems();
      if (!pods.isEmpty() && pods.stream().allMatch(p -> exitCode(p) != null)) {
        return; // ended: its record (and exit code) stays until the Job's time to live is over
      }
      client
          .pods()
          .inNamespace(ns)
          .withLabel(RUN_LABEL, name)
          .withGracePeriod(graceSeconds)
          .delete();
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(ns)
          .withName(name)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .withGracePeriod(graceSeconds)
          .delete();
    } catch (KubernetesClientException e) {
      throw new BackendException("cannot delete Kubernetes Job " + ns + "/" + name, e);
    }
  }

  static Optional<String[]> parse(String handle) {
    if (handle == null) {
      return Optional.empty();
    }
    var m = HANDLE.matcher(handle);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new String[] {m.group(1), m.group(3)});
  }

  @Override
  public void close() {
    client.close();
  }
}
