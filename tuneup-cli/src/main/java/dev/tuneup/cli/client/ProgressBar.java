package dev.tuneup.cli.client;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line: on a terminal one line redrawn in place, elsewhere a plain line whenever the
 * text changes (so logs and scripts get readable lines, not carriage returns).
 */
public final class ProgressBar {
  private static final int WIDTH = 24;

  private final PrintStream out;
  private final boolean terminal;
  private String last = "";

  public ProgressBar(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** E.g. {@code [######------------------] 25% step 30/120 loss 1.2345 ETA 1m05s}. */
  public static String training(int step, int total, Double loss, Long etaSeconds) {
    StringBuilder b = new StringBuilder(bar(total > 0 ? (double) step / total : 0));
    b.append(String.format(Locale.ROOT, " step %d/%s", step, total > 0 ? total : "?"));
    if (loss != null) {
      b.append(String.format(Locale.ROOT, " loss %.4f", loss));
    }
    if (etaSeconds != null) {
      b.append(" ETA ").append(duration(etaSeconds));
    }
    return b.toString();
  }

  /** E.g. {@code [########################] 100% 1.2 MB / 1.2 MB}. */
  public static String bytes(long sent, long total) {
    return bar(total > 0 ? (double) sent / total : 1) + " " + size(sent) + " / " + size(total);
  }

  static String bar(double fraction) {
    double f = Math.max(0, Math.min(1, fraction));
    int filled = (int) Math.round(f * WIDTH);
    return "["
        + "#".repeat(filled)
        + "-".repeat(WIDTH - filled)
        + "] "
        + String.format(Locale.ROOT, "%3d%%", (int) Math.floor(f * 100));
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
  }

  /** Shows {@code text} if it changed. */
  public synchronized void show(String text) {
    if (text.equals(last)) {
      return;
    }
    if (terminal) {
      out.print("\r\033[K" + text);
    } else {
      out.println(text);
    }
    out.flush();
    last = text;
  }

  /** Ends the line on a terminal. */
  public synchronized void done() {
    if (terminal && !last.isEmpty()) {
      out.println();
      out.flush();
    }
  }
}
