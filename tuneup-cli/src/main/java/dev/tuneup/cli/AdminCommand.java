package dev.tuneup.cli;

import dev.tuneup.auth.AccountService;
import dev.tuneup.auth.ApiKey;
import dev.tuneup.auth.User;
import dev.tuneup.auth.Workspace;
import dev.tuneup.error.TuneupException;
import dev.tuneup.server.config.ConfigLoader;
import dev.tuneup.server.config.TuneupConfig;
import dev.tuneup.store.Database;
import dev.tuneup.store.StoreConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code tuneup admin …}: manages users, workspaces and API keys directly in the data directory's
 * store (works while the server runs: SQLite takes turns).
 */
@Command(
    name = "admin",
    description =
        "Manage users, workspaces and API keys: through the server's admin API when a server URL"
            + " is configured (--url, $TUNEUP_URL or the config file; users, keys and workspaces),"
            + " else directly in the local store (--data-dir).",
    subcommands = {
      AdminCommand.CreateUser.class,
      AdminCommand.ListUsers.class,
      AdminCommand.CreateKey.class,
      AdminCommand.ListKeys.class,
      AdminCommand.RevokeKey.class,
      AdminCommand.CreateWorkspace.class,
      AdminCommand.ListWorkspaces.class,
      AdminCommand.AddMember.class
    })
final class AdminCommand {
  @Option(
      names = "--data-dir",
      description = "Data directory (default ./data).",
      scope = picocli.CommandLine.ScopeType.INHERIT)
  Path dataDir;

  /**
   * Lists through the server's admin API when a server URL is configured; returns null when none
   * is, and the caller reads the local store.
   */
  Integer listRemotely(
      ClientCommand command,
      String path,
      String field,
      String[] headers,
      java.util.function.Function<com.fasterxml.jackson.databind.JsonNode, String[]> row) {
    if (!command.settings().urlConfigured()) {
      return null;
    }
    com.fasterxml.jackson.databind.JsonNode items =
        ClientCommand.payload(command.client().get(path)).path(field);
    command.printTable(items, headers, row);
    return 0;
  }

  <T> int withAccounts(Function<AccountService, T> action, Function<T, String> print) {
    TuneupConfig config =
        ConfigLoader.load(
            System.getenv(),
            dataDir == null ? Map.of() : Map.of("data-dir", dataDir.toString()),
            null);
    String url =
        config.store().url().isBlank()
            ? "jdbc:sqlite:" + config.dataDir().resolve("tuneup.db")
            : config.store().url();
    try (Database db =
        Database.open(
            new StoreConfig(
                url, config.store().user(), config.store().password(), 1, config.dataDir()))) {
      T result = action.apply(new AccountService(db.accounts(), Clock.systemUTC()));
      System.out.println(print.apply(result));
      return 0;
    } catch (TuneupException e) {
      System.err.println("tuneup: " + e.getMessage());
      return 1;
    }
  }

  @Command(name = "create-user", description = "Create a user and print its first API key.")
  static final class CreateUser implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--admin", description = "Give the user administrator rights.")
    boolean isAdmin;

    @Override
    public Integer call() {
      return admin.withAccounts(
          a -> {
            User u = a.createUser(name, isAdmin);
            return a.issueKey(u.id(), "default").secret()
                + "  (user "
                + u.id()
                + ", workspace "
                + u.defaultWorkspaceId()
                + ")";
          },
          s -> s);
    }
  }

  @Command(name = "users", description = "List users.")
  static final class ListUsers extends ClientCommand implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Override
    public Integer call() {
      Integer remote =
          admin.listRemotely(
              this,
              "/api/v1/admin/users",
              "users",
              new String[] {"USER_ID", "NAME", "ADMIN", "DEFAULT_WORKSPACE"},
              u ->
                  new String[] {
                    text(u, "user_id"),
                    text(u, "name"),
                    text(u, "admin"),
                    text(u, "default_workspace_id")
                  });
      if (remote != null) {
        return remote;
      }
      return admin.withAccounts(
          AccountService::users,
          users -> {
            StringBuilder b =
                new StringBuilder(
                    String.format(
                        "%-16s %-24s %-6s %s%n", "USER_ID", "NAME", "ADMIN", "DEFAULT_WORKSPACE"));
            for (User u : users) {
              b.append(
                  String.format(
                      "%-16s %-24s %-6s %s%n",
                      u.id(), u.name(), u.admin(), u.defaultWorkspaceId()));
            }
            return b.toString().stripTrailing();
          });
    }
  }

  @Command(name = "create-key", description = "Issue another API key for a user (shown once).")
  static final class CreateKey implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Parameters(paramLabel = "USER_ID")
    String userId;

    @Option(names = "--name", defaultValue = "key")
    String name;

    @Override
    public Integer call() {
      return admin.withAccounts(a -> a.issueKey(userId, name).secret(), s -> s);
    }
  }

  @Command(
      name = "keys",
      description = "List a user's API keys (ids only; secrets are never stored).")
  static final class ListKeys extends ClientCommand implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Parameters(paramLabel = "USER_ID")
    String userId;

    @Override
    public Integer call() {
      Integer remote =
          admin.listRemotely(
              this,
              "/api/v1/admin/users/" + userId + "/keys",
              "keys",
              new String[] {"KEY_ID", "NAME", "CREATED"},
              k -> new String[] {text(k, "key_id"), text(k, "name"), text(k, "created_at")});
      if (remote != null) {
        return remote;
      }
      return admin.withAccounts(
          a -> a.keys(userId),
          keys -> {
            StringBuilder b =
                new StringBuilder(String.format("%-14s %-16s %s%n", "KEY_ID", "NAME", "CREATED"));
            for (ApiKey k : keys) {
              b.append(String.format("%-14s %-16s %s%n", k.id(), k.name(), k.createdAt()));
            }
            return b.toString().stripTrailing();
          });
    }
  }

  @Command(name = "revoke-key", description = "Delete an API key.")
  static final class RevokeKey implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Parameters(paramLabel = "KEY_ID")
    String keyId;

    @Override
    public Integer call() {
      return admin.withAccounts(a -> a.revokeKey(keyId), ok -> ok ? "revoked" : "no such key");
    }
  }

  @Command(name = "create-workspace", description = "Create a workspace.")
  static final class CreateWorkspace implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      return admin.withAccounts(a -> a.createWorkspace(name), Workspace::id);
    }
  }

  @Command(name = "workspaces", description = "List workspaces.")
  static final class ListWorkspaces extends ClientCommand implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Override
    public Integer call() {
      Integer remote =
          admin.listRemotely(
              this,
              "/api/v1/admin/workspaces",
              "workspaces",
              new String[] {"WORKSPACE_ID", "NAME"},
              w -> new String[] {text(w, "workspace_id"), text(w, "name")});
      if (remote != null) {
        return remote;
      }
      return admin.withAccounts(
          AccountService::workspaces,
          list -> {
            StringBuilder b =
                new StringBuilder(String.format("%-16s %s%n", "WORKSPACE_ID", "NAME"));
            for (Workspace w : list) {
              b.append(String.format("%-16s %s%n", w.id(), w.name()));
            }
            return b.toString().stripTrailing();
          });
    }
  }

  @Command(name = "add-member", description = "Add a user to a workspace.")
  static final class AddMember implements Callable<Integer> {
    @ParentCommand AdminCommand admin;

    @Parameters(index = "0", paramLabel = "WORKSPACE_ID")
    String workspaceId;

    @Parameters(index = "1", paramLabel = "USER_ID")
    String userId;

    @Override
    public Integer call() {
      return admin.withAccounts(
          a -> {
            a.addMember(workspaceId, userId);
            return userId + " is a member of " + workspaceId;
          },
          s -> s);
    }
  }
}
