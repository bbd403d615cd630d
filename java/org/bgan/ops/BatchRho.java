package org.bgan.ops;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * ρ batch averaging (eq. 11 of Lucas et al. 2018): {@code ρ(x) = (1/B) Σ_b x_b}, per feature.
 *
 * <p>The input holds {@code groups} independent sets of {@code B} elements each, stacked along
 * axis 0: shape {@code [groups·B, d1, ..., dk]}, set g at rows {@code [g·B, (g+1)·B)}. The output
 * has shape {@code [groups, d1, ..., dk]}: the mean of each set. This is the only interaction
 * between the elements of a set in a permutation-invariant discriminator.
 */
public final class BatchRho {
  public static final String OP_NAME = "BatchRho";

  private BatchRho() {}

  /**
   * @param x rank ≥ 2, static feature dimensions; the leading dimension, if static, must be a
   *     multiple of {@code groups}
   * @param groups number of sets stacked in {@code x}, ≥ 1
   */
  public static Operand<TFloat32> create(Ops tf, Operand<TFloat32> x, int groups) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() < 2) {
      throw new IllegalArgumentException(OP_NAME + ": input must have rank >= 2 (batch, features...), got " + s);
    }
    if (groups < 1) {
      throw new IllegalArgumentException(OP_NAME + ": groups must be >= 1, got " + groups);
    }
    long n = s.size(0);
    if (n != Shape.UNKNOWN_SIZE && n % groups != 0) {
      throw new IllegalArgumentException(OP_NAME + ": batch " + n + " is not a multiple of groups " + groups);
    }
    for (int i = 1; i < s.numDimensions(); i++) {
      if (s.size(i) == Shape.UNKNOWN_SIZE) {
        throw new IllegalArgumentException(OP_NAME + ": feature dimensions must be static, got " + s);
      }
    }
    Ops t = tf.withSubScope(OP_NAME);
    if (s.numDimensions() == 2 && n != Shape.UNKNOWN_SIZE) {
      // [groups, N] · [N, d]: one product, whose gradient is one product too (the reshape-and-mean
      // form below costs a reshape, a mean and, in the gradient, a tile, a division and reshapes).
      return t.linalg.matMul(setAverages(t, groups, n), x);
    }
    long[] grouped = new long[s.numDimensions() + 1];
    grouped[0] = groups;
    grouped[1] = -1;
    for (int i = 1; i < s.numDimensions(); i++) {
      grouped[i + 1] = s.size(i);
    }
    Operand<TFloat32> g = t.reshape(x, t.constant(grouped));
    return t.math.mean(g, t.constant(1));
  }

  /**
   * The constant [groups, n] matrix with 1/B where row g meets the rows of set g (B = n / groups), 0
   * elsewhere: left-multiplying a [n, d] batch by it gives each set's mean; its transpose, scaled,
   * broadcasts one row per set back over the set's members.
   */
  public static Operand<TFloat32> setAverages(Ops tf, int groups, long n) {
    if (groups < 1 || n < 1 || n % groups != 0 || n * groups > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(OP_NAME + ": cannot average " + n + " rows in " + groups + " sets");
    }
    long b = n / groups;
    float[] a = new float[(int) (groups * n)];
    for (int g = 0; g < groups; g++) {
      java.util.Arrays.fill(a, (int) (g * n + g * b), (int) (g * n + (g + 1) * b), (float) (1.0 / b));
    }
    return tf.constant(Shape.of(groups, n), org.tensorflow.ndarray.buffer.DataBuffers.of(a));
  }
}
