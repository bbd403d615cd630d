package org.bgan.ops;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The Bernoulli mixing mask {@code β ∈ {0,1}^B} of a mixed batch (SPEC §1 step 2): each entry is 1
 * (take the real sample) with probability {@code p} of its set, independently. Output: float32 of
 * shape [groups, B] with entries 0 or 1.
 */
public final class MixingMask {
  public static final String OP_NAME = "MixingMask";

  private MixingMask() {}

  /** @param p mixing ratios, shape [groups] */
  public static Operand<TFloat32> create(Ops tf, Operand<TFloat32> p, int batchSize, Operand<TInt64> seed) {
    Shape ps = p.shape();
    if (ps.numDimensions() != 1 || ps.size(0) == Shape.UNKNOWN_SIZE) {
      throw new IllegalArgumentException(OP_NAME + ": p must be a vector of static length [groups], got " + ps);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException(OP_NAME + ": batch size must be >= 1, got " + batchSize);
    }
    long groups = ps.size(0);
    Ops t = tf.withSubScope(OP_NAME);
    Operand<TFloat32> u = t.random.statelessRandomUniform(
        t.constant(new long[] {groups, batchSize}), seed, TFloat32.class);
    Operand<TFloat32> pCol = t.expandDims(p, t.constant(1));
    return t.dtypes.cast(t.math.less(u, pCol), TFloat32.class);
  }
}
