package dev.tuneup.server.http;

import java.util.LinkedHashMap;

/** An ordered JSON object that drops null values, for wire shapes where absent means "none". */
public final class Obj extends LinkedHashMap<String, Object> {
  public static Obj of() {
    return new Obj();
  }

  /** Puts the value unless it is null. */
  public Obj with(String key, Object value) {
    if (value != null) {
      put(key, value);
    }
    return this;
  }

  /** Puts the value even if it is null (fields the wire shape always carries). */
  public Obj always(String key, Object value) {
    put(key, value);
    return this;
  }
}
