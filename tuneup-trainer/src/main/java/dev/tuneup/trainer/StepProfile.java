package dev.tuneup.trainer;

/**
 * Where a run's time went, in nanoseconds, for the summary the trainer prints on stderr at the end.
 * On two CPU cores most of a small job's time is per-step overhead rather than arithmetic, and this
 * split is what shows which.
 */
final class StepProfile {
  long steps;
  long step;
  long forward;
  long backward;
  long clip;
  long optimizer;
  long checkpoint;
  long eval;
  long output;
  long wall;

  String describe(long tokens) {
    return String.format(
        "time split over %d steps (%.1f s, %.0f tokens/s): step %.1f s = forward %.1f s +"
            + " backward %.1f s + clipping %.2f s + optimizer %.2f s + other %.2f s; checkpoints"
            + " %.2f s, evaluation %.2f s, output %.2f s, outside steps %.2f s",
        steps,
        wall / 1e9,
        tokens / Math.max(wall / 1e9, 1e-9),
        step / 1e9,
        forward / 1e9,
        backward / 1e9,
        clip / 1e9,
        optimizer / 1e9,
        (step - forward - backward - clip - optimizer) / 1e9,
        checkpoint / 1e9,
        eval / 1e9,
        output / 1e9,
        (wall - step - checkpoint - eval - output) / 1e9);
  }
}
