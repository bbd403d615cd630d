package org.bgan.nets;

import java.util.List;
import org.bgan.layers.Phase;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A generator or discriminator: owns its variables under one scope and can be applied any number of
 * times. Inputs hold {@code groups} sets of equal size stacked along axis 0; permutation-equivariant
 * discriminators compute ρ per set, everything else ignores the grouping.
 */
public interface Network {
  Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase);

  /**
   * As {@link #apply(Ops, Operand, int, Phase)}, with {@code dropout} after every hidden activation
   * (null: none). Networks without dropout support reject a non-null setting.
   */
  default Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase, org.bgan.layers.Dropout dropout) {
    if (dropout == null) {
      return apply(tf, x, groups, phase);
    }
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not take dropout");
  }

  /** Trainable variables. */
  List<Variable<TFloat32>> variables();

  /** Non-trained state saved with the model (batch-norm running statistics, spectral-norm vectors). */
  default List<Variable<TFloat32>> state() {
    return List.of();
  }

  /** One application's output and the activations of its last hidden layer. */
  record Outputs(Operand<TFloat32> output, Operand<TFloat32> features) {}

  /**
   * The output of {@link #apply} together with the last hidden layer's activations f(x) [N, A]: the
   * input of the final dense layer, before any minibatch-discrimination features are appended (the
   * f of feature matching and of minibatch discrimination, Salimans et al. 2016). Networks that do
   * not expose their features throw {@link UnsupportedOperationException}.
   */
  default Outputs applyWithFeatures(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not expose its hidden features");
  }
}
