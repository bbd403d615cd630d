package org.bgan.layers;

import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

/**
 * Inverted dropout (Srivastava et al. 2014) with stateless masks: each entry is kept with probability
 * {@code 1 − rate} and scaled by {@code 1/(1 − rate)}, so the expected activation is unchanged. The
 * mask of hidden layer {@code i} is drawn from {@code seed} and the layer index, so the same seed gives
 * the same masks (a resumed run draws what the uninterrupted one did) and two seeds give two
 * independent perturbations of one network (the CT-GAN consistency term).
 *
 * @param rate probability of dropping an entry, in [0, 1)
 * @param seed int64[2] stateless seed of this application of the network
 */
public record Dropout(float rate, Operand<TInt64> seed) {
  public Dropout {
    if (!(rate >= 0f && rate < 1f)) {
      throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
    }
  }

  /** {@code x ⊙ mask / (1 − rate)}, the mask of hidden layer {@code layer}. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int layer) {
    if (rate == 0f) {
      return x;
    }
    Ops s = tf.withSubScope("Dropout");
    // The shape cut off from the gradient: the mask is not a path from the loss back to x.
    Operand<? extends TNumber> shape = x.shape().hasUnknownDimension()
        ? s.stopGradient(s.shape(x))
        : s.constant(x.shape().asArray());
    Operand<TFloat32> u = s.random.statelessRandomUniform(shape,
        Seeds.derive(s, seed, Seeds.salt("dropout/" + layer)), TFloat32.class);
    Operand<TFloat32> keep = s.dtypes.cast(s.math.greaterEqual(u, s.constant(rate)), TFloat32.class);
    return s.math.mul(x, s.math.mul(keep, s.constant(1f / (1f - rate))));
  }
}
