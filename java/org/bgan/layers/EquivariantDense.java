package org.bgan.layers;

import java.util.List;
import org.bgan.ops.BatchRho;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Permutation-equivariant dense layer (eq. 12 of Lucas et al. 2018, with the reweighting of §4.3):
 *
 * <pre>  φ(x)_b = bias + x_b Λ~ + ρ(x) Γ~,   Λ~ = B/(B+1) Λ,   Γ~ = 1/(B+1) Γ</pre>
 *
 * where ρ is the mean over the set ({@link BatchRho}) and B the set size. Permuting the elements of
 * a set permutes the outputs the same way. The activation is applied by the caller. Inputs are
 * [groups·B, in] with B static; each set only sees its own ρ.
 */
public final class EquivariantDense implements Layer {
  private final String name;
  private final long in;
  private final Variable<TFloat32> lambda;
  private final Variable<TFloat32> gamma;
  private final Variable<TFloat32> bias;
  private final SpectralNorm snLambda;
  private final SpectralNorm snGamma;

  /** Creates {@code <name>/lambda}, {@code <name>/gamma} and {@code <name>/bias}. */
  public EquivariantDense(Ops tf, String name, long in, long out, long seed) {
    this(tf, name, in, out, false, seed);
  }

  /** As above; with {@code spectralNorm}, Λ and Γ are each spectrally normalised ({@link SpectralNorm}). */
  public EquivariantDense(Ops tf, String name, long in, long out, boolean spectralNorm, long seed) {
    this.name = name;
    this.in = in;
    Ops s = tf.withSubScope(name);
    this.lambda = Vars.create(s, "lambda", Vars.glorotUniform(s, Shape.of(in, out), in, out, seed, name + "/lambda"));
    this.gamma = Vars.create(s, "gamma", Vars.glorotUniform(s, Shape.of(in, out), in, out, seed, name + "/gamma"));
    this.bias = Vars.create(s, "bias", Vars.zeros(s, Shape.of(out)));
    this.snLambda = spectralNorm ? new SpectralNorm(s, "lambda", lambda, seed) : null;
    this.snGamma = spectralNorm ? new SpectralNorm(s, "gamma", gamma, seed + 1) : null;
  }

  private Operand<TFloat32> lambda(Ops s, Phase phase) {
    return snLambda == null ? lambda : snLambda.normalized(s, phase);
  }

  private Operand<TFloat32> gamma(Ops s, Phase phase) {
    return snGamma == null ? gamma : snGamma.normalized(s, phase);
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups) {
    return apply(tf, x, groups, Phase.train());
  }

  /** eq. 12 applied to {@code x}; {@code phase} receives the spectral-norm updates, if any. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    Dense.checkInput(name, x, in);
    long n = x.shape().size(0);
    if (n == Shape.UNKNOWN_SIZE || n % groups != 0) {
      throw new IllegalArgumentException(name + ": the batch must be static and a multiple of groups="
          + groups + ", got " + x.shape());
    }
    long b = n / groups;
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> own = s.math.mul(s.linalg.matMul(x, lambda(s, phase)), s.constant((float) b / (b + 1)));
    Operand<TFloat32> pooled = s.math.add(
        s.math.mul(s.linalg.matMul(BatchRho.create(s, x, groups), gamma(s, phase)), s.constant(1f / (b + 1))), bias);
    if (groups == 1) {
      return s.math.add(own, pooled);
    }
    long out = lambda.shape().size(1);
    Operand<TFloat32> grouped = s.reshape(own, s.constant(new long[] {groups, b, out}));
    Operand<TFloat32> sum = s.math.add(grouped, s.expandDims(pooled, s.constant(1)));
    return s.reshape(sum, s.constant(new long[] {n, out}));
  }

  /** A pre-activation {@code y = scale · z} returned as {@code z} and its build-time scale. */
  public record Scaled(Operand<TFloat32> z, double scale) {}

  /**
   * The same layer on an input given as {@code x = inScale · xHat} ({@code inScale > 0}), returning
   * {@code y = scale · z}. Because ReLU (and leaky ReLU) are positively homogeneous,
   * {@code relu(scale · z) = scale · relu(z)}, so a network can pass {@code relu(z)} on and carry the
   * factors as build-time scalars: the B/(B+1) reweighting, the pooled term and the bias are folded
   * into one [groups, out] tensor {@code q} added to {@code xHat Λ}, with no elementwise pass over
   * [N, out] for the scaling. Exact: {@code y = c·s·(xHat Λ + q)}, {@code c = B/(B+1)},
   * {@code q = ρ(xHat) Γ / B + bias / (c·s)}.
   */
  public Scaled applyHomogeneous(Ops tf, Operand<TFloat32> xHat, int groups, double inScale) {
    return applyHomogeneous(tf, xHat, groups, inScale, Phase.train());
  }

  /** As above; {@code phase} receives the spectral-norm updates, if any. */
  public Scaled applyHomogeneous(Ops tf, Operand<TFloat32> xHat, int groups, double inScale, Phase phase) {
    Dense.checkInput(name, xHat, in);
    long n = xHat.shape().size(0);
    if (n == Shape.UNKNOWN_SIZE || n % groups != 0 || !(inScale > 0)) {
      throw new IllegalArgumentException(name + ": the batch must be static and a multiple of groups="
          + groups + ", got " + xHat.shape());
    }
    long b = n / groups;
    double c = (double) b / (b + 1);
    double outScale = c * inScale;
    Ops s = tf.withSubScope(name);
    // B·q = ρ(xHat) Γ + bias·B/(c·s) per set [groups, out], broadcast over each set's members by one
    // product with the [n, groups] membership matrix scaled by 1/B (the transpose of ρ's averaging
    // matrix): the broadcast and its gradient are products, with no reshapes or reductions in the graph.
    Operand<TFloat32> bq = s.math.add(s.linalg.matMul(BatchRho.create(s, xHat, groups), gamma(s, phase)),
        s.math.mul(bias, s.constant((float) (b / outScale))));
    Operand<TFloat32> own = s.linalg.matMul(xHat, lambda(s, phase));
    Operand<TFloat32> broadcast = s.linalg.matMul(BatchRho.setAverages(s, groups, n), bq, org.tensorflow.op.linalg.MatMul.transposeA(true));
    return new Scaled(s.math.add(own, broadcast), outScale);
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    return List.of(lambda, gamma, bias);
  }
}
