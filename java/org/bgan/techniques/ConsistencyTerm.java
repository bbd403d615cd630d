package org.bgan.techniques;

import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The consistency term of CT-GAN (Wei, Gong, Liu, Lu &amp; Wang, "Improving the improved training of
 * Wasserstein GANs: a consistency term and its dual effect", ICLR 2018, eq. 4; SPEC §6):
 * {@code λ₂ · E_x max(0, d(D(x'), D(x''))/d(x', x'') − M')}, where x' and x'' are two stochastic
 * perturbations of a real sample x. As in the paper the perturbation is dropout in D's hidden layers
 * (two independent masks, the same input), so {@code d(x', x'')} is a constant the paper absorbs into
 * M' and λ₂; {@code d} on D's scalar outputs is the ℓ₂ distance {@code |D(x') − D(x'')|}.
 *
 * <p>Not included: the paper's extra term on the second-to-last layer ({@code 0.1·d(D_(x'), D_(x''))}),
 * and the authors' released code squares the differences; see docs/techniques.md.
 */
public final class ConsistencyTerm {
  /** λ₂ of the paper. */
  public static final float DEFAULT_WEIGHT = 2f;
  /** M' of the paper's experiments. */
  public static final float DEFAULT_MARGIN = 0.2f;
  /** Dropout rate of the authors' released code (keep probability 0.5). */
  public static final float DEFAULT_DROPOUT = 0.5f;

  private ConsistencyTerm() {}

  /** {@code weight · mean_i max(0, |d1_i − d2_i| − margin)} for two perturbed score vectors [B]. */
  public static Operand<TFloat32> term(Ops tf, Operand<TFloat32> d1, Operand<TFloat32> d2, float weight, float margin) {
    Ops s = tf.withSubScope("ConsistencyTerm");
    Operand<TFloat32> gap = s.math.sub(s.math.abs(s.math.sub(d1, d2)), s.constant(margin));
    Operand<TFloat32> hinge = s.math.maximum(gap, s.constant(0f));
    return s.math.mul(s.constant(weight), s.math.mean(hinge, s.constant(0)));
  }

  /** The dropout seed of perturbation {@code k} (1 or 2) of a step. */
  public static Operand<TInt64> seed(Ops tf, Operand<TInt64> stepSeed, int k) {
    return Seeds.derive(tf, stepSeed, Seeds.salt("d/consistency_dropout_" + k));
  }
}
