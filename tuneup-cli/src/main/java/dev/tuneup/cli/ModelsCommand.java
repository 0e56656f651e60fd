package dev.tuneup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.cli.client.ProgressBar;
import dev.tuneup.cli.client.TuneupClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "models",
    description = "Base, fine-tuned and imported models.",
    mixinStandardHelpOptions = true,
    subcommands = {
      ModelsCommand.ListModels.class,
      ModelsCommand.Pull.class,
      ModelsCommand.Add.class,
      ModelsCommand.Remove.class
    })
final class ModelsCommand {
  /** Exit code of {@code models pull} when the pull FAILED (as {@code jobs wait}). */
  static final int EXIT_FAILED = JobsCommand.EXIT_FAILED;

  @Command(name = "list", description = "List the models you can fine-tune and chat with.")
  static final class ListModels extends ClientCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      JsonNode models = payload(client().get("/api/v1/models?page_size=100")).path("models");
      printTable(
          models,
          new String[] {"MODEL", "TYPE", "BASE_MODEL", "SOURCE"},
          m ->
              new String[] {
                text(m, "model"), text(m, "type"), text(m, "base_model"), text(m, "source")
              });
      return 0;
    }
  }

  @Command(
      name = "pull",
      description =
          "Download a Hugging Face model repository into <data-dir>/models/<id> and register it"
              + " as a base model (administrators). The server downloads it (HF_ENDPOINT and"
              + " HF_TOKEN as the server sees them); a partial download resumes. Exit 0 when"
              + " registered, 4 when the pull failed.")
  static final class Pull extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "REPO_ID", description = "e.g. Qwen/Qwen3-0.6B")
    String repo;

    @Option(names = "--revision", description = "Branch, tag or commit (default main).")
    String revision;

    @Option(names = "--id", description = "Model id (default: the repository name, lower case).")
    String id;

    @Option(
        names = "--token",
        description =
            "Hub token for this pull (default: $HF_TOKEN of this shell, else the server's).")
    String token;

    @Option(names = "--interval", defaultValue = "500ms", description = "Poll interval.")
    String interval;

    @Override
    public Integer call() {
      TuneupClient c = client();
      ObjectNode body = JSON.createObjectNode().put("repo_id", repo);
      if (revision != null) {
        body.put("revision", revision);
      }
      if (id != null) {
        body.put("model_id", id);
      }
      String t = token != null ? token : env().variables().get("HF_TOKEN");
      if (t != null && !t.isBlank()) {
        body.put("token", t.strip());
      }
      JsonNode pull = payload(c.post("/api/v1/admin/models/pull", body));
      String pullId = pull.path("job_id").asText();
      Duration every = JobsCommand.Wait.parse(interval, spec);
      ProgressBar bar = new ProgressBar(env().err(), env().terminal());
      while (true) {
        String status = pull.path("status").asText();
        bar.show(progress(pull));
        if (status.equals("SUCCEEDED") || status.equals("FAILED")) {
          bar.done();
          if (json) {
            printJson(pull);
          } else if (status.equals("SUCCEEDED")) {
            out().println(pull.path("model_name").asText());
          } else {
            env().err().println("tuneup: pull of " + repo + " failed: " + text(pull, "error_code"));
          }
          return status.equals("SUCCEEDED") ? 0 : EXIT_FAILED;
        }
        JobsCommand.sleep(every);
        pull = payload(c.get("/api/v1/admin/models/pulls/" + pullId));
      }
    }

    /** E.g. {@code [######------] 50% 1.1 MB / 2.2 MB model-00001-of-00002.safetensors}. */
    static String progress(JsonNode pull) {
      String status = pull.path("status").asText();
      JsonNode p = pull.path("progress");
      long total = p.path("bytes_total").asLong(0);
      if (status.equals("SUCCEEDED") || status.equals("FAILED")) {
        return pull.path("model_name").asText() + " " + status;
      }
      if (total == 0) {
        return pull.path("model_name").asText() + " " + status;
      }
      String file = p.path("file").asText("");
      return ProgressBar.bytes(p.path("bytes_done").asLong(), total)
          + (file.isEmpty() ? "" : " " + file);
    }
  }

  @Command(
      name = "add",
      description =
          "Register a directory on the server (Hugging Face layout) as a base model, after"
              + " checking that it loads (administrators).")
  static final class Add extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(
        names = "--path",
        required = true,
        description = "The directory, as the server sees it.")
    Path path;

    @Override
    public Integer call() {
      ObjectNode body =
          JSON.createObjectNode()
              .put("model_id", id)
              .put("path", path.toAbsolutePath().normalize().toString());
      JsonNode m = payload(client().post("/api/v1/admin/models", body));
      if (json) {
        printJson(m);
      } else {
        out().println(m.path("model").asText());
      }
      return 0;
    }
  }

  @Command(
      name = "remove",
      description =
          "Unregister a base model added or pulled at run time (administrators); a pulled"
              + " model's files are deleted, an added directory is left alone.")
  static final class Remove extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      JsonNode m = payload(client().delete("/api/v1/admin/models/" + id));
      if (json) {
        printJson(m);
      } else {
        out().println(m.path("model").asText());
      }
      return 0;
    }
  }
}
