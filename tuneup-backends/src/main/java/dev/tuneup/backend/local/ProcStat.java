package dev.tuneup.backend.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What Linux says of a process in {@code /proc/<pid>/stat} (see proc(5)).
 *
 * @param state field 3: R, S, D, Z (zombie), X (dead), ...
 * @param pgrp field 5: the process group id
 * @param session field 6: the session id
 * @param startTime field 22: clock ticks after boot when the process started; with the PID it
 *     identifies one process for the life of the machine
 */
record ProcStat(long pid, char state, long pgrp, long session, long startTime) {

  /** A zombie has ended and only waits to be reaped: it runs nothing and counts as gone. */
  boolean ended() {
    return state == 'Z' || state == 'X';
  }

  /** The process, or empty if there is none with that PID. */
  static Optional<ProcStat> of(long pid) {
    try {
      return Optional.of(
          parse(pid, Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
    } catch (IOException | RuntimeException e) {
      // No such process, or it ended while we read.
      return Optional.empty();
    }
  }

  /** Every process of a process group that has not ended (zombies excluded). */
  static List<ProcStat> group(long pgrp) {
    List<ProcStat> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs.forEach(
          p -> {
            String name = p.getFileName().toString();
            if (!name.isEmpty()
                && name.length() < 19
                && name.chars().allMatch(Character::isDigit)) {
              of(Long.parseLong(name))
                  .filter(s -> s.pgrp() == pgrp && !s.ended())
                  .ifPresent(out::add);
            }
          });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: the local backend needs Linux", e);
    }
    return out;
  }

  /**
   * Parses a stat line. The command name (field 2) is in parentheses and may itself contain spaces
   * and parentheses, so fields are counted from the last ')'.
   */
  static ProcStat parse(long pid, String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc stat line: " + stat);
    }
    String[] f = stat.substring(close + 1).trim().split(" +");
    // f[0] is field 3 (state): f[2] = pgrp (5), f[3] = session (6), f[19] = starttime (22)
    return new ProcStat(
        pid, f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[19]));
  }
}
