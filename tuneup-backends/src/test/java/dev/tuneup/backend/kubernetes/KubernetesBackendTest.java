package dev.tuneup.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tuneup.backend.ExecutionBackend;
import dev.tuneup.testkit.backend.BackendContract;
import dev.tuneup.testkit.http.ProcessTable;
import dev.tuneup.testkit.trainer.ScriptedTrainer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backend contract on Kubernetes: the fabric8 mock API server in CRUD mode with a test node
 * agent that runs each pod as a real process group here ({@link TestCluster}).
 */
class KubernetesBackendTest extends BackendContract {
  static TestCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private KubernetesBackendConfig config(Map<String, String> nodeSelector, int gpus) {
    return new KubernetesBackendConfig(
        "tuneup",
        "registry.example/tuneup:0.1",
        ScriptedTrainer.command(),
        4,
        "2",
        "8Gi",
        "4",
        "16Gi",
        gpus,
        nodeSelector,
        "tuneup-data",
        Path.of("/var/lib/tuneup"),
        "tuneup-trainer",
        Duration.ofSeconds(5));
  }

  @Override
  protected ExecutionBackend backend() {
    return new KubernetesBackend(cluster.newClient(), config(Map.of(), 0));
  }

  @Override
  protected List<Long> runProcesses(String handle) {
    return KubernetesBackend.parse(handle)
        .map(ref -> cluster.processGroup(ref[1]))
        .filter(pgid -> pgid > 0)
        .map(ProcessTable::group)
        .orElse(List.of());
  }

  @Override
  protected List<String> unknownHandles() {
    return List.of(
        "nonsense",
        "k8s:",
        "k8s:tuneup/",
        "k8s:/x",
        "k8s:Tuneup/X",
        "k8s:tuneup/never-created",
        "local:1:1:1",
        "slurm:12");
  }

  /** As the OOM killer would: SIGKILL to the pod's processes, behind the API's back. */
  @Override
  protected void crash(String handle) {
    killProcesses(handle);
  }

  @Override
  protected boolean reportsExitCodesToEveryInstance() {
    return true;
  }

  @Override
  protected boolean reportsExitCodesOfStoppedRuns() {
    return false;
  }

  @Test
  void the_job_carries_image_resources_gpus_node_selector_volume_and_labels_from_the_config()
      throws Exception {
    try (KubernetesClient client = cluster.newClient()) {
      KubernetesBackend b = new KubernetesBackend(client, config(Map.of("gpu-type", "h100"), 2));
      Path jobDir = Path.of("/var/lib/tuneup/jobs/ft-7");
      Job built = b.job("ft-7", jobDir, jobDir.resolve("spec.json"));
      client.batch().v1().jobs().inNamespace("tuneup").resource(built).create();
      Job job =
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace("tuneup")
              .withName(built.getMetadata().getName())
              .get();
      client.batch().v1().jobs().inNamespace("tuneup").resource(job).delete();

      assertThat(job.getMetadata().getName()).matches("tuneup-ft-7-[a-z0-9]+");
      assertThat(job.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/managed-by", "tuneup")
          .containsEntry("tuneup.dev/job-id", "ft-7");
      assertThat(job.getSpec().getBackoffLimit()).isZero();
      PodSpec pod = job.getSpec().getTemplate().getSpec();
      assertThat(pod.getRestartPolicy()).isEqualTo("Never");
      assertThat(pod.getServiceAccountName()).isEqualTo("tuneup-trainer");
      assertThat(pod.getNodeSelector()).containsEntry("gpu-type", "h100");
      assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(5);
      Container c = pod.getContainers().get(0);
      assertThat(c.getImage()).isEqualTo("registry.example/tuneup:0.1");
      assertThat(c.getWorkingDir()).isEqualTo("/var/lib/tuneup/jobs/ft-7");
      assertThat(c.getCommand())
          .startsWith("/bin/sh", "-c")
          .endsWith("--spec", "/var/lib/tuneup/jobs/ft-7/spec.json");
      assertThat(c.getCommand().get(2)).contains(">>stdout.log").contains("2>>train.log");
      assertThat(c.getResources().getRequests())
          .containsEntry("cpu", new Quantity("2"))
          .containsEntry("memory", new Quantity("8Gi"));
      assertThat(c.getResources().getLimits())
          .containsEntry("cpu", new Quantity("4"))
          .containsEntry("memory", new Quantity("16Gi"))
          .containsEntry("nvidia.com/gpu", new Quantity("2"));
      assertThat(c.getVolumeMounts().get(0).getMountPath()).isEqualTo("/var/lib/tuneup");
      assertThat(pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
          .isEqualTo("tuneup-data");
    }
  }

  @Test
  void the_trainer_output_lands_in_the_files_of_a_local_run() throws Exception {
    ExecutionBackend b = backend();
    Path spec = job("{\"test_steps\":10,\"test_step_ms\":20}");
    String handle = launch(b, spec);
    assertThat(handle).matches("k8s:tuneup/tuneup-ft-test-[a-z0-9]+");
    await(START, "trainer end", () -> !b.state(handle).alive());
    Path jobDir = spec.getParent();
    assertThat(Files.readString(jobDir.resolve("stdout.log"))).contains("\"type\":\"progress\"");
    assertThat(Files.readString(jobDir.resolve("train.log"))).contains("scripted trainer pid");
  }

  @Test
  void bad_settings_are_refused_naming_the_key() {
    List<String> cmd = List.of("tuneup", "train", "--spec", "{spec}");
    Duration g = Duration.ofSeconds(10);
    Path mount = Path.of("/data");
    assertThatThrownBy(
            () ->
                new KubernetesBackendConfig(
                    "Bad_NS", "i", cmd, 1, null, null, null, null, 0, null, "c", mount, null, g))
        .hasMessageContaining("backend.kubernetes.namespace");
    assertThatThrownBy(
            () ->
                new KubernetesBackendConfig(
                    "ns", " ", cmd, 1, null, null, null, null, 0, null, "c", mount, null, g))
        .hasMessageContaining("backend.kubernetes.image");
    assertThatThrownBy(
            () ->
                new KubernetesBackendConfig(
                    "ns", "i", cmd, 1, "lots", null, null, null, 0, null, "c", mount, null, g))
        .hasMessageContaining("backend.kubernetes.cpu-request");
    assertThatThrownBy(
            () ->
                new KubernetesBackendConfig(
                    "ns", "i", cmd, 1, null, null, null, null, 0, null, "", mount, null, g))
        .hasMessageContaining("backend.kubernetes.claim-name");
    assertThatThrownBy(
            () ->
                new KubernetesBackendConfig(
                    "ns",
                    "i",
                    List.of("x"),
                    1,
                    null,
                    null,
                    null,
                    null,
                    0,
                    null,
                    "c",
                    mount,
                    null,
                    g))
        .hasMessageContaining("{spec}");
    assertThatThrownBy(
            () ->
                new KubernetesBackendConfig(
                    "ns",
                    "i",
                    cmd,
                    1,
                    null,
                    null,
                    null,
                    null,
                    0,
                    null,
                    "c",
                    Path.of("rel"),
                    null,
                    g))
        .hasMessageContaining("backend.kubernetes.mount-path");
  }

  @Test
  void the_example_manifests_parse_and_grant_every_verb_the_backend_uses() throws Exception {
    Path manifests = Path.of("../docs/kubernetes/tuneup.yaml");
    try (KubernetesClient client = cluster.newClient();
        var in = Files.newInputStream(manifests)) {
      List<io.fabric8.kubernetes.api.model.HasMetadata> items = client.load(in).items();
      assertThat(items)
          .extracting(io.fabric8.kubernetes.api.model.HasMetadata::getKind)
          .contains(
              "ServiceAccount",
              "Role",
              "RoleBinding",
              "PersistentVolumeClaim",
              "Deployment",
              "Service");
      var role =
          items.stream()
              .filter(io.fabric8.kubernetes.api.model.rbac.Role.class::isInstance)
              .map(io.fabric8.kubernetes.api.model.rbac.Role.class::cast)
              .findFirst()
              .orElseThrow();
      assertThat(verbs(role, "batch", "jobs")).contains("create", "get", "list", "delete");
      assertThat(verbs(role, "", "pods")).contains("get", "list", "delete");
      var pvc =
          items.stream()
              .filter(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class::isInstance)
              .map(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class::cast)
              .findFirst()
              .orElseThrow();
      assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
      var deployment =
          items.stream()
              .filter(io.fabric8.kubernetes.api.model.apps.Deployment.class::isInstance)
              .map(io.fabric8.kubernetes.api.model.apps.Deployment.class::cast)
              .findFirst()
              .orElseThrow();
      var env = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
      assertThat(env)
          .extracting(io.fabric8.kubernetes.api.model.EnvVar::getName)
          .contains(
              "TUNEUP_STORE_URL",
              "TUNEUP_BACKEND_KIND",
              "TUNEUP_BACKEND_KUBERNETES_IMAGE",
              "TUNEUP_BACKEND_KUBERNETES_CLAIM_NAME",
              "TUNEUP_DATA_DIR",
              "TUNEUP_REPLICA_ID");
    }
  }

  private static List<String> verbs(
      io.fabric8.kubernetes.api.model.rbac.Role role, String group, String resource) {
    return role.getRules().stream()
        .filter(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource))
        .flatMap(r -> r.getVerbs().stream())
        .toList();
  }
}
