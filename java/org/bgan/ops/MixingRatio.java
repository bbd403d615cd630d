package org.bgan.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.StatelessRandomGetKeyCounter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The mixing ratio {@code p} of a mixed batch (SPEC §1, paper §4.2 and §9), one per set.
 *
 * <ul>
 *   <li>Batch smoothing-γ: {@code p ~ U([0, γ] ∪ [1−γ, 1])}. With {@code u ~ U[0,1)}:
 *       {@code p = 2γu} if {@code u < 1/2}, else {@code 1 − 2γ(1−u)}. γ = 1/2 gives U[0,1]
 *       (eq. 4); γ = 0 gives p ∈ {0, 1} with probability 1/2 each (pure batches).
 *   <li>Beta(a, b): {@code p = X/(X+Y)}, X ~ Gamma(a), Y ~ Gamma(b).
 * </ul>
 * Both are stateless: the same seed gives the same ratios.
 */
public final class MixingRatio {
  public static final String OP_NAME = "MixingRatio";

  private MixingRatio() {}

  /** Batch smoothing-γ prior; {@code gamma} in [0, 0.5]. Output shape [groups]. */
  public static Operand<TFloat32> smoothing(Ops tf, Operand<TInt64> seed, int groups, float gamma) {
    if (!(gamma >= 0f && gamma <= 0.5f)) {
      throw new IllegalArgumentException(OP_NAME + ": gamma must be in [0, 0.5], got " + gamma);
    }
    checkGroups(groups);
    Ops t = tf.withSubScope(OP_NAME);
    Operand<TFloat32> u = t.random.statelessRandomUniform(t.constant(new int[] {groups}), seed, TFloat32.class);
    Operand<TFloat32> twoGamma = t.constant(2f * gamma);
    Operand<TFloat32> low = t.math.mul(twoGamma, u);
    Operand<TFloat32> high = t.math.sub(t.constant(1f), t.math.mul(twoGamma, t.math.sub(t.constant(1f), u)));
    return t.select(t.math.less(u, t.constant(0.5f)), low, high);
  }

  /** Beta(a, b) prior; a, b > 0. Output shape [groups]. */
  public static Operand<TFloat32> beta(Ops tf, Operand<TInt64> seed, int groups, float a, float b) {
    if (!(a > 0f && b > 0f)) {
      throw new IllegalArgumentException(OP_NAME + ": Beta parameters must be positive, got " + a + ", " + b);
    }
    checkGroups(groups);
    Ops t = tf.withSubScope(OP_NAME);
    Operand<TFloat32> x = gamma(t, Seeds.derive(t, seed, 1), groups, a);
    Operand<TFloat32> y = gamma(t, Seeds.derive(t, seed, 2), groups, b);
    return t.math.div(x, t.math.add(x, y));
  }

  private static Operand<TFloat32> gamma(Ops t, Operand<TInt64> seed, int groups, float alpha) {
    StatelessRandomGetKeyCounter kc = t.random.statelessRandomGetKeyCounter(seed);
    Operand<TInt32> alg = t.constant(1); // Philox, as the key/counter above
    Operand<TFloat32> g = t.random.statelessRandomGamma(
        t.constant(new int[] {groups}), kc.key(), kc.counter(), alg, t.constant(alpha));
    // Guard against 0/0 when both draws underflow (tiny a and b): fall back to 1/2.
    return t.math.maximum(g, t.constant(Float.MIN_NORMAL));
  }

  private static void checkGroups(int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException(OP_NAME + ": groups must be >= 1, got " + groups);
    }
  }
}
