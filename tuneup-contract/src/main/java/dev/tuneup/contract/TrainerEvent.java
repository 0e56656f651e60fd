package dev.tuneup.contract;

import java.time.Instant;

/**
 * One line of a trainer's {@code events.jsonl}, as described in docs/trainer-contract.md. {@link
 * TrainerEventCodec} is the one reader and writer of these lines, for every trainer runtime and for
 * the control plane.
 */
public sealed interface TrainerEvent {
  Instant time();

  /** A human line for the job's log. */
  record Log(Instant time, String level, String message) implements TrainerEvent {}

  /**
   * After an optimizer step.
   *
   * @param tokenAccuracy the share of labelled tokens whose argmax is the label, over the steps
   *     since the last progress event; {@code null} when the trainer does not report it
   */
  record Progress(
      Instant time,
      int step,
      int totalSteps,
      double epoch,
      double loss,
      double lr,
      long tokens,
      double tokensPerSecond,
      double etaSeconds,
      Double tokenAccuracy)
      implements TrainerEvent {}

  /**
   * After an evaluation over the whole validation set.
   *
   * @param evalTokenAccuracy as {@link Progress#tokenAccuracy()}, on the validation set
   */
  record Eval(Instant time, int step, double evalLoss, Double evalTokenAccuracy)
      implements TrainerEvent {}

  /** A complete checkpoint directory exists. */
  record Checkpoint(Instant time, int step, String path) implements TrainerEvent {}

  /** Training finished and the output is complete. */
  record Done(Instant time, String outputDir, long tokens) implements TrainerEvent {}

  /** SIGTERM honoured after a checkpoint. */
  record Stopped(Instant time, int step, String checkpoint) implements TrainerEvent {}

  /** A failure, with the reason. */
  record Error(Instant time, String message) implements TrainerEvent {}

  /** A line that is not a known event: kept in the log as it is. */
  record Unknown(Instant time, String line) implements TrainerEvent {}
}
