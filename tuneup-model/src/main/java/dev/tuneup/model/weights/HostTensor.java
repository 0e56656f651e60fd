package dev.tuneup.model.weights;

import java.util.Arrays;

/**
 * A float32 tensor held in Java memory: its shape and its values in row-major order.
 *
 * @param shape the dimensions, outermost first
 * @param data the values; {@code data.length} equals the product of {@code shape}
 */
public record HostTensor(long[] shape, float[] data) {
  public HostTensor {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
    }
  }
}
