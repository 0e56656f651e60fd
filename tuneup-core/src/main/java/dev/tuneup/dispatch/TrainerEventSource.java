package dev.tuneup.dispatch;

import dev.tuneup.contract.TrainerEvent;
import java.nio.file.Path;
import java.util.List;

/** Reads a trainer's events file incrementally. */
public interface TrainerEventSource {
  /**
   * Events of the complete lines after byte {@code offset}. A partly written last line is left for
   * the next read.
   */
  Batch read(Path eventsFile, long offset);

  /** Events read and the offset just past the last complete line. */
  record Batch(List<TrainerEvent> events, long nextOffset) {
    public Batch {
      events = List.copyOf(events);
    }
  }
}
