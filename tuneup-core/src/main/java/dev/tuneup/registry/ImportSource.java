package dev.tuneup.registry;

import java.util.Locale;
import java.util.Optional;

/** Where an import takes its files from. */
public enum ImportSource {
  /** A Hugging Face model repository, through the hub's HTTP file API. */
  HUB("huggingface"),
  /** A directory on the server's file system. */
  PATH("path");

  private final String wire;

  ImportSource(String wire) {
    this.wire = wire;
  }

  /** The request spelling ({@code huggingface}, {@code path}); answers carry it upper case. */
  public String wire() {
    return wire;
  }

  public static Optional<ImportSource> fromWire(String s) {
    if (s == null) {
      return Optional.empty();
    }
    String lower = s.toLowerCase(Locale.ROOT);
    for (ImportSource v : values()) {
      if (v.wire.equals(lower) || (v == HUB && (lower.equals("hub") || lower.equals("hf")))) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }
}
