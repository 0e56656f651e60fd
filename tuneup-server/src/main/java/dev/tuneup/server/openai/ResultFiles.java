package dev.tuneup.server.openai;

import dev.tuneup.auth.Caller;
import dev.tuneup.file.FileService;
import dev.tuneup.job.Job;
import dev.tuneup.job.JobMetric;
import dev.tuneup.job.JobService;
import dev.tuneup.job.JobStatus;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code result_files} of a succeeded OpenAI job: one file of purpose {@code fine-tune-results}
 * holding OpenAI's metrics CSV, base64-encoded as OpenAI serves it. Produced from the job's typed
 * metric rows the first time the job is read after it succeeded.
 */
public final class ResultFiles {
  /** OpenAI's purpose of a job's results file. */
  public static final String PURPOSE = "fine-tune-results";

  /** OpenAI's header, in its order. */
  static final String HEADER =
      "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy";

  private final FileService files;
  private final JobService jobs;

  public ResultFiles(FileService files, JobService jobs) {
    this.files = files;
    this.jobs = jobs;
  }

  /** The ids of the job's result files: one for a succeeded job, else none. */
  public List<String> of(Job job) {
    if (job.status() != JobStatus.SUCCEEDED) {
      return List.of();
    }
    byte[] csv = csv(jobs.metricRows(job.id())).getBytes(StandardCharsets.UTF_8);
    return List.of(
        files
            .storeProduced(
                new Caller(job.userId(), job.workspaceId(), false),
                fileId(job.id()),
                "step_metrics.csv",
                PURPOSE,
                Base64.getEncoder().encode(csv))
            .id());
  }

  static String fileId(String jobId) {
    return "file-ftres-" + jobId;
  }

  /**
   * One row per training step that has a progress event, by step; the validation columns are filled
   * at the steps that were evaluated. Numbers are written as Java's shortest round-trip text, so
   * they read back exactly as stored. A step logged twice (a resumed run) takes its last values.
   */
  static String csv(List<JobMetric> rows) {
    Map<Integer, JobMetric> train = new TreeMap<>();
    Map<Integer, JobMetric> eval = new TreeMap<>();
    for (JobMetric m : rows) {
      (m.kind() == JobMetric.Kind.TRAIN ? train : eval).put(m.step(), m);
    }
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (JobMetric t : train.values()) {
      JobMetric v = eval.get(t.step());
      sb.append(t.step())
          .append(',')
          .append(t.loss())
          .append(',')
          .append(number(t.tokenAccuracy()))
          .append(',')
          .append(v == null ? "" : Double.toString(v.loss()))
          .append(',')
          .append(v == null ? "" : number(v.tokenAccuracy()))
          .append('\n');
    }
    return sb.toString();
  }

  private static String number(Double d) {
    return d == null ? "" : d.toString();
  }
}
