package dev.tuneup.backend.kubernetes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Kubernetes backend's settings: one {@code batch/v1} Job per fine-tune attempt.
 *
 * @param namespace where the Jobs are created
 * @param image the container image with tuneup in it (and {@code /bin/sh})
 * @param trainerCommand the container's command, with {@code {spec}} where the spec path goes
 * @param slots Jobs tuneup keeps at once (running or pending in the cluster)
 * @param cpuRequest e.g. {@code 4}, or null
 * @param memoryRequest e.g. {@code 16Gi}, or null
 * @param cpuLimit or null
 * @param memoryLimit or null
 * @param gpus {@code nvidia.com/gpu} per Job; 0 asks for none
 * @param nodeSelector labels a node must have
 * @param claimName the PersistentVolumeClaim holding the data directory (ReadWriteMany)
 * @param mountPath where the claim is mounted in the container: the server's data directory, so a
 *     job directory has the same path on both sides
 * @param serviceAccount the pod's service account, or null for the namespace default
 * @param stopGrace how long a stopped trainer has to save its checkpoint (the pod deletion's grace
 *     period); the dispatcher's {@code jobs.stop-grace}
 */
public record KubernetesBackendConfig(
    String namespace,
    String image,
    List<String> trainerCommand,
    int slots,
    String cpuRequest,
    String memoryRequest,
    String cpuLimit,
    String memoryLimit,
    int gpus,
    Map<String, String> nodeSelector,
    String claimName,
    Path mountPath,
    String serviceAccount,
    Duration stopGrace) {

  public static final int DEFAULT_SLOTS = 4;
  public static final String DEFAULT_NAMESPACE = "default";

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern QUANTITY =
      Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?");

  public KubernetesBackendConfig {
    if (namespace == null || !DNS_LABEL.matcher(namespace).matches()) {
      throw new IllegalArgumentException(
          "backend.kubernetes.namespace must be a namespace name (lowercase letters, digits, '-'),"
              + " got '"
              + namespace
              + "'");
    }
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException(
          "backend.kubernetes.image is required: the image with tuneup that runs the trainer");
    }
    if (trainerCommand == null || trainerCommand.stream().noneMatch(a -> a.contains("{spec}"))) {
      throw new IllegalArgumentException(
          "backend.kubernetes.trainer-command must contain {spec} where the spec file goes, got "
              + trainerCommand);
    }
    trainerCommand = List.copyOf(trainerCommand);
    if (slots < 1) {
      throw new IllegalArgumentException(
          "backend.kubernetes.slots must be 1 or more, got " + slots);
    }
    cpuRequest = quantity("backend.kubernetes.cpu-request", cpuRequest);
    memoryRequest = quantity("backend.kubernetes.memory-request", memoryRequest);
    cpuLimit = quantity("backend.kubernetes.cpu-limit", cpuLimit);
    memoryLimit = quantity("backend.kubernetes.memory-limit", memoryLimit);
    if (gpus < 0) {
      throw new IllegalArgumentException("backend.kubernetes.gpus must be 0 or more, got " + gpus);
    }
    nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    if (claimName == null || !DNS_LABEL.matcher(claimName).matches()) {
      throw new IllegalArgumentException(
          "backend.kubernetes.claim-name must name the PersistentVolumeClaim of the data"
              + " directory, got '"
              + claimName
              + "'");
    }
    if (mountPath == null || !mountPath.isAbsolute()) {
      throw new IllegalArgumentException(
          "backend.kubernetes.mount-path must be an absolute path, got " + mountPath);
    }
    if (serviceAccount != null && serviceAccount.isBlank()) {
      serviceAccount = null;
    }
    if (stopGrace == null || stopGrace.isNegative()) {
      throw new IllegalArgumentException("jobs.stop-grace must not be negative");
    }
  }

  private static String quantity(String key, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    if (!QUANTITY.matcher(value.trim()).matches()) {
      throw new IllegalArgumentException(
          key + " must be a Kubernetes quantity such as 4, 500m or 16Gi, got '" + value + "'");
    }
    return value.trim();
  }
}
