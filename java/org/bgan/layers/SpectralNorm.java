package org.bgan.layers;

import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Spectral normalisation (Miyato et al. 2018): a weight {@code W} is used as {@code W / σ(W)}, with
 * σ the largest singular value of {@code W} viewed as a matrix [fan_in, fan_out] (all axes but the
 * last, by the last), estimated by one power iteration per step from a persistent vector
 * {@code u} [1, fan_out]:
 *
 * <pre>  v = l2(u Wᵀ),  u' = l2(v W),  σ = v W u'ᵀ</pre>
 *
 * with {@code u'} and {@code v} held constant for the gradient (as in the paper's implementation),
 * so the gradient flows through {@code W} in both numerator and σ. Applications that own the state
 * update (the discriminator's step) store {@code u'} back into {@code u}.
 */
public final class SpectralNorm {
  private final Variable<TFloat32> weight;
  private final Variable<TFloat32> u;
  private final long fanIn;
  private final long fanOut;
  private Ops scope;
  private Operand<TFloat32> uNew;
  private Operand<TFloat32> normalizedWeight;
  private org.tensorflow.op.Op update;

  /** Creates the persistent vector {@code <scope>/<name>_sn_u}, a random unit vector. */
  public SpectralNorm(Ops tf, String name, Variable<TFloat32> weight, long seed) {
    this.weight = weight;
    Shape s = weight.shape();
    this.fanOut = s.size(s.numDimensions() - 1);
    this.fanIn = s.size() / fanOut;
    Ops t = tf.withInitScope();
    Operand<TFloat32> r = t.random.statelessRandomNormal(t.constant(new long[] {1, fanOut}),
        Seeds.constant(t, seed, Seeds.salt(name + "/sn_u")), TFloat32.class);
    this.u = tf.withInitScope().withName(name + "_sn_u").variable(Shape.of(1, fanOut), TFloat32.class);
    t.withName(name + "_sn_u_init").assign(u, l2(t, r));
  }

  /**
   * {@code W / σ(W)}, recording the update of {@code u} in {@code phase}. The power iteration is built
   * once, by the first application, and every later application (the other half of a batch, a
   * gradient penalty's interpolates, the other player's step) uses the same σ: {@code u} is a
   * reference variable, and a second iteration reading it could run after the first one's update had
   * already stored {@code u'}, giving that application another σ depending on thread scheduling.
   */
  public Operand<TFloat32> normalized(Ops tf, Phase phase) {
    if (normalizedWeight == null) {
      // No control dependencies of the first caller's scope: the ops serve every later application.
      Ops s = tf.withControlDependencies(java.util.List.of()).withSubScope("spectral_norm");
      Operand<TFloat32> w = s.reshape(weight, s.constant(new long[] {fanIn, fanOut}));
      Operand<TFloat32> v = s.stopGradient(l2(s, s.linalg.matMul(u, w, org.tensorflow.op.linalg.MatMul.transposeB(true))));
      uNew = s.stopGradient(l2(s, s.linalg.matMul(v, w)));
      Operand<TFloat32> sigma = s.reduceSum(s.math.mul(s.linalg.matMul(v, w), uNew), s.constant(new int[] {0, 1}));
      normalizedWeight = s.math.div(weight, sigma);
      scope = s;
    }
    if (phase.updating()) {
      if (update == null) {
        update = scope.withName("update_u").assign(u, uNew);
      }
      phase.addUpdate(update);
    }
    return normalizedWeight;
  }

  /** The persistent vector (not trained; saved in checkpoints). */
  public Variable<TFloat32> u() {
    return u;
  }

  private static Operand<TFloat32> l2(Ops s, Operand<TFloat32> x) {
    Operand<TFloat32> n2 = s.reduceSum(s.math.mul(x, x), s.constant(new int[] {0, 1}));
    return s.math.mul(x, s.math.rsqrt(s.math.add(n2, s.constant(1e-12f))));
  }
}
