package dev.tuneup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "deployments",
    description = "Deploy models for chat, scale and remove deployments.",
    subcommands = {
      DeploymentsCommand.Create.class,
      DeploymentsCommand.ListDeployments.class,
      DeploymentsCommand.Get.class,
      DeploymentsCommand.Scale.class,
      DeploymentsCommand.Delete.class
    })
final class DeploymentsCommand {
  static final String[] FIELDS = {
    "deployed_model",
    "model_name",
    "base_model",
    "status",
    "capacity",
    "ready_capacity",
    "plan",
    "gmt_create",
    "gmt_modified",
    "message"
  };

  @Command(name = "create", description = "Deploy a model; prints the deployed model's name.")
  static final class Create extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL")
    String model;

    @Option(names = "--capacity", defaultValue = "1", description = "Instances (default 1).")
    int capacity;

    @Option(names = "--suffix", description = "Makes a second deployment of the same model.")
    String suffix;

    @Override
    public Integer call() {
      ObjectNode body = JSON.createObjectNode();
      body.put("model_name", model);
      body.put("capacity", capacity);
      if (suffix != null) {
        body.put("suffix", suffix);
      }
      JsonNode d = payload(client().post("/api/v1/deployments", body));
      if (json) {
        printJson(d);
      } else {
        out().println(d.path("deployed_model").asText());
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List deployments.")
  static final class ListDeployments extends ClientCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      JsonNode items =
          payload(client().get("/api/v1/deployments?page_size=200")).path("deployments");
      printTable(
          items,
          new String[] {"DEPLOYED_MODEL", "MODEL", "STATUS", "CAPACITY", "READY"},
          d ->
              new String[] {
                text(d, "deployed_model"),
                text(d, "model_name"),
                text(d, "status"),
                text(d, "capacity"),
                text(d, "ready_capacity")
              });
      return 0;
    }
  }

  @Command(name = "get", description = "Show a deployment.")
  static final class Get extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DEPLOYED_MODEL")
    String name;

    @Override
    public Integer call() {
      printObject(payload(client().get("/api/v1/deployments/" + name)), FIELDS);
      return 0;
    }
  }

  @Command(name = "scale", description = "Change a deployment's capacity.")
  static final class Scale extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DEPLOYED_MODEL")
    String name;

    @Option(names = "--capacity", required = true, description = "New number of instances.")
    int capacity;

    @Override
    public Integer call() {
      ObjectNode body = JSON.createObjectNode();
      body.put("deployed_model", name);
      body.put("capacity", capacity);
      printObject(payload(client().put("/api/v1/deployments/" + name + "/scale", body)), FIELDS);
      return 0;
    }
  }

  @Command(name = "delete", description = "Remove a deployment.")
  static final class Delete extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DEPLOYED_MODEL")
    String name;

    @Override
    public Integer call() {
      JsonNode d = payload(client().delete("/api/v1/deployments/" + name));
      if (json) {
        printJson(d);
      } else {
        out().println("deleting " + name);
      }
      return 0;
    }
  }
}
