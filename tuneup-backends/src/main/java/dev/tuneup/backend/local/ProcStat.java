package dev.tuneup.backend.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** What Linux says of a process in {@code /proc/<pid>/stat}. */
record ProcStat(long pid, char state, long pgrp, long startTime) {

  boolean zombie() {
    return state == 'Z' || state == 'X';
  }

  /** The process, or empty if there is none with that PID. */
  static Optional<ProcStat> of(long pid) {
    try {
      return Optional.of(
          parse(pid, Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Every live (non-zombie) process of a process group. */
  static List<ProcStat> group(long pgrp) {
    List<ProcStat> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs.forEach(
          p -> {
            String name = p.getFileName().toString();
            if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
              of(Long.parseLong(name))
                  .filter(s -> s.pgrp() == pgrp && !s.zombie())
                  .ifPresent(out::add);
            }
          });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return out;
  }

  /**
   * Parses a stat line. The command name (field 2) is in parentheses and may itself contain spaces
   * and parentheses, so fields are counted from the last ')'.
   */
  static ProcStat parse(long pid, String stat) {
    String rest = stat.substring(stat.lastIndexOf(')') + 2);
    String[] f = rest.trim().split(" ");
    // rest starts at field 3 (state): f[0]=state, f[2]=pgrp, f[19]=starttime (field 22)
    return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[19]));
  }
}
