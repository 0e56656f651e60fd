package dev.tuneup.common;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random identifiers. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** {@code prefix} followed by {@code bytes} random bytes in lower-case hex. */
  public static String random(String prefix, int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return prefix + HexFormat.of().formatHex(b);
  }
}
