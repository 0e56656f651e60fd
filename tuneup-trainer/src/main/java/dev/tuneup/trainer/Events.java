package dev.tuneup.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Writes contract events: each one JSON line, to stdout and appended to the events file, whole line
 * per write and flushed, so a reader never sees half an event. Thread-safe.
 */
public final class Events implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;
  private final FileOutputStream file;
  private final Clock clock;

  public Events(PrintStream out, Path eventsFile, Clock clock) throws IOException {
    this.out = out;
    if (eventsFile.getParent() != null) {
      Files.createDirectories(eventsFile.getParent());
    }
    this.file = new FileOutputStream(eventsFile.toFile(), true);
    this.clock = clock;
  }

  /** Emits an event of {@code type} whose fields {@code fill} sets. */
  public synchronized void emit(String type, Consumer<ObjectNode> fill) {
    ObjectNode e = JSON.createObjectNode();
    e.put("type", type);
    e.put("time", clock.instant().toString());
    fill.accept(e);
    String line;
    try {
      line = JSON.writeValueAsString(e) + "\n";
      file.write(line.getBytes(StandardCharsets.UTF_8));
      file.flush();
    } catch (IOException ex) {
      System.err.println("cannot append event to events file: " + ex.getMessage());
      line = e + "\n";
    }
    out.print(line);
    out.flush();
  }

  public void log(String level, String message) {
    emit("log", e -> e.put("level", level).put("message", message));
  }

  @Override
  public synchronized void close() throws IOException {
    file.close();
  }
}
