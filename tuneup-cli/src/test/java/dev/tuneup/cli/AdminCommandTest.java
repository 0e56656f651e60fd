package dev.tuneup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tuneup.auth.AccountService;
import dev.tuneup.auth.Caller;
import dev.tuneup.store.Database;
import dev.tuneup.store.StoreConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AdminCommandTest {
  @TempDir Path dir;

  private String run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new Main()).execute(args);
      assertThat(code).as("exit code of " + String.join(" ", args)).isZero();
    } finally {
      System.setOut(saved);
    }
    return out.toString(StandardCharsets.UTF_8).trim();
  }

  private Caller authenticate(String key, String workspace) {
    try (Database db = Database.open(new StoreConfig("", "", "", 1, dir))) {
      return new AccountService(db.accounts(), Clock.systemUTC()).authenticate(key, workspace);
    }
  }

  @Test
  void create_user_prints_a_working_key_and_workspaces_take_members() {
    String created = run("admin", "--data-dir", dir.toString(), "create-user", "carol");
    String key = created.split("\\s+")[0];
    String userId = created.replaceAll(".*user (u-[0-9a-f]+).*", "$1");
    assertThat(key).startsWith("sk-");
    assertThat(authenticate(key, null).userId()).isEqualTo(userId);

    String ws = run("admin", "--data-dir", dir.toString(), "create-workspace", "team");
    run("admin", "--data-dir", dir.toString(), "add-member", ws, userId);
    assertThat(authenticate(key, ws).workspaceId()).isEqualTo(ws);

    String second = run("admin", "--data-dir", dir.toString(), "create-key", userId);
    assertThat(authenticate(second, null).userId()).isEqualTo(userId);
    assertThat(run("admin", "--data-dir", dir.toString(), "users")).contains("carol");
    assertThat(run("admin", "--data-dir", dir.toString(), "keys", userId).lines()).hasSize(3);
  }

  @Test
  void an_admin_error_exits_non_zero_with_a_message() {
    int code =
        new CommandLine(new Main())
            .execute("admin", "--data-dir", dir.toString(), "add-member", "ws-nope", "u-nope");
    assertThat(code).isEqualTo(1);
  }
}
