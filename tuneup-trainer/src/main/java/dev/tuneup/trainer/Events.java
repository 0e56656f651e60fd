package dev.tuneup.trainer;

import dev.tuneup.contract.TrainerEvent;
import dev.tuneup.contract.TrainerEventCodec;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * Writes contract events: each one JSON line, to stdout and appended to the events file, whole line
 * per write and flushed, so a reader never sees half an event. Thread-safe.
 */
public final class Events implements AutoCloseable {

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

  /** The time to stamp on the next event. */
  public Instant now() {
    return clock.instant();
  }

  /** Emits one event, encoded by the contract's codec. */
  public synchronized void emit(TrainerEvent event) {
    String line = TrainerEventCodec.encode(event) + "\n";
    try {
      file.write(line.getBytes(StandardCharsets.UTF_8));
      file.flush();
    } catch (IOException ex) {
      System.err.println("cannot append event to events file: " + ex.getMessage());
    }
    out.print(line);
    out.flush();
  }

  public void log(String level, String message) {
    emit(new TrainerEvent.Log(now(), level, message));
  }

  @Override
  public synchronized void close() throws IOException {
    file.close();
  }
}
