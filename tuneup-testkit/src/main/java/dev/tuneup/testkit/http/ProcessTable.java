package dev.tuneup.testkit.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads /proc to see which processes of a group are alive, the way a user would with ps. */
public final class ProcessTable {
  private ProcessTable() {}

  /** PIDs of live (non-zombie) processes whose process group is {@code pgid}. */
  public static List<Long> group(long pgid) {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String stat = Files.readString(p.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          // f[0] = state, f[1] = ppid, f[2] = pgrp
          if (!f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
            out.add(Long.parseLong(name));
          }
        } catch (IOException | RuntimeException ignored) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The PID in a local run handle such as {@code local:1234:5678}. */
  public static long pidOf(String handle) {
    String[] parts = handle.split(":");
    return Long.parseLong(parts[1]);
  }
}
