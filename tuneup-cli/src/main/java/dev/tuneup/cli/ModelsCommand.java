package dev.tuneup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(
    name = "models",
    description = "Base and fine-tuned models.",
    subcommands = {ModelsCommand.ListModels.class})
final class ModelsCommand {
  @Command(name = "list", description = "List the models you can fine-tune and chat with.")
  static final class ListModels extends ClientCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      JsonNode models = payload(client().get("/api/v1/models?page_size=100")).path("models");
      printTable(
          models,
          new String[] {"MODEL", "TYPE", "BASE_MODEL"},
          m -> new String[] {text(m, "model"), text(m, "type"), text(m, "base_model")});
      return 0;
    }
  }
}
