package org.bgan.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Minibatch discrimination (Salimans et al. 2016): o(x) against a direct evaluation of the formula, sets, gradients. */
class MinibatchDiscriminationTest {
  private static final int A = 3;
  private static final int K = 2;
  private static final int C = 2;

  /**
   * The formula evaluated directly in double precision: M_i = x_i·T with T as an A × (K·C) matrix
   * (column k·C + c), o_ik = Σ_{j in i's set} exp(−Σ_c |M_i,kc − M_j,kc|).
   */
  private static double[][] direct(float[] x, int n, float[] t, int groups) {
    double[][] m = new double[n][K * C];
    for (int i = 0; i < n; i++) {
      for (int col = 0; col < K * C; col++) {
        for (int a = 0; a < A; a++) {
          m[i][col] += (double) x[i * A + a] * t[a * K * C + col];
        }
      }
    }
    int b = n / groups;
    double[][] o = new double[n][K];
    for (int i = 0; i < n; i++) {
      int set = i / b;
      for (int j = set * b; j < (set + 1) * b; j++) {
        for (int k = 0; k < K; k++) {
          double l1 = 0;
          for (int c = 0; c < C; c++) {
            l1 += Math.abs(m[i][k * C + c] - m[j][k * C + c]);
          }
          o[i][k] += Math.exp(-l1);
        }
      }
    }
    return o;
  }

  @Test
  void featuresMatchTheFormulaWithinEachSet() {
    int n = 6;
    float[] x = Tf.randn(n * A, 1, 0.7);
    float[] t = Tf.randn(A * K * C, 2, 0.6);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> xs = tf.constant(Shape.of(n, A), DataBuffers.of(x));
      Operand<TFloat32> ts = tf.constant(Shape.of(A, K * C), DataBuffers.of(t));
      for (int groups : new int[] {1, 2, 3}) {
        float[] o = Tf.flat(s, MinibatchDiscrimination.features(tf, xs, ts, groups, K, C));
        double[][] want = direct(x, n, t, groups);
        for (int i = 0; i < n; i++) {
          for (int k = 0; k < K; k++) {
            // float32 products of O(1) values: 1e-5 absolute.
            assertThat((double) o[i * K + k]).as("groups %d, o[%d][%d]", groups, i, k).isCloseTo(want[i][k], within(1e-5));
            // The j = i term alone is exp(0) = 1; the other terms are in (0, 1].
            assertThat(want[i][k]).isBetween(1.0, (double) n / groups);
          }
        }
      }
      // A tiny hand case: A = 1, K = 1, C = 1, T = [[2]], x = (0, 0.5, 3):
      // M = (0, 1, 6); o_0 = 1 + e^-1 + e^-6, o_1 = e^-1 + 1 + e^-5, o_2 = e^-6 + e^-5 + 1.
      float[] tiny = Tf.flat(s, MinibatchDiscrimination.features(tf, tf.constant(new float[][] {{0f}, {0.5f}, {3f}}),
          tf.constant(new float[][] {{2f}}), 1, 1, 1));
      assertThat((double) tiny[0]).isCloseTo(1 + Math.exp(-1) + Math.exp(-6), within(1e-6));
      assertThat((double) tiny[1]).isCloseTo(Math.exp(-1) + 1 + Math.exp(-5), within(1e-6));
      assertThat((double) tiny[2]).isCloseTo(Math.exp(-6) + Math.exp(-5) + 1, within(1e-6));
    }
  }

  @Test
  void layerAppendsTheFeaturesAndKeepsTheSetsApart() {
    int b = 4;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      MinibatchDiscrimination layer = new MinibatchDiscrimination(tf, "mbd", A, new MinibatchDiscrimination.Spec(K, C), 3);
      float[] real = Tf.randn(b * A, 5, 1.0);
      float[] fake = Tf.randn(b * A, 6, 1.0);
      float[] both = new float[2 * b * A];
      System.arraycopy(real, 0, both, 0, real.length);
      System.arraycopy(fake, 0, both, real.length, fake.length);
      float[] fake2 = fake.clone();
      fake2[0] += 3f;
      float[] both2 = both.clone();
      both2[real.length] += 3f;
      Operand<TFloat32> y = layer.apply(tf, tf.constant(Shape.of(2 * b, A), DataBuffers.of(both)), 2);
      Operand<TFloat32> y2 = layer.apply(tf, tf.constant(Shape.of(2 * b, A), DataBuffers.of(both2)), 2);
      Operand<TFloat32> yReal = layer.apply(tf, tf.constant(Shape.of(b, A), DataBuffers.of(real)), 1);
      assertThat(y.shape()).isEqualTo(Shape.of(2 * b, A + K));
      assertThat(layer.outputSize()).isEqualTo(A + K);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] out = Tf.flat(s, y);
        float[] out2 = Tf.flat(s, y2);
        float[] outReal = Tf.flat(s, yReal);
        int row = A + K;
        for (int i = 0; i < 2 * b; i++) {
          for (int a = 0; a < A; a++) {
            assertThat(out[i * row + a]).isEqualTo(both[i * A + a]);  // f(x) passed through unchanged
          }
        }
        for (int i = 0; i < b * row; i++) {
          // The real half with the fake half beside it = the real half alone, and a changed fake
          // sample leaves the real half's features alone.
          assertThat(out[i]).isCloseTo(outReal[i], within(1e-6f));
          assertThat(out2[i]).isEqualTo(out[i]);
        }
        // ... while it moves the other fake samples' features.
        assertThat(Math.abs(out2[(b + 1) * row + A] - out[(b + 1) * row + A])).isGreaterThan(1e-4f);
      }
    }
  }

  @Test
  void gradientWithRespectToTheFeatures() {
    float[] t = Tf.randn(A * K * C, 8, 0.6);
    Tf.checkGradient(Shape.of(6, A), Tf.randn(6 * A, 9, 0.7), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return MinibatchDiscrimination.features(tf, x[0], tf.constant(Shape.of(A, K * C), DataBuffers.of(t)), 2, K, C);
    }, 1e-3, 2e-3, 1e-2);
  }

  @Test
  void gradientWithRespectToTheTensorT() {
    float[] x = Tf.randn(5 * A, 10, 0.7);
    Tf.checkGradient(Shape.of(A, K * C), Tf.randn(A * K * C, 11, 0.6), t -> {
      Ops tf = Ops.create((Graph) t[0].env());
      return MinibatchDiscrimination.features(tf, tf.constant(Shape.of(5, A), DataBuffers.of(x)), t[0], 1, K, C);
    }, 1e-3, 2e-3, 1e-2);
  }
}
