package dev.tuneup.server.dashscope;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * DashScope's time formats: jobs and files {@code YYYY-MM-DD HH:MM:SS}; checkpoints ISO; model
 * imports ISO with milliseconds and offset.
 */
public final class WireTime {
  private static final DateTimeFormatter PLAIN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
  private static final DateTimeFormatter ISO_OFFSET =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");

  private final ZoneId zone;

  public WireTime(ZoneId zone) {
    this.zone = zone;
  }

  public String plain(Instant t) {
    return t == null ? null : PLAIN.format(t.atZone(zone));
  }

  public String iso(Instant t) {
    return t == null ? null : ISO.format(t.atZone(zone));
  }

  /** ISO 8601 with milliseconds and offset, {@code 2024-01-01T12:00:00.000+00:00} (imports). */
  public String isoOffset(Instant t) {
    return t == null ? null : ISO_OFFSET.format(t.atZone(zone));
  }
}
