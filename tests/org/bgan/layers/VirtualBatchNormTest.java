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

/** Virtual batch normalisation (Salimans et al. 2016): values against a direct pooled computation, batch independence, gradients. */
class VirtualBatchNormTest {
  /**
   * Direct evaluation: for example e, the pooled set is the N reference examples plus e itself, all
   * positions of each channel; μ and σ² (biased) are computed over those (N+1)·P values, so e gets
   * weight 1/(N+1) — written out as explicit sums, not with the closed form the layer uses. The
   * reference rows use the N·P reference values only. Layout [rows, P, C] (P positions per row).
   */
  private static double[] direct(float[] ref, int n, float[] x, int m, int p, int c, boolean reference) {
    double[] out = new double[(reference ? n : m) * p * c];
    for (int e = 0; e < (reference ? n : m); e++) {
      for (int ch = 0; ch < c; ch++) {
        double sum = 0;
        int count = 0;
        for (int r = 0; r < n; r++) {
          for (int q = 0; q < p; q++) {
            sum += ref[(r * p + q) * c + ch];
            count++;
          }
        }
        if (!reference) {
          for (int q = 0; q < p; q++) {
            sum += x[(e * p + q) * c + ch];
            count++;
          }
        }
        double mu = sum / count;
        double ss = 0;
        for (int r = 0; r < n; r++) {
          for (int q = 0; q < p; q++) {
            ss += Math.pow(ref[(r * p + q) * c + ch] - mu, 2);
          }
        }
        if (!reference) {
          for (int q = 0; q < p; q++) {
            ss += Math.pow(x[(e * p + q) * c + ch] - mu, 2);
          }
        }
        double var = ss / count;
        float[] src = reference ? ref : x;
        for (int q = 0; q < p; q++) {
          int i = (e * p + q) * c + ch;
          out[i] = (src[i] - mu) / Math.sqrt(var + VirtualBatchNorm.EPSILON);
        }
      }
    }
    return out;
  }

  private static void checkAgainstDirect(int n, int m, long[] refDims, long[] xDims, int p, int c) {
    float[] ref = Tf.randn(n * p * c, 1, 1.5);
    float[] x = Tf.randn(m * p * c, 2, 2.0);
    for (int i = 0; i < x.length; i++) {
      x[i] += 1f;  // examples off the reference's centre
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      VirtualBatchNorm vbn = new VirtualBatchNorm(tf, "vbn", c);
      VirtualBatchNorm.Out o = vbn.apply(tf, tf.constant(Shape.of(refDims), DataBuffers.of(ref)),
          tf.constant(Shape.of(xDims), DataBuffers.of(x)));
      try (Session s = new Session(g)) {
        s.initialize();  // scale 1, offset 0
        float[] yRef = Tf.flat(s, o.reference());
        float[] y = Tf.flat(s, o.x());
        double[] wantRef = direct(ref, n, x, m, p, c, true);
        double[] want = direct(ref, n, x, m, p, c, false);
        // float32 statistics of O(1) values: 2e-5 absolute on O(1) outputs.
        for (int i = 0; i < y.length; i++) {
          assertThat((double) y[i]).as("example entry %d", i).isCloseTo(want[i], within(2e-5));
        }
        for (int i = 0; i < yRef.length; i++) {
          assertThat((double) yRef[i]).as("reference entry %d", i).isCloseTo(wantRef[i], within(2e-5));
        }
        // Scale and offset: y' = 2·y − 0.5.
        s.runner().addTarget(tf.assign(vbn.variables().get(0), tf.fill(tf.constant(new long[] {c}), tf.constant(2f))))
            .addTarget(tf.assign(vbn.variables().get(1), tf.fill(tf.constant(new long[] {c}), tf.constant(-0.5f)))).run();
        float[] y2 = Tf.flat(s, o.x());
        for (int i = 0; i < y.length; i++) {
          assertThat(y2[i]).isCloseTo(2 * y[i] - 0.5f, within(1e-5f));
        }
      }
    }
  }

  @Test
  void flatFeaturesAreNormalisedWithTheReferencePooledWithTheExample() {
    checkAgainstDirect(4, 3, new long[] {4, 2}, new long[] {3, 2}, 1, 2);
  }

  @Test
  void featureMapsPoolEveryPositionOfTheReferenceAndOfTheExample() {
    checkAgainstDirect(3, 2, new long[] {3, 2, 2, 3}, new long[] {2, 2, 2, 3}, 4, 3);
  }

  @Test
  void anExampleGetsTheSameOutputAloneOrInABatch() {
    float[] ref = Tf.randn(5 * 3, 3, 1.0);
    float[] x = Tf.randn(4 * 3, 4, 1.0);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      VirtualBatchNorm vbn = new VirtualBatchNorm(tf, "vbn", 3);
      Operand<TFloat32> r = tf.constant(Shape.of(5, 3), DataBuffers.of(ref));
      Operand<TFloat32> all = vbn.apply(tf, r, tf.constant(Shape.of(4, 3), DataBuffers.of(x))).x();
      Operand<TFloat32> one = vbn.apply(tf, r, tf.constant(Shape.of(1, 3), DataBuffers.of(java.util.Arrays.copyOfRange(x, 6, 9)))).x();
      try (Session s = new Session(g)) {
        s.initialize();
        float[] a = Tf.flat(s, all);
        float[] b = Tf.flat(s, one);
        for (int i = 0; i < 3; i++) {
          assertThat(b[i]).isCloseTo(a[6 + i], within(1e-6f));
        }
      }
    }
  }

  @Test
  void gradientWithRespectToTheExamples() {
    float[] ref = Tf.randn(3 * 2 * 2 * 2, 5, 1.0);
    Tf.checkGradient(Shape.of(2, 2, 2, 2), Tf.randn(16, 6, 1.0), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return new VirtualBatchNorm(tf, "vbn", 2).apply(tf, tf.constant(Shape.of(3, 2, 2, 2), DataBuffers.of(ref)), x[0]).x();
    }, 1e-2, 3e-3, 2e-2);
  }

  @Test
  void gradientWithRespectToTheReferenceBatchThroughBothOutputs() {
    float[] x = Tf.randn(2 * 3, 7, 1.0);
    Tf.checkGradient(Shape.of(4, 3), Tf.randn(12, 8, 1.0), r -> {
      Ops tf = Ops.create((Graph) r[0].env());
      VirtualBatchNorm.Out o = new VirtualBatchNorm(tf, "vbn", 3).apply(tf, r[0], tf.constant(Shape.of(2, 3), DataBuffers.of(x)));
      return tf.concat(java.util.List.of(o.reference(), o.x()), tf.constant(0));
    }, 1e-2, 3e-3, 2e-2);
  }
}
