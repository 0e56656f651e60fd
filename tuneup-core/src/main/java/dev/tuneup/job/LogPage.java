package dev.tuneup.job;

import java.util.List;

/** A slice of a job's log: {@code total} lines exist; {@code lines} are the requested ones. */
public record LogPage(long total, List<String> lines) {
  public LogPage {
    lines = List.copyOf(lines);
  }
}
