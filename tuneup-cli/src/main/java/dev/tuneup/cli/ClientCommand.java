package dev.tuneup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tuneup.cli.client.ClientSettings;
import dev.tuneup.cli.client.TuneupClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A command that talks to a running server: connection options, output helpers. */
abstract class ClientCommand {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Option(
      names = "--url",
      description = "Server URL (default: $TUNEUP_URL, the config file, or http://127.0.0.1:8080).")
  String url;

  @Option(
      names = "--api-key",
      description = "API key (default: $DASHSCOPE_API_KEY or the config file).")
  String apiKey;

  @Option(names = "--json", description = "Print the server's JSON instead of a table.")
  boolean json;

  Environment env() {
    return ((Main) spec.root().userObject()).environment();
  }

  PrintStream out() {
    return env().out();
  }

  ClientSettings settings() {
    return ClientSettings.resolve(url, apiKey, env().variables(), env().home());
  }

  TuneupClient client() {
    return new TuneupClient(settings());
  }

  /** The payload of a DashScope response: {@code output} or {@code data}. */
  static JsonNode payload(JsonNode response) {
    if (response.has("output")) {
      return response.get("output");
    }
    return response.has("data") ? response.get("data") : response;
  }

  void printJson(JsonNode node) {
    try {
      out().println(JSON.writeValueAsString(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints {@code node} as JSON when asked, else as the key/value lines of {@code fields}. */
  void printObject(JsonNode node, String... fields) {
    if (json) {
      printJson(node);
      return;
    }
    int width = 0;
    for (String f : fields) {
      width = Math.max(width, f.length());
    }
    for (String f : fields) {
      JsonNode v = node.path(f);
      if (!v.isMissingNode() && !v.isNull()) {
        out().printf("%-" + width + "s  %s%n", f, v.isValueNode() ? v.asText() : v.toString());
      }
    }
  }

  /** Prints the items as a table of the given columns, or as JSON when asked. */
  void printTable(JsonNode items, String[] headers, Function<JsonNode, String[]> row) {
    if (json) {
      printJson(items);
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(headers);
    for (JsonNode item : items) {
      rows.add(row.apply(item));
    }
    out().print(Table.render(rows));
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? "" : v.asText();
  }
}
