package dev.tuneup.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tuneup.dispatch.TrainerEvent;
import dev.tuneup.dispatch.TrainerEventSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code events.jsonl} from a byte offset. Only lines ending in a newline are read: a trainer
 * appends whole lines, and a line still being written is left for the next read.
 */
public final class JsonlEventSource implements TrainerEventSource {
  /** Largest slice read at once; a busy trainer's backlog is consumed over several passes. */
  private static final int MAX_READ = 4 * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Batch read(Path eventsFile, long offset) {
    byte[] bytes;
    try (FileChannel ch = FileChannel.open(eventsFile, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size <= offset) {
        return new Batch(List.of(), offset);
      }
      int len = (int) Math.min(MAX_READ, size - offset);
      ByteBuffer buf = ByteBuffer.allocate(len);
      while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
        // keep reading until the slice is full
      }
      bytes = buf.array();
    } catch (NoSuchFileException e) {
      return new Batch(List.of(), offset);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + eventsFile, e);
    }
    int end = lastNewline(bytes);
    if (end < 0) {
      return new Batch(List.of(), offset);
    }
    List<TrainerEvent> events = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= end; i++) {
      if (bytes[i] == '\n') {
        String line = new String(bytes, start, i - start, StandardCharsets.UTF_8).strip();
        if (!line.isEmpty()) {
          events.add(parse(line));
        }
        start = i + 1;
      }
    }
    return new Batch(events, offset + end + 1);
  }

  private static int lastNewline(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** One line to an event; anything unreadable is kept as {@link TrainerEvent.Unknown}. */
  static TrainerEvent parse(String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException e) {
      return new TrainerEvent.Unknown(null, line);
    }
    if (n == null || !n.isObject()) {
      return new TrainerEvent.Unknown(null, line);
    }
    Instant time = time(n.get("time"));
    String type = n.path("type").asText("");
    return switch (type) {
      case "log" ->
          new TrainerEvent.Log(time, n.path("level").asText("INFO"), n.path("message").asText(""));
      case "progress" ->
          new TrainerEvent.Progress(
              time,
              n.path("step").asInt(),
              n.path("total_steps").asInt(),
              n.path("epoch").asDouble(),
              n.path("loss").asDouble(),
              n.path("lr").asDouble(),
              n.path("tokens").asLong(),
              n.path("tokens_per_second").asDouble(),
              n.path("eta_seconds").asDouble());
      case "eval" ->
          new TrainerEvent.Eval(time, n.path("step").asInt(), n.path("eval_loss").asDouble());
      case "checkpoint" ->
          new TrainerEvent.Checkpoint(time, n.path("step").asInt(), n.path("path").asText(""));
      case "done" ->
          new TrainerEvent.Done(time, n.path("output_dir").asText(null), n.path("tokens").asLong());
      case "stopped" ->
          new TrainerEvent.Stopped(
              time,
              n.path("step").asInt(),
              n.hasNonNull("checkpoint") ? n.get("checkpoint").asText() : null);
      case "error" -> new TrainerEvent.Error(time, n.path("message").asText("unknown error"));
      default -> new TrainerEvent.Unknown(time, line);
    };
  }

  private static Instant time(JsonNode n) {
    if (n == null || !n.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(n.asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
