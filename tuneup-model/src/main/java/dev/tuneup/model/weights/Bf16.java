package dev.tuneup.model.weights;

/**
 * bfloat16 and float16 conversions done in Java, because DJL's PyTorch JNI aborts the JVM on any
 * BF16 tensor (see reference/djl-training.md): weights are widened to float32 on load and narrowed
 * on save.
 */
final class Bf16 {
  private Bf16() {}

  static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** Narrows with round-to-nearest-even, as torch does; NaN stays a quiet NaN. */
  static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** IEEE half precision to float (Java 17 has no Float.float16ToFloat). */
  static float f16ToFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0) {
      // subnormal or zero: value = mant * 2^-24
      float v = mant * 0x1.0p-24f;
      return sign == 0 ? v : -v;
    }
    if (exp == 31) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
}
