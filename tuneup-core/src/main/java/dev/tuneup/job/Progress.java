package dev.tuneup.job;

/**
 * The latest training metrics reported by a job's trainer. Fields are null until the trainer
 * reported them.
 *
 * @param tokenAccuracy the latest training token accuracy
 * @param evalTokenAccuracy the latest validation token accuracy
 */
public record Progress(
    Integer step,
    Integer totalSteps,
    Double epoch,
    Double loss,
    Double evalLoss,
    Double learningRate,
    Double tokensPerSecond,
    Double etaSeconds,
    Double tokenAccuracy,
    Double evalTokenAccuracy) {

  public static final Progress NONE =
      new Progress(null, null, null, null, null, null, null, null, null, null);

  public Progress withTraining(
      int step,
      int totalSteps,
      double epoch,
      double loss,
      double lr,
      double tps,
      double eta,
      Double tokenAccuracy) {
    return new Progress(
        step, totalSteps, epoch, loss, evalLoss, lr, tps, eta, tokenAccuracy, evalTokenAccuracy);
  }

  public Progress withEval(double value, Double tokenAccuracy) {
    return new Progress(
        step,
        totalSteps,
        epoch,
        loss,
        value,
        learningRate,
        tokensPerSecond,
        etaSeconds,
        this.tokenAccuracy,
        tokenAccuracy);
  }
}
