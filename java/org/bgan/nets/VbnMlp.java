package org.bgan.nets;

import java.util.ArrayList;
import java.util.List;
import org.bgan.layers.Dense;
import org.bgan.layers.Phase;
import org.bgan.layers.VirtualBatchNorm;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * An MLP generator with virtual batch normalisation (Salimans et al. 2016) after each hidden layer:
 * dense (no bias; the normalisation's offset plays that role) → VBN → ReLU, then a linear output
 * layer. The reference latents run through the hidden layers beside z; each row of z is normalised
 * with the reference statistics combined with its own ({@link VirtualBatchNorm}), so a sample does not
 * depend on the rest of its batch. Variables {@code <scope>/layer_i/...}, {@code <scope>/layer_i_vbn/...}.
 */
public final class VbnMlp implements Network {
  private final String scope;
  private final VirtualBatchNorm.Reference reference;
  private final List<Dense> layers = new ArrayList<>();
  private final List<VirtualBatchNorm> norms = new ArrayList<>();

  /** @param widths input width (z_dim), hidden widths (at least one), output width */
  public VbnMlp(Ops tf, String scope, List<Integer> widths, VirtualBatchNorm.Reference reference, long seed) {
    if (widths.size() < 3) {
      throw new IllegalArgumentException("virtual batch norm needs an MLP with a hidden layer, got widths " + widths);
    }
    if (reference.zDim() != widths.get(0)) {
      throw new IllegalArgumentException("reference latents of dimension " + reference.zDim() + " for an MLP taking " + widths.get(0));
    }
    this.scope = scope;
    this.reference = reference;
    Ops s = tf.withSubScope(scope);
    for (int i = 0; i + 1 < widths.size(); i++) {
      boolean hidden = i + 2 < widths.size();
      layers.add(new Dense(s, "layer_" + i, widths.get(i), widths.get(i + 1), !hidden, false, seed));
      if (hidden) {
        norms.add(new VirtualBatchNorm(s, "layer_" + i + "_vbn", widths.get(i + 1)));
      }
    }
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> z, int groups, Phase phase) {
    Ops s = tf.withSubScope(scope);
    Operand<TFloat32> r = reference.latents(s);
    Operand<TFloat32> h = z;
    for (int i = 0; i < norms.size(); i++) {
      VirtualBatchNorm.Out o = norms.get(i).apply(s, layers.get(i).apply(s, r, phase), layers.get(i).apply(s, h, phase));
      r = s.nn.relu(o.reference());
      h = s.nn.relu(o.x());
    }
    return layers.get(layers.size() - 1).apply(s, h, phase);
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> v = new ArrayList<>();
    for (Dense d : layers) {
      v.addAll(d.variables());
    }
    for (VirtualBatchNorm n : norms) {
      v.addAll(n.variables());
    }
    return v;
  }
}
