package dev.tuneup.job;

import java.util.Arrays;
import java.util.Optional;

/** How a job trains: all weights ({@code sft}) or LoRA adapters ({@code efficient_sft}). */
public enum TrainingType {
  SFT("sft"),
  EFFICIENT_SFT("efficient_sft");

  private final String wire;

  TrainingType(String wire) {
    this.wire = wire;
  }

  /** The exact string on the wire and in the trainer spec. */
  public String wire() {
    return wire;
  }

  public static Optional<TrainingType> fromWire(String value) {
    return Arrays.stream(values()).filter(t -> t.wire.equals(value)).findFirst();
  }
}
