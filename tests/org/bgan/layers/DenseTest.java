package org.bgan.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/** Dense's initialisation with rows left at zero (the inputs a layer starts by ignoring). */
class DenseTest {
  private static float[] kernel(long zeroFrom) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Dense d = zeroFrom < 0 ? new Dense(tf, "d", 4, 3, true, false, 5) : new Dense(tf, "d", 4, 3, true, false, 5, zeroFrom);
      s.initialize();
      return Tf.flat(s, d.variables().get(0));
    }
  }

  @Test
  void rowsFromZeroFromStartAtZeroAndTheOthersAreThePlainDraws() {
    float[] plain = kernel(-1);
    float[] masked = kernel(2);
    for (int r = 0; r < 4; r++) {
      for (int c = 0; c < 3; c++) {
        float want = r < 2 ? plain[r * 3 + c] : 0f;
        assertThat(masked[r * 3 + c]).as("kernel[%d][%d]", r, c).isEqualTo(want);
      }
    }
    // Glorot limit sqrt(6 / (4 + 3)): the kept rows are nonzero draws of the full layer's fan-in.
    for (int i = 0; i < 6; i++) {
      assertThat(Math.abs(plain[i])).isGreaterThan(0f).isLessThanOrEqualTo((float) Math.sqrt(6.0 / 7));
    }
    assertThat(kernel(4)).containsExactly(plain);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      assertThatThrownBy(() -> new Dense(tf, "d", 4, 3, true, false, 5, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new Dense(tf, "e", 4, 3, true, false, 5, 5)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
