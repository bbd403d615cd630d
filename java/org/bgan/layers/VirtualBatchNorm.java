package org.bgan.layers;

import java.util.List;
import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Virtual batch normalisation (Salimans et al. 2016, §3.4; SPEC §6). A reference batch of N examples
 * is fixed at the start of training and run through the network beside every batch; at this layer:
 *
 * <ul>
 *   <li>the reference batch is normalised with its own statistics only (mean μ_r, biased variance
 *       σ_r² per channel, over N for [N, F] features and over N·H·W for NHWC maps), as in batch
 *       normalisation;
 *   <li>each example x is normalised with the statistics of the reference batch combined with x
 *       itself, x weighted 1/(N+1) (one example among N+1): with a = 1/(N+1), m_x and v_x the mean
 *       and variance of x over its own positions (for [N, F] features m_x = x and v_x = 0),
 *       <pre>  μ = a·m_x + (1−a)·μ_r,   σ² = a·v_x + (1−a)·σ_r² + a(1−a)·(m_x − μ_r)²</pre>
 *       (the variance of the pooled values, written as a sum of non-negative terms rather than as
 *       E[x²] − μ², which can round below zero).
 * </ul>
 * Both become {@code scale·(x − μ)/sqrt(σ² + ε) + offset}. An example's output depends only on
 * itself and the reference batch, never on the rest of its batch, so a generator gives each sample
 * the same output alone or in a batch, in training and in an exported model alike; there are no
 * running statistics. Gradients flow through the reference statistics too (they are functions of
 * the generator's parameters).
 */
public final class VirtualBatchNorm {
  public static final float EPSILON = 1e-5f;

  /**
   * The reference batch of latents: {@code size} draws of N(0, I) in R^{zDim} from a stateless op
   * with a constant seed, so every graph that builds the generator (training, evaluation, export)
   * gets the same batch without storing it.
   */
  public record Reference(int size, int zDim, long seed) {
    public Reference {
      if (size < 1 || zDim < 1) {
        throw new IllegalArgumentException("virtual batch norm: reference size and z_dim must be positive, got " + size + ", " + zDim);
      }
    }

    public Operand<TFloat32> latents(Ops tf) {
      Ops s = tf.withSubScope("vbn_reference");
      return s.withName("z").random.statelessRandomNormal(s.constant(new long[] {size, zDim}),
          Seeds.constant(s, seed, Seeds.salt("vbn_reference/z")), TFloat32.class);
    }
  }

  /** The normalised reference batch and examples. */
  public record Out(Operand<TFloat32> reference, Operand<TFloat32> x) {}

  private final String name;
  private final long channels;
  private final Variable<TFloat32> scale;
  private final Variable<TFloat32> offset;

  public VirtualBatchNorm(Ops tf, String name, long channels) {
    this.name = name;
    this.channels = channels;
    Ops s = tf.withSubScope(name);
    this.scale = Vars.create(s, "scale", Vars.ones(s, Shape.of(channels)));
    this.offset = Vars.create(s, "offset", Vars.zeros(s, Shape.of(channels)));
  }

  /**
   * Normalises {@code ref} ([N, F] or NHWC, N static) with its own statistics and {@code x} (same
   * layout, any batch) with the combined statistics.
   */
  public Out apply(Ops tf, Operand<TFloat32> ref, Operand<TFloat32> x) {
    check(ref);
    check(x);
    if (ref.shape().numDimensions() != x.shape().numDimensions()) {
      throw new IllegalArgumentException(name + ": reference " + ref.shape() + " and examples " + x.shape() + " differ in layout");
    }
    long n = ref.shape().size(0);
    if (n == Shape.UNKNOWN_SIZE || n < 1) {
      throw new IllegalArgumentException(name + ": the reference batch must have a static size, got " + ref.shape());
    }
    boolean flat = x.shape().numDimensions() == 2;
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> refMean = s.math.mean(ref, s.constant(flat ? new int[] {0} : new int[] {0, 1, 2}));
    Operand<TFloat32> refDev = s.math.sub(ref, refMean);
    Operand<TFloat32> refVar = s.math.mean(s.math.mul(refDev, refDev), s.constant(flat ? new int[] {0} : new int[] {0, 1, 2}));
    Operand<TFloat32> yRef = affine(s, refDev, refVar);

    float a = 1f / (n + 1);
    Operand<TFloat32> var;
    Operand<TFloat32> mean;
    if (flat) {
      Operand<TFloat32> d = s.math.sub(x, refMean);
      mean = s.math.add(refMean, s.math.mul(d, s.constant(a)));
      var = s.math.add(s.math.mul(refVar, s.constant(1f - a)), s.math.mul(s.math.mul(d, d), s.constant(a * (1f - a))));
    } else {
      Operand<TFloat32> mx = s.math.mean(x, s.constant(new int[] {1, 2}), org.tensorflow.op.math.Mean.keepDims(true));
      Operand<TFloat32> dx = s.math.sub(x, mx);
      Operand<TFloat32> vx = s.math.mean(s.math.mul(dx, dx), s.constant(new int[] {1, 2}), org.tensorflow.op.math.Mean.keepDims(true));
      Operand<TFloat32> d = s.math.sub(mx, refMean);
      mean = s.math.add(refMean, s.math.mul(d, s.constant(a)));
      var = s.math.add(s.math.add(s.math.mul(vx, s.constant(a)), s.math.mul(refVar, s.constant(1f - a))),
          s.math.mul(s.math.mul(d, d), s.constant(a * (1f - a))));
    }
    return new Out(yRef, affine(s, s.math.sub(x, mean), var));
  }

  private Operand<TFloat32> affine(Ops s, Operand<TFloat32> centred, Operand<TFloat32> var) {
    Operand<TFloat32> inv = s.math.rsqrt(s.math.add(var, s.constant(EPSILON)));
    return s.math.add(s.math.mul(s.math.mul(centred, inv), scale), offset);
  }

  private void check(Operand<TFloat32> x) {
    Shape sh = x.shape();
    boolean flat = sh.numDimensions() == 2;
    if ((!flat && sh.numDimensions() != 4) || sh.size(sh.numDimensions() - 1) != channels) {
      throw new IllegalArgumentException(name + ": expected [N, " + channels + "] or NHWC with " + channels
          + " channels, got " + sh);
    }
  }

  /** Trainable variables (scale, offset). */
  public List<Variable<TFloat32>> variables() {
    return List.of(scale, offset);
  }
}
