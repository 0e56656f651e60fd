package dev.tuneup.job;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** The shape of a job log line: {@code 2026-11-28 16:50:01,123 - INFO - message}. */
public final class LogLines {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

  private LogLines() {}

  public static String format(Instant time, ZoneId zone, String level, String message) {
    return TIME.format(time.atZone(zone)) + " - " + level + " - " + message;
  }
}
