package org.bgan.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.bgan.layers.Vars;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

class AdamOptimizerTest {
  /**
   * With a constant gradient g, Adam's bias-corrected step is lr_t · g / (|g| + ε) ≈ lr_t exactly
   * (m_t = (1 − β1^t) g and v_t = (1 − β2^t) g², so both corrections cancel), so each update moves the
   * variable by the scheduled rate: lr0 · (1 − 0.9 · (t − 1)/4) for t = 1..5 with final fraction 0.1
   * over 5 updates (0.1, 0.0775, 0.055, 0.0325, 0.01), then held at 0.01.
   */
  @Test
  void linearDecayMovesAConstantGradientVariableByTheScheduledRate() {
    double[] expected = {0.1, 0.0775, 0.055, 0.0325, 0.01, 0.01, 0.01};
    assertThat(deltas(0.1f, 5, expected.length)).containsExactly(expected, within(2e-6));
  }

  @Test
  void withoutDecayEveryStepUsesTheSameRate() {
    assertThat(deltas(1f, 5, 4)).containsExactly(new double[] {0.1, 0.1, 0.1, 0.1}, within(2e-6));
  }

  private static double[] deltas(float finalFraction, long total, int steps) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> w = Vars.create(tf, "w", tf.constant(0f));
      Operand<TFloat32> grad = tf.constant(2f);
      Op update = new AdamOptimizer(tf, "adam", List.of(w), 0.1f, 0.9f, 0.999f, 1e-8f, finalFraction, total)
          .apply(tf, List.of(grad));
      double[] out = new double[steps];
      try (Session s = new Session(g)) {
        s.initialize();
        double prev = 0;
        for (int i = 0; i < steps; i++) {
          s.runner().addTarget(update).run();
          try (TFloat32 v = (TFloat32) s.runner().fetch(w).run().get(0)) {
            out[i] = prev - v.getFloat();
            prev = v.getFloat();
          }
        }
      }
      return out;
    }
  }
}
