package org.bgan.techniques;

import org.bgan.ops.MixingRatio;
import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * mixup for the discriminator (Zhang, Cisse, Dauphin &amp; Lopez-Paz, "mixup: beyond empirical risk
 * minimization", ICLR 2018, §3.5; compared in the BGAN paper's Fig. 3; SPEC §6): D is trained on
 * {@code λ_i x_i + (1 − λ_i) x~_i} with target {@code λ_i}, {@code λ_i ~ Beta(α, α)} per sample,
 * under the binary cross-entropy: {@code mean_i [λ_i·softplus(−o_i) + (1 − λ_i)·softplus(o_i)]}.
 * The generator keeps the standard loss on its own samples.
 */
public final class Mixup {
  /** α of the mixup paper's GAN experiment (its Fig. 5, the 2-D Gaussian mixtures). */
  public static final float DEFAULT_ALPHA = 0.2f;

  private Mixup() {}

  /** λ ~ Beta(α, α), shape [batch], drawn statelessly from {@code seed}. */
  public static Operand<TFloat32> lambdas(Ops tf, Operand<TInt64> seed, int batch, float alpha) {
    return MixingRatio.beta(tf.withSubScope("Mixup"), seed, batch, alpha, alpha);
  }

  /** {@code λ_i x_i + (1 − λ_i) x~_i}, λ [B] broadcast over the feature axes. */
  public static Operand<TFloat32> mix(Ops tf, Operand<TFloat32> real, Operand<TFloat32> fake, Operand<TFloat32> lambda) {
    Ops s = tf.withSubScope("Mixup");
    int rank = real.shape().numDimensions();
    long[] shape = new long[rank];
    java.util.Arrays.fill(shape, 1L);
    shape[0] = -1;
    Operand<TFloat32> l = s.reshape(lambda, s.constant(shape));
    return s.math.add(s.math.mul(l, real), s.math.mul(s.math.sub(s.constant(1f), l), fake));
  }

  /** {@code mean_i [λ_i·softplus(−o_i) + (1 − λ_i)·softplus(o_i)]}: cross-entropy to the soft targets λ. */
  public static Operand<TFloat32> discriminatorLoss(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> lambda) {
    Ops s = tf.withSubScope("MixupDiscriminatorLoss");
    Operand<TFloat32> ce = s.math.add(s.math.mul(lambda, s.math.softplus(s.math.neg(logits))),
        s.math.mul(s.math.sub(s.constant(1f), lambda), s.math.softplus(logits)));
    return s.math.mean(ce, s.constant(0));
  }

  /** The seed of a step's λ draw. */
  public static Operand<TInt64> seed(Ops tf, Operand<TInt64> stepSeed) {
    return Seeds.derive(tf, stepSeed, Seeds.salt("d/mixup_lambda"));
  }
}
