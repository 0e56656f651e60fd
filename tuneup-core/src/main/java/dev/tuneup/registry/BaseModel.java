package dev.tuneup.registry;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A base model: an id and a Hugging Face layout directory, visible to every user.
 *
 * @param source where it came from: {@link #CONFIGURED} for {@code models.<id>.path}, {@code path}
 *     for a directory registered with {@code models add}, {@code hub:<repo>@<commit>} for a {@code
 *     models pull}
 * @param registeredAt when it was registered, null for a configured one
 */
public record BaseModel(String id, Path path, String source, Instant registeredAt) {
  /** The source of a model named in the configuration. */
  public static final String CONFIGURED = "config";

  /** A model from the configuration. */
  public BaseModel(String id, Path path) {
    this(id, path, CONFIGURED, null);
  }

  /** Whether it was registered at run time (and can be removed the same way). */
  public boolean registered() {
    return !CONFIGURED.equals(source);
  }
}
