package dev.tuneup.contract;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The one codec of {@code events.jsonl} lines: trainers write with {@link #encode}, the control
 * plane reads with {@link #decode}. Field names are those of docs/trainer-contract.md.
 */
public final class TrainerEventCodec {
  private TrainerEventCodec() {}

  /** One event as one JSON line, without the newline. */
  public static String encode(TrainerEvent event) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (event instanceof TrainerEvent.Log e) {
      head(m, "log", e);
      m.put("level", e.level());
      m.put("message", e.message());
    } else if (event instanceof TrainerEvent.Progress e) {
      head(m, "progress", e);
      m.put("step", e.step());
      m.put("total_steps", e.totalSteps());
      m.put("epoch", e.epoch());
      m.put("loss", e.loss());
      m.put("lr", e.lr());
      m.put("tokens", e.tokens());
      m.put("tokens_per_second", e.tokensPerSecond());
      m.put("eta_seconds", e.etaSeconds());
      if (e.tokenAccuracy() != null) {
        m.put("token_accuracy", e.tokenAccuracy());
      }
    } else if (event instanceof TrainerEvent.Eval e) {
      head(m, "eval", e);
      m.put("step", e.step());
      m.put("eval_loss", e.evalLoss());
      if (e.evalTokenAccuracy() != null) {
        m.put("eval_token_accuracy", e.evalTokenAccuracy());
      }
    } else if (event instanceof TrainerEvent.Checkpoint e) {
      head(m, "checkpoint", e);
      m.put("step", e.step());
      m.put("path", e.path());
    } else if (event instanceof TrainerEvent.Done e) {
      head(m, "done", e);
      m.put("output_dir", e.outputDir());
      m.put("tokens", e.tokens());
    } else if (event instanceof TrainerEvent.Stopped e) {
      head(m, "stopped", e);
      m.put("step", e.step());
      m.put("checkpoint", e.checkpoint());
    } else if (event instanceof TrainerEvent.Error e) {
      head(m, "error", e);
      m.put("message", e.message());
    } else if (event instanceof TrainerEvent.Unknown e) {
      return e.line();
    } else {
      throw new IllegalStateException("bug: no encoding for " + event);
    }
    return Json.write(m);
  }

  private static void head(Map<String, Object> m, String type, TrainerEvent e) {
    m.put("type", type);
    m.put("time", e.time().toString());
  }

  /**
   * One line to an event. Anything unreadable (not JSON, not an object, an unknown {@code type})
   * becomes {@link TrainerEvent.Unknown} with the line as it is, so nothing a trainer writes is
   * lost from the log.
   *
   * @param now the time of events whose {@code time} is missing or unreadable
   */
  public static TrainerEvent decode(String line, Supplier<Instant> now) {
    Object parsed;
    try {
      parsed = Json.parse(line);
    } catch (IllegalArgumentException e) {
      return new TrainerEvent.Unknown(now.get(), line);
    }
    if (!(parsed instanceof Map<?, ?> n)) {
      return new TrainerEvent.Unknown(now.get(), line);
    }
    Instant time = time(n.get("time"), now);
    Object type = n.get("type");
    return switch (type instanceof String s ? s : "") {
      case "log" -> new TrainerEvent.Log(time, text(n, "level", "INFO"), text(n, "message", ""));
      case "progress" ->
          new TrainerEvent.Progress(
              time,
              (int) integer(n, "step"),
              (int) integer(n, "total_steps"),
              real(n, "epoch"),
              real(n, "loss"),
              real(n, "lr"),
              integer(n, "tokens"),
              real(n, "tokens_per_second"),
              real(n, "eta_seconds"),
              optionalReal(n, "token_accuracy"));
      case "eval" ->
          new TrainerEvent.Eval(
              time,
              (int) integer(n, "step"),
              real(n, "eval_loss"),
              optionalReal(n, "eval_token_accuracy"));
      case "checkpoint" ->
          new TrainerEvent.Checkpoint(time, (int) integer(n, "step"), text(n, "path", ""));
      case "done" -> new TrainerEvent.Done(time, text(n, "output_dir", null), integer(n, "tokens"));
      case "stopped" ->
          new TrainerEvent.Stopped(time, (int) integer(n, "step"), text(n, "checkpoint", null));
      case "error" -> new TrainerEvent.Error(time, text(n, "message", "unknown error"));
      default -> new TrainerEvent.Unknown(time, line);
    };
  }

  private static String text(Map<?, ?> n, String field, String fallback) {
    Object v = n.get(field);
    return v == null ? fallback : v.toString();
  }

  private static long integer(Map<?, ?> n, String field) {
    return n.get(field) instanceof Number x ? x.longValue() : 0;
  }

  private static double real(Map<?, ?> n, String field) {
    return n.get(field) instanceof Number x ? x.doubleValue() : 0;
  }

  private static Double optionalReal(Map<?, ?> n, String field) {
    return n.get(field) instanceof Number x ? x.doubleValue() : null;
  }

  /** ISO-8601 instant ({@code ...Z}) or with an offset ({@code ...+00:00}); else now. */
  private static Instant time(Object v, Supplier<Instant> now) {
    if (!(v instanceof String s)) {
      return now.get();
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e2) {
        return now.get();
      }
    }
  }
}
