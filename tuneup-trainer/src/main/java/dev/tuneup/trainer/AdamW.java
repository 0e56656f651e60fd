package dev.tuneup.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with DJL's native update kernel (the one {@code Optimizer.adamW()} calls), but with the
 * moments and the step count held here in the open: DJL's optimizer keeps them in private fields,
 * and a checkpoint must save and restore them for a resumed run to follow the same loss curve.
 *
 * <p>The kernel also zeroes each gradient it consumes, which is what makes gradient accumulation
 * over micro-batches work (PyTorch gradients add up until zeroed).
 */
final class AdamW {

  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private final NDManager manager;
  private final float weightDecay;
  private final Map<String, NDArray> means = new LinkedHashMap<>();
  private final Map<String, NDArray> variances = new LinkedHashMap<>();
  private int steps;

  AdamW(NDManager manager, float weightDecay) {
    this.manager = manager;
    this.weightDecay = weightDecay;
  }

  /** Applies one update to every parameter with {@code lr}, then counts the step. */
  void step(Map<String, NDArray> params, float lr) {
    steps++;
    double c1 = 1 - Math.pow(BETA1, steps);
    double c2 = 1 - Math.pow(BETA2, steps);
    float corrected = (float) (lr * Math.sqrt(c2) / c1);
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray w = e.getValue();
      NDArray g = w.getGradient();
      NDArray m = means.computeIfAbsent(e.getKey(), k -> zerosLike(w));
      NDArray v = variances.computeIfAbsent(e.getKey(), k -> zerosLike(w));
      w.getNDArrayInternal()
          .adamUpdate(
              new NDList(w, g, m, v),
              new NDList(w),
              corrected,
              lr,
              weightDecay,
              1f,
              -1f,
              BETA1,
              BETA2,
              EPSILON,
              true,
              true);
      // getGradient() wraps the grad in a new handle owned by the parameter's manager
      g.close();
    }
  }

  private NDArray zerosLike(NDArray w) {
    return manager.zeros(w.getShape());
  }

  int steps() {
    return steps;
  }

  /** Moments keyed {@code <param>.exp_avg} and {@code <param>.exp_avg_sq}, as torch names them. */
  Map<String, NDArray> state() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    means.forEach((k, v) -> out.put(k + ".exp_avg", v));
    variances.forEach((k, v) -> out.put(k + ".exp_avg_sq", v));
    return out;
  }

  /** Restores what {@link #state()} saved, with the number of steps taken. */
  void restore(Map<String, NDArray> state, int steps) {
    state.forEach(
        (k, v) -> {
          v.attach(manager);
          if (k.endsWith(".exp_avg_sq")) {
            variances.put(k.substring(0, k.length() - ".exp_avg_sq".length()), v);
          } else if (k.endsWith(".exp_avg")) {
            means.put(k.substring(0, k.length() - ".exp_avg".length()), v);
          }
        });
    this.steps = steps;
  }
}
