package dev.tuneup.backend.kubernetes;

import dev.tuneup.testkit.http.ProcessTable;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.File;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes cluster for tests: the fabric8 mock API server in CRUD mode, plus a node agent that
 * does what the Job controller and a kubelet would. It creates a pod for each new Job, runs the
 * pod's container command as a real child process group on this machine, reports the pod's phase
 * and its container's exit code, and when a pod is deleted, sends SIGTERM to its processes and
 * SIGKILL once the deletion's grace period is over (the mock records no grace period, so the API
 * server in front of it notes the one each DELETE asks for). A Job deleted with its pods still
 * there has them deleted, as the garbage collector would.
 */
final class TestCluster implements AutoCloseable {
  static final String FINALIZER = "tuneup.dev/test-node";

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Map<String, Long> requestedGrace = new ConcurrentHashMap<>();
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final Thread agent;
  private volatile boolean stopped;

  private static final class Run {
    final String namespace;
    final String job;
    final String pod;
    final Process process;
    final long pgid;
    Long killAtNanos;
    boolean ended;

    Run(String namespace, String job, String pod, Process process) {
      this.namespace = namespace;
      this.job = job;
      this.pod = pod;
      this.process = process;
      this.pgid = process.pid();
    }
  }

  TestCluster() {
    KubernetesCrudDispatcher dispatcher =
        new KubernetesCrudDispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if ("DELETE".equals(request.getMethod()) && request.getPath().contains("/pods")) {
              noteGrace(request);
            }
            return super.dispatch(request);
          }
        };
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
    agent = new Thread(this::loop, "test-node-agent");
    agent.setDaemon(true);
    agent.start();
  }

  /** A new client of the API server (each backend instance closes its own). */
  KubernetesClient newClient() {
    return server.createClient();
  }

  /** The process group a run's pod runs in, or -1 before its pod started. */
  long processGroup(String jobName) {
    for (Run r : runs.values()) {
      if (r.job.equals(jobName)) {
        return r.pgid;
      }
    }
    return -1;
  }

  private static final Pattern GRACE = Pattern.compile("\"gracePeriodSeconds\"\\s*:\\s*(\\d+)");
  private static final Pattern POD = Pattern.compile("/pods/([^/?]+)");
  private static final Pattern SELECTOR = Pattern.compile("labelSelector=([^&]+)");

  private void noteGrace(RecordedRequest request) {
    String body = request.getUtf8Body();
    Matcher g = GRACE.matcher(body == null ? "" : body);
    Matcher q = Pattern.compile("gracePeriodSeconds=(\\d+)").matcher(request.getPath());
    Long grace = g.find() ? Long.valueOf(g.group(1)) : q.find() ? Long.valueOf(q.group(1)) : null;
    if (grace == null) {
      return;
    }
    Matcher pod = POD.matcher(request.getPath());
    if (pod.find()) {
      requestedGrace.put(pod.group(1), grace);
    }
    Matcher sel = SELECTOR.matcher(request.getPath());
    if (sel.find()) {
      String s = URLDecoder.decode(sel.group(1), StandardCharsets.UTF_8);
      String prefix = KubernetesBackend.RUN_LABEL + "=";
      if (s.startsWith(prefix)) {
        requestedGrace.put(s.substring(prefix.length()) + "-pod", grace);
      }
    }
  }

  private void loop() {
    while (!stopped) {
      try {
        startNewJobs();
        for (Run r : runs.values()) {
          if (!r.ended) {
            follow(r);
          }
        }
      } catch (RuntimeException e) {
        if (!stopped) {
          System.err.println("test node agent: " + e);
        }
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void startNewJobs() {
    for (Job job : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
      String name = job.getMetadata().getName();
      String ns = job.getMetadata().getNamespace();
      if (runs.containsKey(ns + "/" + name) || job.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String podName = name + "-pod";
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName(podName)
              .withNamespace(ns)
              .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
              .addToLabels("job-name", name)
              .withFinalizers(FINALIZER)
              .endMetadata()
              .withSpec(job.getSpec().getTemplate().getSpec())
              .build();
      client.pods().inNamespace(ns).resource(pod).create();
      var container = pod.getSpec().getContainers().get(0);
      List<String> cmd = new ArrayList<>();
      cmd.add("setsid");
      cmd.addAll(container.getCommand());
      Process p;
      try {
        p =
            new ProcessBuilder(cmd)
                .directory(new File(container.getWorkingDir()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start pod " + podName, e);
      }
      runs.put(ns + "/" + name, new Run(ns, name, podName, p));
      setStatus(ns, podName, "Running", null);
    }
  }

  private void follow(Run r) {
    Pod pod = client.pods().inNamespace(r.namespace).withName(r.pod).get();
    Job job = client.batch().v1().jobs().inNamespace(r.namespace).withName(r.job).get();
    boolean deleting = pod == null || pod.getMetadata().getDeletionTimestamp() != null;
    if (!deleting && job == null) {
      // garbage collection of an orphaned pod, with the pod's own grace period
      client.pods().inNamespace(r.namespace).withName(r.pod).delete();
      return;
    }
    if (deleting && r.process.isAlive()) {
      Long grace = requestedGrace.get(r.pod);
      if (grace == null && pod != null) {
        grace = pod.getSpec().getTerminationGracePeriodSeconds();
      }
      long killAt = System.nanoTime() + (grace == null ? 30 : grace) * 1_000_000_000L;
      if (r.killAtNanos == null) {
        signal(r.pgid, "-TERM");
        r.killAtNanos = killAt;
      } else if (killAt < r.killAtNanos) {
        r.killAtNanos = killAt; // deleted again with a shorter grace
      }
      if (System.nanoTime() >= r.killAtNanos) {
        signal(r.pgid, "-KILL");
      }
      return;
    }
    if (r.process.isAlive()) {
      return;
    }
    // the container's main process ended: the rest of the container goes with it
    signal(r.pgid, "-KILL");
    if (!ProcessTable.group(r.pgid).isEmpty()) {
      return;
    }
    r.ended = true;
    int exit = r.process.exitValue();
    if (deleting) {
      if (pod != null) {
        pod.getMetadata().setFinalizers(List.of());
        client.pods().inNamespace(r.namespace).resource(pod).update();
      }
      return;
    }
    setStatus(r.namespace, r.pod, exit == 0 ? "Succeeded" : "Failed", exit);
    if (job != null) {
      job.setStatus(
          new JobStatusBuilder()
              .withSucceeded(exit == 0 ? 1 : 0)
              .withFailed(exit == 0 ? 0 : 1)
              .withConditions(
                  new JobConditionBuilder()
                      .withType(exit == 0 ? "Complete" : "Failed")
                      .withStatus("True")
                      .build())
              .build());
      client.batch().v1().jobs().inNamespace(r.namespace).resource(job).updateStatus();
    }
  }

  private void setStatus(String ns, String podName, String phase, Integer exit) {
    Pod pod = client.pods().inNamespace(ns).withName(podName).get();
    if (pod == null) {
      return;
    }
    var state =
        exit == null
            ? new ContainerStateBuilder().withNewRunning().endRunning().build()
            : new ContainerStateBuilder()
                .withNewTerminated()
                .withExitCode(exit)
                .endTerminated()
                .build();
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase(phase)
            .withContainerStatuses(
                new ContainerStatusBuilder()
                    .withName(pod.getSpec().getContainers().get(0).getName())
                    .withState(state)
                    .build())
            .build());
    client.pods().inNamespace(ns).resource(pod).updateStatus();
  }

  private static void signal(long pgid, String signal) {
    try {
      new ProcessBuilder("kill", signal, "--", "-" + pgid)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stopped = true;
    agent.interrupt();
    for (Run r : runs.values()) {
      signal(r.pgid, "-KILL");
    }
    client.close();
    server.destroy();
  }
}
