package dev.tuneup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.cli.client.ProgressBar;
import dev.tuneup.cli.client.TuneupClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
    name = "jobs",
    description = "Create, watch and manage fine-tuning jobs.",
    subcommands = {
      JobsCommand.Create.class,
      JobsCommand.ListJobs.class,
      JobsCommand.Get.class,
      JobsCommand.Cancel.class,
      JobsCommand.Pause.class,
      JobsCommand.Resume.class,
      JobsCommand.Delete.class,
      JobsCommand.Logs.class,
      JobsCommand.Wait.class
    })
final class JobsCommand {
  /** Exit code of {@code jobs wait} for a FAILED job. */
  static final int EXIT_FAILED = 4;

  /** Exit code of {@code jobs wait} for a CANCELED job. */
  static final int EXIT_CANCELED = 5;

  static final Set<String> FINAL = Set.of("SUCCEEDED", "FAILED", "CANCELED");

  static final String[] FIELDS = {
    "job_id",
    "status",
    "model",
    "base_model",
    "training_type",
    "finetuned_output",
    "queue_position",
    "progress",
    "hyper_parameters",
    "training_file_ids",
    "create_time",
    "end_time",
    "usage",
    "message"
  };

  static JsonNode job(TuneupClient c, String id) {
    return ClientCommand.payload(c.get("/api/v1/fine-tunes/" + id));
  }

  static String progress(JsonNode job) {
    JsonNode p = job.path("progress");
    if (p.isMissingNode() || p.isNull()) {
      return job.path("status").asText();
    }
    return job.path("status").asText()
        + " "
        + ProgressBar.training(
            p.path("step").asInt(),
            p.path("total_steps").asInt(),
            p.hasNonNull("loss") ? p.get("loss").asDouble() : null,
            p.hasNonNull("eta_seconds") ? p.get("eta_seconds").asLong() : null);
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Command(name = "create", description = "Create a fine-tuning job; prints its job id.")
  static final class Create extends ClientCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Base model, or a fine-tuned one.")
    String model;

    @Option(
        names = {"--training-file", "-f"},
        required = true,
        description = "File id (repeatable).")
    List<String> trainingFiles;

    @Option(names = "--validation-file", description = "File id (repeatable).")
    List<String> validationFiles = new ArrayList<>();

    @Option(
        names = "--hp",
        paramLabel = "KEY=VALUE",
        description = "A hyper-parameter, e.g. --hp n_epochs=3 --hp learning_rate=1e-4.")
    List<String> hyperParameters = new ArrayList<>();

    @Option(names = "--training-type", description = "sft (default), efficient_sft (LoRA).")
    String trainingType;

    @Option(names = "--suffix", description = "Suffix of the fine-tuned model's name.")
    String suffix;

    @Option(names = "--name", description = "A name for the job.")
    String name;

    @Override
    public Integer call() {
      ObjectNode body = JSON.createObjectNode();
      body.put("model", model);
      ArrayNode files = body.putArray("training_file_ids");
      trainingFiles.forEach(files::add);
      if (validationFiles.isEmpty()) {
        body.putNull("validation_file_ids");
      } else {
        ArrayNode v = body.putArray("validation_file_ids");
        validationFiles.forEach(v::add);
      }
      ObjectNode hp = body.putObject("hyper_parameters");
      for (String kv : hyperParameters) {
        int eq = kv.indexOf('=');
        if (eq < 1) {
          throw new ParameterException(
              spec.commandLine(), "--hp takes KEY=VALUE, e.g. --hp n_epochs=3; got '" + kv + "'");
        }
        hp.set(kv.substring(0, eq), value(kv.substring(eq + 1)));
      }
      if (trainingType != null) {
        body.put("training_type", trainingType);
      }
      if (suffix != null) {
        body.put("finetuned_output_suffix", suffix);
      }
      if (name != null) {
        body.put("job_name", name);
      }
      JsonNode job = payload(client().post("/api/v1/fine-tunes", body));
      if (json) {
        printJson(job);
      } else {
        out().println(job.path("job_id").asText());
      }
      return 0;
    }

    /** Numbers and booleans as JSON numbers and booleans, anything else as a string. */
    private static JsonNode value(String v) {
      if (v.equals("true") || v.equals("false")) {
        return JSON.getNodeFactory().booleanNode(Boolean.parseBoolean(v));
      }
      try {
        if (v.matches("-?\\d+")) {
          return JSON.getNodeFactory().numberNode(Long.parseLong(v));
        }
        return JSON.getNodeFactory().numberNode(Double.parseDouble(v));
      } catch (NumberFormatException e) {
        return JSON.getNodeFactory().textNode(v);
      }
    }
  }

  @Command(name = "list", description = "List your jobs.")
  static final class ListJobs extends ClientCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Only jobs of this model.")
    String model;

    @Override
    public Integer call() {
      String q = "/api/v1/fine-tunes?page_size=100" + (model == null ? "" : "&model=" + model);
      JsonNode jobs = payload(client().get(q)).path("jobs");
      printTable(
          jobs,
          new String[] {"JOB_ID", "STATUS", "MODEL", "PROGRESS", "QUEUE", "OUTPUT"},
          j ->
              new String[] {
                text(j, "job_id"),
                text(j, "status"),
                text(j, "model"),
                j.path("progress").isObject()
                    ? j.path("progress").path("step").asInt()
                        + "/"
                        + j.path("progress").path("total_steps").asInt()
                    : "",
                text(j, "queue_position"),
                text(j, "finetuned_output")
              });
      return 0;
    }
  }

  @Command(name = "get", description = "Show a job.")
  static final class Get extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Override
    public Integer call() {
      printObject(job(client(), id), FIELDS);
      return 0;
    }
  }

  /** A POST without a body that answers {@code status: success}. */
  abstract static class Action extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    abstract String action();

    @Override
    public Integer call() {
      JsonNode r = client().post("/api/v1/fine-tunes/" + id + "/" + action());
      if (json) {
        printJson(r);
      } else {
        out().println(action() + " requested for " + id);
      }
      return 0;
    }
  }

  @Command(name = "cancel", description = "Cancel a job (a running trainer saves a checkpoint).")
  static final class Cancel extends Action {
    @Override
    String action() {
      return "cancel";
    }
  }

  @Command(name = "pause", description = "Pause a running job at a checkpoint.")
  static final class Pause extends Action {
    @Override
    String action() {
      return "pause";
    }
  }

  @Command(name = "resume", description = "Resume a paused job from its checkpoint.")
  static final class Resume extends Action {
    @Override
    String action() {
      return "resume";
    }
  }

  @Command(name = "delete", description = "Delete a finished job with its logs and model.")
  static final class Delete extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Override
    public Integer call() {
      client().delete("/api/v1/fine-tunes/" + id);
      if (!json) {
        out().println("deleted " + id);
      }
      return 0;
    }
  }

  @Command(name = "logs", description = "Print a job's log; --follow keeps printing until it ends.")
  static final class Logs extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Option(
        names = {"--follow", "-f"},
        description = "Print new lines until the job ends.")
    boolean follow;

    @Option(names = "--interval", defaultValue = "1s", description = "Poll interval (default 1s).")
    String interval;

    @Override
    public Integer call() {
      TuneupClient c = client();
      Duration every = Wait.parse(interval, spec);
      ProgressBar bar = new ProgressBar(env().err(), env().terminal());
      long offset = 1;
      while (true) {
        // the job's state before the read: if it had ended, this read has every line
        JsonNode job = follow ? job(c, id) : null;
        while (true) {
          JsonNode page =
              payload(c.get("/api/v1/fine-tunes/" + id + "/logs?offset=" + offset + "&line=1000"));
          JsonNode lines = page.path("logs");
          if (follow && env().terminal() && lines.size() > 0) {
            env().err().print("\r\033[K");
          }
          for (JsonNode l : lines) {
            out().println(l.asText());
          }
          offset += lines.size();
          if (lines.size() < 1000) {
            break;
          }
        }
        out().flush();
        if (!follow || FINAL.contains(job.path("status").asText())) {
          bar.done();
          return 0;
        }
        if (env().terminal()) {
          bar.show(progress(job));
        }
        sleep(every);
      }
    }
  }

  @Command(
      name = "wait",
      description =
          "Wait for a job to end, with a progress bar. Exit 0 SUCCEEDED, 4 FAILED, 5 CANCELED.")
  static final class Wait extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Option(names = "--interval", defaultValue = "1s", description = "Poll interval (default 1s).")
    String interval;

    @Override
    public Integer call() {
      TuneupClient c = client();
      Duration every = parse(interval, spec);
      ProgressBar bar = new ProgressBar(env().err(), env().terminal());
      while (true) {
        JsonNode job = job(c, id);
        String status = job.path("status").asText();
        bar.show(progress(job));
        if (FINAL.contains(status)) {
          bar.done();
          if (json) {
            printJson(job);
          } else {
            out()
                .println(
                    id
                        + " "
                        + status
                        + (job.hasNonNull("finetuned_output")
                            ? " " + job.get("finetuned_output").asText()
                            : "")
                        + (job.hasNonNull("message") ? ": " + job.get("message").asText() : ""));
          }
          return switch (status) {
            case "SUCCEEDED" -> 0;
            case "FAILED" -> EXIT_FAILED;
            default -> EXIT_CANCELED;
          };
        }
        sleep(every);
      }
    }

    static Duration parse(String v, picocli.CommandLine.Model.CommandSpec spec) {
      try {
        if (v.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
          return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw new ParameterException(
            spec.commandLine(), "--interval takes a duration such as 1s or 500ms, got '" + v + "'");
      }
    }
  }
}
