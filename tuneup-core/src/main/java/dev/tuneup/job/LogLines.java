package dev.tuneup.job;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shape of a job log line: {@code 2026-11-28 16:50:01,123 - INFO - message}. */
public final class LogLines {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
  private static final Pattern LINE =
      Pattern.compile("^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}) - ([A-Z]+) - (.*)$");

  private LogLines() {}

  /** A log line taken apart. */
  public record Parsed(Instant time, String level, String message) {}

  public static String format(Instant time, ZoneId zone, String level, String message) {
    return TIME.format(time.atZone(zone)) + " - " + level + " - " + message;
  }

  /** The parts of a line written by {@link #format}; empty for any other line (markers). */
  public static Optional<Parsed> parse(String line, ZoneId zone) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      Instant t = LocalDateTime.parse(m.group(1), TIME).atZone(zone).toInstant();
      return Optional.of(new Parsed(t, m.group(2), m.group(3)));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
