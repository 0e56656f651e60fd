package dev.tuneup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tuneup.cli.client.TuneupClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "chat",
    description =
        "Chat with a deployed or fine-tuned model, answers streamed as they are generated. Reads"
            + " one message per line; /exit or end of input quits.")
final class ChatCommand extends ClientCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL")
  String model;

  @Option(
      names = {"--message", "-m"},
      description = "Send one message, print the answer, exit.")
  String message;

  @Option(names = "--system", description = "A system prompt.")
  String system;

  @Option(names = "--max-tokens", defaultValue = "256")
  int maxTokens;

  @Option(names = "--temperature", description = "0 (default) answers greedily.")
  double temperature;

  @Override
  public Integer call() throws Exception {
    TuneupClient c = client();
    ArrayNode history = JSON.createArrayNode();
    if (system != null) {
      history.addObject().put("role", "system").put("content", system);
    }
    if (message != null) {
      ask(c, history, message);
      return 0;
    }
    BufferedReader in =
        new BufferedReader(new InputStreamReader(env().in(), StandardCharsets.UTF_8));
    while (true) {
      if (env().terminal()) {
        out().print("> ");
        out().flush();
      }
      String line = in.readLine();
      if (line == null || line.strip().equals("/exit")) {
        return 0;
      }
      if (!line.isBlank()) {
        ask(c, history, line);
      }
    }
  }

  private void ask(TuneupClient c, ArrayNode history, String text) {
    history.addObject().put("role", "user").put("content", text);
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    body.putObject("input").set("messages", history);
    ObjectNode p = body.putObject("parameters");
    p.put("result_format", "message");
    p.put("incremental_output", true);
    p.put("max_tokens", maxTokens);
    p.put("temperature", temperature);
    StringBuilder answer = new StringBuilder();
    c.stream(
        "/api/v1/services/aigc/text-generation/generation",
        body,
        data -> {
          JsonNode choice = data.path("output").path("choices").path(0);
          String delta =
              choice.isMissingNode()
                  ? data.path("output").path("text").asText("")
                  : choice.path("message").path("content").asText("");
          answer.append(delta);
          out().print(delta);
          out().flush();
          return true;
        });
    out().println();
    history.addObject().put("role", "assistant").put("content", answer.toString());
  }
}
