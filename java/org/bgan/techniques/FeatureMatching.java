package org.bgan.techniques;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Feature matching (Salimans et al. 2016, §3.1; SPEC §6): the generator's loss is
 *
 * <pre>  || E_x f(x) − E_z f(G(z)) ||²</pre>
 *
 * the squared Euclidean distance between the mean activations of the discriminator's last hidden
 * layer on a real batch and on a generated batch (batch means stand for the expectations). It
 * replaces the generator's loss of the standard GAN; the discriminator keeps its own. (Salimans et
 * al.'s code averages the squared differences over the A features instead of summing them: the same
 * loss up to the constant factor 1/A.)
 */
public final class FeatureMatching {
  private FeatureMatching() {}

  /** {@code Σ_a (mean_b fReal[b, a] − mean_b fFake[b, a])²} for features [B, A] (or [B, ...], flattened). */
  public static Operand<TFloat32> loss(Ops tf, Operand<TFloat32> fReal, Operand<TFloat32> fFake) {
    Ops s = tf.withSubScope("FeatureMatching");
    Operand<TFloat32> d = s.math.sub(s.math.mean(flat(s, fReal), s.constant(0)), s.math.mean(flat(s, fFake), s.constant(0)));
    return s.reduceSum(s.math.mul(d, d), s.constant(0));
  }

  private static Operand<TFloat32> flat(Ops s, Operand<TFloat32> f) {
    if (f.shape().numDimensions() == 2) {
      return f;
    }
    if (f.shape().hasUnknownDimension() || f.shape().numDimensions() < 2) {
      throw new IllegalArgumentException("feature matching: features need a static shape [B, ...], got " + f.shape());
    }
    long a = f.shape().size() / f.shape().size(0);
    return s.reshape(f, s.constant(new long[] {-1, a}));
  }
}
