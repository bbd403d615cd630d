package org.bgan.techniques;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.nn.ReluGrad;
import org.tensorflow.types.family.TNumber;

/**
 * Gradients that TF 2.16's C++ gradient registry lacks and that a gradient penalty needs (the gradient
 * of a gradient through D), registered with {@link TensorFlow#registerCustomGradient} once per JVM.
 * Checked by GradientPenaltyTest on the MLP (ReLU) and the conv discriminators (leaky ReLU, with and
 * without spectral norm): only {@code ReluGrad} was missing; {@code LeakyReluGrad}, {@code MatMul},
 * {@code Conv2DBackpropInput} and the rest have C++ gradients.
 *
 * <ul>
 *   <li>{@code ReluGrad(g, f) = g ⊙ [f > 0]}: w.r.t. g it is {@code ReluGrad(dy, f)}; w.r.t. f it is 0
 *       almost everywhere (the indicator is piecewise constant).
 * </ul>
 */
public final class SecondOrderGradients {
  private static boolean registered;

  private SecondOrderGradients() {}

  /** Registers the missing gradients (idempotent; call before building a graph that needs them). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static synchronized void ensureRegistered() {
    if (registered) {
      return;
    }
    TensorFlow.registerCustomGradient(ReluGrad.Inputs.class, (tf, op, gradOutputs) -> {
      ReluGrad.Inputs in = (ReluGrad.Inputs) op;
      Operand dy = gradOutputs.get(0);
      Operand<? extends TNumber> dg = tf.nn.reluGrad(dy, in.features);
      return List.of(dg, tf.zerosLike(in.features));
    });
    registered = true;
  }
}
