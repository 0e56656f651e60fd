package dev.tuneup.registry;

import java.util.Locale;
import java.util.Optional;

/** What an imported directory holds: all weights of a model, or a LoRA adapter on a base. */
public enum WeightType {
  FULL("full"),
  LORA("lora");

  private final String wire;

  WeightType(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<WeightType> fromWire(String s) {
    if (s == null) {
      return Optional.empty();
    }
    for (WeightType v : values()) {
      if (v.wire.equals(s.toLowerCase(Locale.ROOT))) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }
}
