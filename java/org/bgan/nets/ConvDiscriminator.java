package org.bgan.nets;

import java.util.ArrayList;
import java.util.List;
import org.bgan.layers.Conv2D;
import org.bgan.layers.Dense;
import org.bgan.layers.EquivariantConv2D;
import org.bgan.layers.EquivariantDense;
import org.bgan.layers.MinibatchDiscrimination;
import org.bgan.layers.Phase;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The convolutional discriminators of SPEC §5: a stack of convolutions with leaky ReLU, flattened,
 * then a dense layer to one logit per element. With {@code equivariant} every convolution and the
 * final dense layer are permutation-equivariant (eq. 12, {@link EquivariantConv2D},
 * {@link EquivariantDense}); the reweighting is folded into build-time scales through the leaky
 * ReLUs, which are positively homogeneous. No batch normalisation: a BGAN discriminator's only batch
 * interaction is ρ (SPEC §3).
 */
public final class ConvDiscriminator implements Network {
  /** One convolution: kernel size, stride, output channels. */
  public record ConvSpec(int kernel, int stride, int channels) {}

  private final String scope;
  private final float slope;
  private final boolean equivariant;
  private final List<Conv2D> convs = new ArrayList<>();
  private final List<EquivariantConv2D> eqConvs = new ArrayList<>();
  private final Dense dense;
  private final EquivariantDense eqDense;
  private final long flat;
  private final MinibatchDiscrimination minibatch;

  public ConvDiscriminator(Ops tf, String scope, int size, int channels, List<ConvSpec> specs, float slope,
      boolean equivariant, boolean spectralNorm, long seed) {
    this(tf, scope, size, channels, specs, slope, equivariant, spectralNorm, null, seed, 1);
  }

  /**
   * As above; with {@code minibatch} (not null, per-sample discriminators only), minibatch
   * discrimination (Salimans et al. 2016) on the flattened last convolution: the dense layer takes
   * [f(x), o(x)]. The final dense layer has {@code outputs} logits per element (1 for a real/fake
   * discriminator; K class logits for the semi-supervised K+1 discriminator).
   */
  public ConvDiscriminator(Ops tf, String scope, int size, int channels, List<ConvSpec> specs, float slope,
      boolean equivariant, boolean spectralNorm, MinibatchDiscrimination.Spec minibatch, long seed, int outputs) {
    if (minibatch != null && equivariant) {
      throw new IllegalArgumentException("minibatch discrimination is for per-sample discriminators");
    }
    this.scope = scope;
    this.slope = slope;
    this.equivariant = equivariant;
    Ops s = tf.withSubScope(scope);
    long in = channels;
    int side = size;
    for (int i = 0; i < specs.size(); i++) {
      ConvSpec c = specs.get(i);
      String name = "conv_" + i;
      if (equivariant) {
        eqConvs.add(new EquivariantConv2D(s, name, c.kernel(), c.stride(), in, c.channels(), spectralNorm, seed + i));
      } else {
        convs.add(new Conv2D(s, name, c.kernel(), c.stride(), in, c.channels(), true, spectralNorm, seed + i));
      }
      in = c.channels();
      side = (side + c.stride() - 1) / c.stride();
    }
    this.flat = (long) side * side * in;
    this.minibatch = minibatch == null ? null : new MinibatchDiscrimination(s, "minibatch", flat, minibatch, seed + 200);
    this.dense = equivariant ? null
        : new Dense(s, "dense", this.minibatch == null ? flat : this.minibatch.outputSize(), outputs, true, spectralNorm,
            seed + 100, flat);
    this.eqDense = equivariant ? new EquivariantDense(s, "dense", flat, outputs, spectralNorm, seed + 100) : null;
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    Ops s = tf.withSubScope(scope);
    if (!equivariant) {
      return perSample(s, x, groups, phase).output();
    }
    Operand<TFloat32> h = x;
    double scale = 1.0;
    for (EquivariantConv2D c : eqConvs) {
      EquivariantDense.Scaled y = c.applyHomogeneous(s, h, groups, scale, phase);
      scale = y.scale();
      h = s.nn.leakyRelu(y.z(), org.tensorflow.op.nn.LeakyRelu.alpha(slope));
    }
    EquivariantDense.Scaled y = eqDense.applyHomogeneous(s, s.reshape(h, s.constant(new long[] {-1, flat})), groups, scale, phase);
    return s.math.mul(y.z(), s.constant((float) y.scale()));
  }

  private Outputs perSample(Ops s, Operand<TFloat32> x, int groups, Phase phase) {
    Operand<TFloat32> h = x;
    for (Conv2D c : convs) {
      h = s.nn.leakyRelu(c.apply(s, h, phase), org.tensorflow.op.nn.LeakyRelu.alpha(slope));
    }
    Operand<TFloat32> f = s.reshape(h, s.constant(new long[] {-1, flat}));
    return new Outputs(dense.apply(s, minibatch == null ? f : minibatch.apply(s, f, groups), phase), f);
  }

  /**
   * The features are the flattened last convolution's activations; the equivariant stack is applied
   * layer by layer here (eq. 12 without the scale folding, the same function).
   */
  @Override
  public Outputs applyWithFeatures(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    Ops s = tf.withSubScope(scope);
    if (!equivariant) {
      return perSample(s, x, groups, phase);
    }
    Operand<TFloat32> h = x;
    for (EquivariantConv2D c : eqConvs) {
      h = s.nn.leakyRelu(c.apply(s, h, groups, phase), org.tensorflow.op.nn.LeakyRelu.alpha(slope));
    }
    Operand<TFloat32> f = s.reshape(h, s.constant(new long[] {-1, flat}));
    return new Outputs(eqDense.apply(s, f, groups), f);
  }

  /** With {@code dropout} after every hidden leaky ReLU (per-sample discriminators only). */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase, org.bgan.layers.Dropout dropout) {
    if (dropout == null) {
      return apply(tf, x, groups, phase);
    }
    if (equivariant) {
      throw new UnsupportedOperationException("dropout is implemented for per-sample discriminators, not equivariant ones");
    }
    Ops s = tf.withSubScope(scope);
    Operand<TFloat32> h = x;
    for (int i = 0; i < convs.size(); i++) {
      h = dropout.apply(s, s.nn.leakyRelu(convs.get(i).apply(s, h, phase), org.tensorflow.op.nn.LeakyRelu.alpha(slope)), i);
    }
    return dense.apply(s, s.reshape(h, s.constant(new long[] {-1, flat})), phase);
  }

  /** Eq. 12 layer by layer, without the scale folding (the reference for tests). */
  public Operand<TFloat32> applyLayerByLayer(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    if (!equivariant) {
      return apply(tf, x, groups, phase);
    }
    Ops s = tf.withSubScope(scope);
    Operand<TFloat32> h = x;
    for (EquivariantConv2D c : eqConvs) {
      h = s.nn.leakyRelu(c.apply(s, h, groups, phase), org.tensorflow.op.nn.LeakyRelu.alpha(slope));
    }
    return eqDense.apply(s, s.reshape(h, s.constant(new long[] {-1, flat})), groups);
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> v = new ArrayList<>();
    convs.forEach(c -> v.addAll(c.variables()));
    eqConvs.forEach(c -> v.addAll(c.variables()));
    v.addAll(equivariant ? eqDense.variables() : dense.variables());
    if (minibatch != null) {
      v.addAll(minibatch.variables());
    }
    return v;
  }
}
