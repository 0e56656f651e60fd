package dev.tuneup.model.config;

import java.lang.management.ManagementFactory;

/** The memory of this machine, or of its container where one limits it. */
public final class MachineMemory {
  private MachineMemory() {}

  /** Physical memory in bytes as the JVM sees it (a cgroup limit inside a container). */
  public static long total() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory() * 4;
  }
}
