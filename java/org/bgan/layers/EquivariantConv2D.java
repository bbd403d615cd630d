package org.bgan.layers;

import java.util.List;
import org.bgan.ops.BatchRho;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Permutation-equivariant convolution (SPEC §3, the convolutional form of eq. 12 of Lucas et al.
 * 2018): Λ and Γ are k×k kernels; ρ(x) is the set's mean feature map, convolved with Γ and broadcast
 * over the set:
 *
 * <pre>  φ(x)_b = bias + conv(x_b, Λ) · B/(B+1) + conv(ρ(x), Γ) · 1/(B+1)</pre>
 *
 * Convolution is linear, so conv(ρ(x), Γ) = ρ(conv(x, Γ)) and the layer commutes with permutations of
 * each set. Γ is applied to one map per set, so the extra cost over a plain convolution is 1/B of a
 * forward pass. Inputs are [groups·B, H, W, in] with B static. Spectral normalisation, when on,
 * normalises Λ and Γ separately. The activation is applied by the caller.
 */
public final class EquivariantConv2D {
  private final String name;
  private final int stride;
  private final long in;
  private final long out;
  private final Variable<TFloat32> lambda;
  private final Variable<TFloat32> gamma;
  private final Variable<TFloat32> bias;
  private final SpectralNorm snLambda;
  private final SpectralNorm snGamma;

  public EquivariantConv2D(Ops tf, String name, int k, int stride, long in, long out, boolean spectralNorm, long seed) {
    this.name = name;
    this.stride = stride;
    this.in = in;
    this.out = out;
    Ops s = tf.withSubScope(name);
    long fanIn = (long) k * k * in;
    long fanOut = (long) k * k * out;
    this.lambda = Vars.create(s, "lambda", Vars.glorotUniform(s, Shape.of(k, k, in, out), fanIn, fanOut, seed, name + "/lambda"));
    this.gamma = Vars.create(s, "gamma", Vars.glorotUniform(s, Shape.of(k, k, in, out), fanIn, fanOut, seed, name + "/gamma"));
    this.bias = Vars.create(s, "bias", Vars.zeros(s, Shape.of(out)));
    this.snLambda = spectralNorm ? new SpectralNorm(s, "lambda", lambda, seed) : null;
    this.snGamma = spectralNorm ? new SpectralNorm(s, "gamma", gamma, seed + 1) : null;
  }

  /** The layer as eq. 12 writes it, term by term (the reference for tests). */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    long b = setSize(x, groups);
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> own = s.math.mul(Conv2D.conv(s, x, weight(s, snLambda, lambda, phase), stride),
        s.constant((float) b / (b + 1)));
    Operand<TFloat32> pooled = s.nn.biasAdd(s.math.mul(
        Conv2D.conv(s, BatchRho.create(s, x, groups), weight(s, snGamma, gamma, phase), stride),
        s.constant(1f / (b + 1))), bias);
    return broadcastAdd(s, own, pooled, groups, b);
  }

  /**
   * The same layer on {@code x = inScale · xHat}, returning {@code y = scale · z}, with the
   * reweighting and the pooled term folded into one [groups, H', W', out] tensor added to
   * conv(xHat, Λ) (see {@link EquivariantDense#applyHomogeneous}); exact because the networks'
   * activations (ReLU, leaky ReLU) are positively homogeneous.
   */
  public EquivariantDense.Scaled applyHomogeneous(Ops tf, Operand<TFloat32> xHat, int groups, double inScale, Phase phase) {
    long b = setSize(xHat, groups);
    if (!(inScale > 0)) {
      throw new IllegalArgumentException(name + ": scale must be positive, got " + inScale);
    }
    double c = (double) b / (b + 1);
    double outScale = c * inScale;
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> q = s.nn.biasAdd(
        s.math.mul(Conv2D.conv(s, BatchRho.create(s, xHat, groups), weight(s, snGamma, gamma, phase), stride),
            s.constant((float) (1.0 / b))),
        s.math.mul(bias, s.constant((float) (1.0 / outScale))));
    Operand<TFloat32> own = Conv2D.conv(s, xHat, weight(s, snLambda, lambda, phase), stride);
    return new EquivariantDense.Scaled(broadcastAdd(s, own, q, groups, b), outScale);
  }

  private long setSize(Operand<TFloat32> x, int groups) {
    Conv2D.checkInput(name, x, in);
    long n = x.shape().size(0);
    if (n == Shape.UNKNOWN_SIZE || groups < 1 || n % groups != 0) {
      throw new IllegalArgumentException(name + ": the batch must be static and a multiple of groups="
          + groups + ", got " + x.shape());
    }
    return n / groups;
  }

  private static Operand<TFloat32> weight(Ops s, SpectralNorm sn, Variable<TFloat32> w, Phase phase) {
    return sn == null ? w : sn.normalized(s, phase);
  }

  /** own [groups·B, H, W, C] + pooled [groups, H, W, C] broadcast over each set. */
  private static Operand<TFloat32> broadcastAdd(Ops s, Operand<TFloat32> own, Operand<TFloat32> pooled, int groups, long b) {
    if (groups == 1) {
      return s.math.add(own, pooled);
    }
    Shape sh = own.shape();
    long[] grouped = {groups, b, sh.size(1), sh.size(2), sh.size(3)};
    Operand<TFloat32> sum = s.math.add(s.reshape(own, s.constant(grouped)), s.expandDims(pooled, s.constant(1)));
    return s.reshape(sum, s.constant(new long[] {groups * b, sh.size(1), sh.size(2), sh.size(3)}));
  }

  public List<Variable<TFloat32>> variables() {
    return List.of(lambda, gamma, bias);
  }

  public long outChannels() {
    return out;
  }
}
