package org.bgan.nets;

import java.util.ArrayList;
import java.util.List;
import org.bgan.layers.Dense;
import org.bgan.layers.EquivariantDense;
import org.bgan.layers.Layer;
import org.bgan.layers.MinibatchDiscrimination;
import org.bgan.layers.Phase;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A multilayer perceptron with ReLU between layers and a linear last layer: the paper's 2-D
 * generator and discriminator (3 hidden layers of 512, SPEC §5). With {@code equivariant} every layer
 * is an {@link EquivariantDense}, making the network permutation-equivariant over each set. A
 * per-sample MLP can take minibatch discrimination before its last layer ({@link MinibatchDiscrimination}),
 * and a discriminator can have every weight spectrally normalised ({@link org.bgan.layers.SpectralNorm};
 * Λ and Γ each by their own largest singular value, as in the convolutional discriminators).
 */
public final class Mlp implements Network {
  private final List<Layer> layers = new ArrayList<>();
  private final String scope;
  private final MinibatchDiscrimination minibatch;

  /**
   * @param tf ops at the graph root; variables go under {@code scope}
   * @param widths input width, hidden widths..., output width
   */
  public Mlp(Ops tf, String scope, List<Integer> widths, boolean equivariant, long seed) {
    this(tf, scope, widths, equivariant, null, seed);
  }

  /**
   * As above; with {@code minibatch} (not null, per-sample layers only), minibatch discrimination
   * (Salimans et al. 2016) on the last hidden layer: the last layer takes [f(x), o(x)].
   */
  public Mlp(Ops tf, String scope, List<Integer> widths, boolean equivariant, MinibatchDiscrimination.Spec minibatch,
      long seed) {
    this(tf, scope, widths, equivariant, minibatch, false, seed);
  }

  /**
   * As above; with {@code spectralNorm} every weight matrix is used divided by its largest singular
   * value (Miyato et al. 2018), one power iteration per application; the persistent vectors are
   * updated by applications whose {@link Phase} owns the step's updates.
   */
  public Mlp(Ops tf, String scope, List<Integer> widths, boolean equivariant, MinibatchDiscrimination.Spec minibatch,
      boolean spectralNorm, long seed) {
    if (widths.size() < 2) {
      throw new IllegalArgumentException("an MLP needs an input and an output width, got " + widths);
    }
    if (minibatch != null && (equivariant || widths.size() < 3)) {
      throw new IllegalArgumentException("minibatch discrimination needs a per-sample MLP with a hidden layer");
    }
    this.scope = scope;
    Ops s = tf.withSubScope(scope);
    int last = widths.size() - 2;
    this.minibatch = minibatch == null ? null
        : new MinibatchDiscrimination(s, "minibatch", widths.get(last), minibatch, seed + 7);
    for (int i = 0; i + 1 < widths.size(); i++) {
      String name = "layer_" + i;
      long in = i == last && this.minibatch != null ? this.minibatch.outputSize() : widths.get(i);
      layers.add(equivariant
          ? new EquivariantDense(s, name, in, widths.get(i + 1), spectralNorm, seed)
          : new Dense(s, name, in, widths.get(i + 1), true, spectralNorm, seed,
              i == last && this.minibatch != null ? widths.get(i) : in));
    }
  }

  /**
   * Applies the network to {@code x} ([groups·B, in]); returns [groups·B, out]. {@code phase} receives
   * the spectral-norm updates, if any.
   */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    Ops s = tf.withSubScope(scope);
    if (layers.stream().allMatch(l -> l instanceof EquivariantDense)) {
      return applyEquivariant(s, x, groups, phase);
    }
    return layerByLayer(tf, x, groups, phase).output();
  }

  /** As above in training mode, without state updates. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups) {
    return apply(tf, x, groups, Phase.train());
  }

  /**
   * The equivariant stack with the reweighting carried as build-time scales through the ReLUs
   * ({@link EquivariantDense#applyHomogeneous}): the same function as applying each layer and
   * activation in turn, with one multiply of the final [N, out] output instead of one per layer.
   */
  private Operand<TFloat32> applyEquivariant(Ops s, Operand<TFloat32> x, int groups, Phase phase) {
    Operand<TFloat32> h = x;
    double scale = 1.0;
    for (int i = 0; i < layers.size(); i++) {
      EquivariantDense.Scaled y = ((EquivariantDense) layers.get(i)).applyHomogeneous(s, h, groups, scale, phase);
      scale = y.scale();
      h = i + 1 < layers.size() ? s.nn.relu(y.z()) : y.z();
    }
    return s.math.mul(h, s.constant((float) scale));
  }

  /** Applies each layer and ReLU in turn, without the scale folding (the reference for tests). */
  public Operand<TFloat32> applyLayerByLayer(Ops tf, Operand<TFloat32> x, int groups) {
    return layerByLayer(tf, x, groups, Phase.train()).output();
  }

  /** Layer by layer (exact for the equivariant stack too); the features are the last hidden layer's ReLU output. */
  @Override
  public Outputs applyWithFeatures(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    if (layers.size() < 2) {
      throw new UnsupportedOperationException("an MLP without hidden layers has no hidden features");
    }
    return layerByLayer(tf, x, groups, phase);
  }

  private Outputs layerByLayer(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    Ops s = tf.withSubScope(scope);
    Operand<TFloat32> h = x;
    Operand<TFloat32> features = null;
    for (int i = 0; i < layers.size(); i++) {
      if (i + 1 == layers.size()) {
        features = h;
        if (minibatch != null) {
          h = minibatch.apply(s, h, groups);
        }
      }
      h = applyLayer(s, i, h, groups, phase);
      if (i + 1 < layers.size()) {
        h = s.nn.relu(h);
      }
    }
    return new Outputs(h, features);
  }

  /**
   * With {@code dropout} after every hidden ReLU (the CT-GAN perturbation); per-sample layers only,
   * since dropout masks differ between the elements of a set.
   */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase,
      org.bgan.layers.Dropout dropout) {
    if (dropout == null) {
      return apply(tf, x, groups, phase);
    }
    if (layers.stream().anyMatch(l -> l instanceof EquivariantDense)) {
      throw new UnsupportedOperationException("dropout is implemented for per-sample MLPs, not equivariant ones");
    }
    Ops s = tf.withSubScope(scope);
    Operand<TFloat32> h = x;
    for (int i = 0; i < layers.size(); i++) {
      h = applyLayer(s, i, h, groups, phase);
      if (i + 1 < layers.size()) {
        h = dropout.apply(s, s.nn.relu(h), i);
      }
    }
    return h;
  }

  private Operand<TFloat32> applyLayer(Ops s, int i, Operand<TFloat32> h, int groups, Phase phase) {
    Layer l = layers.get(i);
    if (l instanceof Dense d) {
      return d.apply(s, h, phase);
    }
    return ((EquivariantDense) l).apply(s, h, groups, phase);
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> v = new ArrayList<>();
    for (Layer l : layers) {
      v.addAll(l.variables());
    }
    if (minibatch != null) {
      v.addAll(minibatch.variables());
    }
    return v;
  }
}
