package dev.tuneup.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tuneup.auth.AccountService;
import dev.tuneup.auth.ApiKey;
import dev.tuneup.auth.User;
import dev.tuneup.auth.Workspace;
import dev.tuneup.error.InvalidParameter;
import dev.tuneup.server.http.Obj;
import dev.tuneup.server.http.Requests;
import io.javalin.http.Context;
import java.time.Instant;

/** {@code /api/v1/admin/…}: users, workspaces, memberships and API keys. Admin keys only. */
public final class AdminApi {
  private final AccountService accounts;

  public AdminApi(AccountService accounts) {
    this.accounts = accounts;
  }

  /** Creates a user and a first API key, shown once. */
  public void createUser(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    JsonNode body = Requests.jsonObject(ctx);
    String name = requiredText(body, "name");
    boolean admin = body.path("admin").asBoolean(false);
    User user = accounts.createUser(name, admin);
    AccountService.IssuedKey key = accounts.issueKey(user.id(), "default");
    Requests.output(
        ctx, user(user).always("api_key", key.secret()).always("key_id", key.key().id()));
  }

  public void listUsers(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    Requests.output(
        ctx, Obj.of().always("users", accounts.users().stream().map(AdminApi::user).toList()));
  }

  public void createKey(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    String name =
        ctx.body().isBlank() ? "key" : Requests.jsonObject(ctx).path("name").asText("key");
    AccountService.IssuedKey key = accounts.issueKey(ctx.pathParam("user_id"), name);
    Requests.output(ctx, key(key.key()).always("api_key", key.secret()));
  }

  public void listKeys(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    Requests.output(
        ctx,
        Obj.of()
            .always(
                "keys",
                accounts.keys(ctx.pathParam("user_id")).stream().map(AdminApi::key).toList()));
  }

  public void revokeKey(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    boolean deleted = accounts.revokeKey(ctx.pathParam("key_id"));
    if (!deleted) {
      throw new dev.tuneup.error.NotFound("key", ctx.pathParam("key_id"), "Not found!");
    }
    Requests.output(ctx, Obj.of().always("status", "success"));
  }

  public void createWorkspace(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    Workspace w = accounts.createWorkspace(requiredText(Requests.jsonObject(ctx), "name"));
    Requests.output(ctx, workspace(w));
  }

  public void listWorkspaces(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    Requests.output(
        ctx,
        Obj.of()
            .always(
                "workspaces", accounts.workspaces().stream().map(AdminApi::workspace).toList()));
  }

  public void addMember(Context ctx) {
    AccountService.requireAdmin(Requests.caller(ctx));
    String userId = requiredText(Requests.jsonObject(ctx), "user_id");
    accounts.addMember(ctx.pathParam("workspace_id"), userId);
    Requests.output(ctx, Obj.of().always("status", "success"));
  }

  private static String requiredText(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || !n.isTextual() || n.asText().isBlank()) {
      throw new InvalidParameter(field, "Missing " + field + ".");
    }
    return n.asText();
  }

  private static Obj user(User u) {
    return Obj.of()
        .always("user_id", u.id())
        .always("name", u.name())
        .always("admin", u.admin())
        .always("default_workspace_id", u.defaultWorkspaceId())
        .always("created_at", iso(u.createdAt()));
  }

  private static Obj key(ApiKey k) {
    return Obj.of()
        .always("key_id", k.id())
        .always("user_id", k.userId())
        .always("name", k.name())
        .always("created_at", iso(k.createdAt()));
  }

  private static Obj workspace(Workspace w) {
    return Obj.of()
        .always("workspace_id", w.id())
        .always("name", w.name())
        .always("created_at", iso(w.createdAt()));
  }

  private static String iso(Instant t) {
    return t == null ? null : t.toString();
  }
}
