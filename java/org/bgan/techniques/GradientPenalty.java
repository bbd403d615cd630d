package org.bgan.techniques;

import java.util.List;
import java.util.function.Function;
import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The gradient penalty of WGAN-GP (Gulrajani et al. 2017, Algorithm 1; SPEC §6):
 * {@code λ · mean_i (||∇_x^ D(x^_i)||₂ − 1)²} at {@code x^_i = ε_i x_i + (1 − ε_i) x~_i},
 * {@code ε_i ~ U[0, 1]} per sample, drawn by a stateless op from the step's seed. On the WGAN critic
 * loss it is WGAN-GP; on the standard GAN loss it is the "GP" baseline of the BGAN paper's Table 1.
 *
 * <p>D must score each sample alone (the gradient of {@code Σ_i D(x^_i)} w.r.t. {@code x^_i} is then
 * {@code ∇D(x^_i)}): it is defined for the standard GAN and WGAN, not for BGAN's set discriminators.
 * Training on the penalty differentiates the gradient: second-order gradients through D, from TF's
 * C++ gradient registry plus {@link SecondOrderGradients}.
 */
public final class GradientPenalty {
  /** The paper's λ. */
  public static final float DEFAULT_WEIGHT = 10f;
  /**
   * Added to the squared norm under the square root, so that the penalty's gradient is finite where
   * ∇D = 0 exactly (a ReLU critic with every unit off); changes the norm by at most 1e-6.
   */
  public static final float NORM_EPS = 1e-12f;

  /** The penalty and the mean gradient norm (for logs). */
  public record Result(Operand<TFloat32> penalty, Operand<TFloat32> meanNorm) {}

  private GradientPenalty() {}

  /** {@code ε x + (1 − ε) x~} with ε ~ U[0,1] per sample (shape [B, 1, ...]) drawn from {@code seed}. */
  public static Operand<TFloat32> interpolates(Ops tf, Operand<TFloat32> real, Operand<TFloat32> fake, Operand<TInt64> seed) {
    Ops s = tf.withSubScope("GradientPenaltyInterpolates");
    long[] dims = real.shape().asArray();
    long[] epsShape = new long[dims.length];
    java.util.Arrays.fill(epsShape, 1L);
    epsShape[0] = dims[0];
    Operand<TFloat32> eps = s.random.statelessRandomUniform(s.constant(epsShape), seed, TFloat32.class);
    return s.math.add(s.math.mul(eps, real), s.math.mul(s.math.sub(s.constant(1f), eps), fake));
  }

  /**
   * {@code weight · mean_i (||∇_{x_i} Σ_j D(x_j)||₂ − 1)²} for a per-sample critic {@code d} (returns
   * [B] scores for x [B, ...]).
   */
  public static Result penalty(Ops tf, Operand<TFloat32> x, Function<Operand<TFloat32>, Operand<TFloat32>> d, float weight) {
    SecondOrderGradients.ensureRegistered();
    Ops s = tf.withSubScope("GradientPenalty");
    Operand<TFloat32> scores = d.apply(x);
    Operand<TFloat32> total = s.reduceSum(scores, s.constant(0));
    // An explicit seed gradient of 1: the default one is OnesLike(total), which has no C++ gradient
    // and would sit on the path of the second derivative.
    Gradients g = s.gradients(total, List.of(x), Gradients.dx(List.of(s.constant(1f))));
    Operand<TFloat32> grad = g.dy(0);
    int rank = x.shape().numDimensions();
    int[] axes = new int[rank - 1];
    for (int i = 1; i < rank; i++) {
      axes[i - 1] = i;
    }
    Operand<TFloat32> sq = s.reduceSum(s.math.mul(grad, grad), s.constant(axes));
    Operand<TFloat32> norm = s.math.sqrt(s.math.add(sq, s.constant(NORM_EPS)));
    Operand<TFloat32> dev = s.math.sub(norm, s.constant(1f));
    Operand<TFloat32> pen = s.math.mul(s.constant(weight), s.math.mean(s.math.mul(dev, dev), s.constant(0)));
    return new Result(pen, s.math.mean(norm, s.constant(0)));
  }

  /** The seed of a step's ε draw. */
  public static Operand<TInt64> seed(Ops tf, Operand<TInt64> stepSeed) {
    return Seeds.derive(tf, stepSeed, Seeds.salt("d/gradient_penalty_eps"));
  }
}
