package org.bgan.techniques;

import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Instance noise (Arjovsky & Bottou 2017; Sønderby et al. 2017): Gaussian noise added to every sample
 * the discriminator sees, so that the real and generated distributions overlap and D's gradients stay
 * informative; its standard deviation is annealed linearly to 0:
 * {@code σ(step) = σ0 · max(0, 1 − step / T)}. The step is read from the run's seed
 * {@code [train.seed, counter]}, {@code counter = step·(n_disc + 1) + k}, so no extra input is fed and
 * a resumed run adds exactly the noise the uninterrupted one would have.
 */
public final class InstanceNoise {
  private InstanceNoise() {}

  /** σ at the step encoded in {@code stepSeed} (int64[2]). */
  public static Operand<TFloat32> sigma(Ops tf, Operand<TInt64> stepSeed, int nDisc, float sigma0, long annealSteps) {
    Ops s = tf.withSubScope("InstanceNoiseSigma");
    Operand<TInt64> counter = s.reshape(s.slice(stepSeed, s.constant(new int[] {1}), s.constant(new int[] {1})),
        s.constant(new long[0]));
    Operand<TFloat32> step = s.dtypes.cast(s.math.floorDiv(counter, s.constant((long) nDisc + 1)), TFloat32.class);
    Operand<TFloat32> frac = s.math.maximum(s.constant(0f), s.math.sub(s.constant(1f), s.math.div(step, s.constant((float) annealSteps))));
    return s.math.mul(s.constant(sigma0), frac);
  }

  /** {@code x + σ · ε}, ε ~ N(0, I) drawn from {@code seed} (stateless). */
  public static Operand<TFloat32> add(Ops tf, Operand<TFloat32> x, Operand<TFloat32> sigma, Operand<TInt64> seed) {
    Ops s = tf.withSubScope("InstanceNoise");
    // The shape as a constant (or cut off from the gradient): the noise must not be a path from the
    // loss back to x, and the random op has no gradient.
    Operand<? extends org.tensorflow.types.family.TNumber> shape = x.shape().hasUnknownDimension()
        ? s.stopGradient(s.shape(x))
        : s.constant(x.shape().asArray());
    Operand<TFloat32> eps = s.random.statelessRandomNormal(shape, seed, TFloat32.class);
    return s.math.add(x, s.math.mul(eps, sigma));
  }

  /** The seed of the noise of one view ("d" or "g") of a step. */
  public static Operand<TInt64> seed(Ops tf, Operand<TInt64> stepSeed, String view) {
    return Seeds.derive(tf, stepSeed, Seeds.salt(view + "/instance_noise"));
  }
}
