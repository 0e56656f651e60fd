package dev.tuneup.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsBlobStoreTest {
  private static final Instant NOW = Instant.parse("2026-03-14T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path root;

  @Test
  void committed_temp_file_becomes_the_blob_and_leaves_no_temp_behind() throws Exception {
    FsBlobStore blobs = new FsBlobStore(root, CLOCK);
    Path temp = blobs.newTempFile();
    Files.writeString(temp, "{\"messages\":[]}\n");

    blobs.commit(temp, "file-ft-1");

    assertThat(blobs.path("file-ft-1")).isEqualTo(root.resolve("file-ft-1"));
    assertThat(Files.readString(blobs.path("file-ft-1"), StandardCharsets.UTF_8))
        .isEqualTo("{\"messages\":[]}\n");
    assertThat(temp).doesNotExist();
    assertThat(root.resolve(".tmp")).isEmptyDirectory();
  }

  @Test
  void temp_files_are_made_under_the_blob_root() throws Exception {
    FsBlobStore blobs = new FsBlobStore(root, CLOCK);

    Path temp = blobs.newTempFile();

    assertThat(temp.getParent()).isEqualTo(root.resolve(".tmp"));
    assertThat(temp).exists();
  }

  @Test
  void stale_temp_files_are_removed_at_start_and_recent_ones_kept() throws Exception {
    Path tmp = Files.createDirectories(root.resolve(".tmp"));
    Path stale = Files.writeString(tmp.resolve("upload-1.part"), "half");
    Files.setLastModifiedTime(stale, FileTime.from(NOW.minus(Duration.ofHours(2))));
    Path recent = Files.writeString(tmp.resolve("upload-2.part"), "in flight");
    Files.setLastModifiedTime(recent, FileTime.from(NOW.minus(Duration.ofMinutes(5))));
    Path blob = Files.writeString(root.resolve("file-ft-old"), "kept");
    Files.setLastModifiedTime(blob, FileTime.from(NOW.minus(Duration.ofDays(30))));

    new FsBlobStore(root, CLOCK);

    assertThat(stale).doesNotExist();
    assertThat(recent).exists();
    assertThat(blob).exists();
  }

  @Test
  void ids_that_could_leave_the_blob_root_are_rejected() {
    FsBlobStore blobs = new FsBlobStore(root, CLOCK);

    for (String bad : new String[] {"../etc/passwd", "..", ".tmp", "a/b", "", "/abs", "a\\b"}) {
      assertThatThrownBy(() -> blobs.path(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> blobs.path(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deleting_removes_the_blob_and_a_missing_blob_is_no_error() throws Exception {
    FsBlobStore blobs = new FsBlobStore(root, CLOCK);
    Path temp = blobs.newTempFile();
    blobs.commit(temp, "file-ft-1");

    blobs.delete("file-ft-1");
    blobs.delete("file-ft-1");

    assertThat(root.resolve("file-ft-1")).doesNotExist();
  }
}
