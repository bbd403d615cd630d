package org.bgan.layers;

import java.util.List;
import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Minibatch discrimination (Salimans et al. 2016, "Improved techniques for training GANs", §3.2;
 * SPEC §6). For features f(x_i) ∈ R^A and a trainable tensor T ∈ R^{A×K×C}:
 *
 * <pre>
 *   M_i = f(x_i)·T ∈ R^{K×C}
 *   c_k(x_i, x_j) = exp(−||M_{i,k} − M_{j,k}||_1)
 *   o(x_i)_k = Σ_j c_k(x_i, x_j)          (j over the set of x_i, j = i included)
 * </pre>
 *
 * and the layer's output is [f(x_i), o(x_i)] ∈ R^{A+K}, the input of the discriminator's final dense
 * layer. Inputs hold {@code groups} sets of equal size stacked along axis 0 (e.g. the real half and
 * the fake half of a standard GAN's D step); o is computed within each set, never across.
 *
 * <p>The term j = i contributes exp(0) = 1 to every o_k, a constant the following dense layer's bias
 * absorbs (Salimans et al.'s code leaves it out; the paper's formula sums over all j). T is stored as
 * an A × (K·C) matrix, initialised N(0, 1/A): each column then has norm about 1, the scale of the
 * weight-normalised T of Salimans et al.'s code at initialisation, so that ||M_i − M_j||_1 starts of
 * the order of the features' own spread whatever A is. The networks start the following layer's weights
 * on o at zero ({@link Dense}'s {@code zeroFrom}), so that the initial prediction does not depend on
 * the set (docs/techniques.md).
 */
public final class MinibatchDiscrimination {
  /** Kernels K: Salimans et al.'s CIFAR-10 setting ({@code num_kernels=100} in their code). */
  public static final int DEFAULT_KERNELS = 100;
  /** Dimensions per kernel C: their code's default ({@code dim_per_kernel=5}). */
  public static final int DEFAULT_KERNEL_DIMS = 5;

  /** The layer's size: K kernels of C dimensions. */
  public record Spec(int kernels, int dims) {
    public Spec {
      if (kernels < 1 || dims < 1) {
        throw new IllegalArgumentException("minibatch discrimination needs K >= 1 and C >= 1, got " + kernels + ", " + dims);
      }
    }
  }

  private final String name;
  private final long in;
  private final int kernels;
  private final int dims;
  private final Variable<TFloat32> t;

  /** Creates {@code <scope>/<name>/T} of shape [in, K·C]. */
  public MinibatchDiscrimination(Ops tf, String name, long in, Spec spec, long seed) {
    this.name = name;
    this.in = in;
    this.kernels = spec.kernels();
    this.dims = spec.dims();
    Ops s = tf.withSubScope(name);
    Ops i = s.withInitScope();
    Operand<TFloat32> init = i.math.mul(
        i.random.statelessRandomNormal(i.constant(new long[] {in, (long) kernels * dims}),
            Seeds.constant(i, seed, Seeds.salt(name + "/T")), TFloat32.class),
        i.constant((float) (1.0 / Math.sqrt(in))));
    this.t = Vars.create(s, "T", init);
  }

  /** [x, o(x)]: [groups·B, A] → [groups·B, A + K]. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups) {
    Ops s = tf.withSubScope(name);
    return s.concat(List.of(x, features(s, x, t, groups, kernels, dims)), s.constant(1));
  }

  /**
   * o(x) [groups·B, K] for x [groups·B, A] and T given as an [A, K·C] matrix (the layer's variable, or
   * any operand, e.g. in gradient checks). The batch must be static and a multiple of {@code groups}.
   */
  public static Operand<TFloat32> features(Ops s, Operand<TFloat32> x, Operand<TFloat32> t, int groups, int kernels,
      int dims) {
    Shape sh = x.shape();
    long n = sh.numDimensions() == 2 ? sh.size(0) : Shape.UNKNOWN_SIZE;
    if (n == Shape.UNKNOWN_SIZE || groups < 1 || n % groups != 0) {
      throw new IllegalArgumentException("minibatch discrimination: expected [groups·B, A] with a static batch that is a "
          + "multiple of groups=" + groups + ", got " + sh);
    }
    long b = n / groups;
    Operand<TFloat32> m = s.linalg.matMul(x, t);
    // M as [C, groups, B, K] (T's columns are k·C + c): one [groups, B, K] slab per kernel dimension c.
    Operand<TFloat32> mc = s.linalg.transpose(s.reshape(m, s.constant(new long[] {groups, b, kernels, dims})),
        s.constant(new int[] {3, 0, 1, 2}));
    // ||M_{i,k} − M_{j,k}||_1 summed slab by slab over c: each |M_i,c − M_j,c| is a [groups, B, B, K]
    // tensor, C times smaller than the [groups, B, B, K, C] one of the direct formula, so the pairwise
    // terms stay in cache, the sum over c is one AddN (whose gradient passes through without a copy)
    // and no reduction over a short innermost axis is needed; −M_j is negated before broadcasting, so
    // the gradient has no elementwise negation over all pairs either.
    List<Operand<TFloat32>> terms = new java.util.ArrayList<>();
    for (Operand<TFloat32> slab : s.unstack(mc, (long) dims)) {
      Operand<TFloat32> mi = s.reshape(slab, s.constant(new long[] {groups, b, 1, kernels}));
      Operand<TFloat32> mj = s.reshape(s.math.neg(slab), s.constant(new long[] {groups, 1, b, kernels}));
      terms.add(s.math.abs(s.math.add(mi, mj)));
    }
    Operand<TFloat32> l1 = dims == 1 ? terms.get(0) : s.math.addN(terms);
    Operand<TFloat32> o = s.reduceSum(s.math.exp(s.math.neg(l1)), s.constant(2));
    return s.reshape(o, s.constant(new long[] {n, kernels}));
  }

  /** Width of {@link #apply}'s output, A + K. */
  public long outputSize() {
    return in + kernels;
  }

  public List<Variable<TFloat32>> variables() {
    return List.of(t);
  }
}
