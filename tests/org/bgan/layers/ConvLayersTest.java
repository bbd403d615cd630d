package org.bgan.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.bgan.metrics.DenseMath;
import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The convolutional layers: equivariant convolution, transposed convolution, spectral and batch normalisation. */
class ConvLayersTest {
  private static Operand<TFloat32> images(Ops tf, int n, int h, int w, int c, long seed) {
    return tf.constant(Shape.of(n, h, w, c), DataBuffers.of(Tf.randn(n * h * w * c, seed, 1.0)));
  }

  /** Rows of x ([n, h, w, c]) reordered by perm. */
  private static float[] permuteRows(float[] x, int[] perm, int row) {
    float[] out = new float[x.length];
    for (int i = 0; i < perm.length; i++) {
      System.arraycopy(x, perm[i] * row, out, i * row, row);
    }
    return out;
  }

  @Test
  void equivariantConvWithOneByOneKernelsMatchesEquation12ByHand() {
    // With 1x1 kernels the convolution is a per-pixel matrix product, so eq. 12 can be written out.
    int b = 5;
    int h = 3;
    int cin = 2;
    int cout = 3;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      EquivariantConv2D layer = new EquivariantConv2D(tf, "eq", 1, 1, cin, cout, false, 3);
      float[] x = Tf.randn(b * h * h * cin, 4, 1.0);
      Operand<TFloat32> y = layer.apply(tf, tf.constant(Shape.of(b, h, h, cin), DataBuffers.of(x)), 1, Phase.train());
      try (Session s = new Session(g)) {
        s.initialize();
        s.runner().addTarget(tf.assign(layer.variables().get(2), tf.constant(new float[] {0.5f, -1f, 2f}))).run();
        float[] lam = Tf.flat(s, layer.variables().get(0));
        float[] gam = Tf.flat(s, layer.variables().get(1));
        float[] bias = {0.5f, -1f, 2f};
        float[] out = Tf.flat(s, y);
        for (int p = 0; p < h * h; p++) {
          double[] rho = new double[cin];
          for (int i = 0; i < b; i++) {
            for (int c = 0; c < cin; c++) {
              rho[c] += x[(i * h * h + p) * cin + c] / (double) b;
            }
          }
          for (int i = 0; i < b; i++) {
            for (int o = 0; o < cout; o++) {
              double want = bias[o];
              for (int c = 0; c < cin; c++) {
                want += (double) b / (b + 1) * x[(i * h * h + p) * cin + c] * lam[c * cout + o]
                    + 1.0 / (b + 1) * rho[c] * gam[c * cout + o];
              }
              assertThat((double) out[(i * h * h + p) * cout + o]).isCloseTo(want, within(1e-5));
            }
          }
        }
      }
    }
  }

  @Test
  void equivariantConvCommutesWithBatchPermutations() {
    int b = 6;
    int row = 8 * 8 * 3;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      EquivariantConv2D layer = new EquivariantConv2D(tf, "eq", 4, 2, 3, 5, false, 7);
      float[] x = Tf.randn(b * row, 11, 1.0);
      int[] perm = {3, 0, 5, 1, 4, 2};
      Operand<TFloat32> y = layer.apply(tf, tf.constant(Shape.of(b, 8, 8, 3), DataBuffers.of(x)), 1, Phase.train());
      Operand<TFloat32> yp = layer.apply(tf, tf.constant(Shape.of(b, 8, 8, 3), DataBuffers.of(permuteRows(x, perm, row))), 1,
          Phase.train());
      try (Session s = new Session(g)) {
        s.initialize();
        float[] a = Tf.flat(s, y);
        float[] ap = Tf.flat(s, yp);
        int outRow = 4 * 4 * 5;
        assertThat(ap).containsExactly(permuteRows(a, perm, outRow), within(1e-5f));
        // ρ couples the elements: a change to one element moves the others.
        float[] x2 = x.clone();
        x2[0] += 4f;
        float[] a2 = Tf.flat(s, layer.apply(tf, tf.constant(Shape.of(b, 8, 8, 3), DataBuffers.of(x2)), 1, Phase.train()));
        assertThat(Math.abs(a2[outRow] - a[outRow])).isGreaterThan(1e-4f);
      }
    }
  }

  @Test
  void equivariantConvGradientWithRespectToInput() {
    Tf.checkGradient(Shape.of(4, 5, 5, 2), Tf.randn(4 * 5 * 5 * 2, 12, 1.0), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return tf.math.tanh(new EquivariantConv2D(tf, "eq", 3, 2, 2, 3, false, 1).apply(tf, x[0], 2, Phase.train()));
    }, 1e-2, 2e-3, 1e-2);
  }

  @Test
  void equivariantConvGradientWithRespectToTheKernels() {
    // Λ and Γ enter the layer as convolution kernels of x and of ρ(x); check both through a kernel fed as input.
    Tf.checkGradient(Shape.of(3, 3, 2, 3), Tf.randn(54, 13, 0.5), w -> {
      Ops tf = Ops.create((Graph) w[0].env());
      Operand<TFloat32> x = images(tf, 4, 5, 5, 2, 14);
      Operand<TFloat32> own = tf.math.mul(Conv2D.conv(tf, x, w[0], 1), tf.constant(4f / 5));
      Operand<TFloat32> pooled = tf.math.mul(Conv2D.conv(tf, org.bgan.ops.BatchRho.create(tf, x, 1), w[0], 1), tf.constant(1f / 5));
      return tf.math.tanh(tf.math.add(own, pooled));
    }, 1e-2, 2e-3, 1e-2);
  }

  @Test
  void deconvDoublesTheSideAndHasTheRightGradient() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> y = new Deconv2D(tf, "up", 4, 2, 3, 2, 1).apply(tf, images(tf, 2, 4, 4, 3, 1));
      assertThat(y.shape()).isEqualTo(Shape.of(2, 8, 8, 2));
    }
    Tf.checkGradient(Shape.of(2, 3, 3, 2), Tf.randn(36, 15, 1.0), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return tf.math.tanh(new Deconv2D(tf, "up", 4, 2, 2, 3, 2).apply(tf, x[0]));
    }, 1e-2, 2e-3, 1e-2);
  }

  @Test
  void spectralNormConvergesToTheLargestSingularValueOfTheKernel() {
    // Kernel [3, 3, 2, 4] viewed as an 18 x 4 matrix; exact σ from the eigenvalues of WᵀW.
    float[] w = Tf.randn(72, 21, 1.0);
    double[] wtw = new double[16];
    for (int i = 0; i < 18; i++) {
      for (int a = 0; a < 4; a++) {
        for (int b = 0; b < 4; b++) {
          wtw[a * 4 + b] += (double) w[i * 4 + a] * w[i * 4 + b];
        }
      }
    }
    double[] eig = DenseMath.symmetricEigenvalues(wtw, 4);
    double sigma = Math.sqrt(java.util.Arrays.stream(eig).max().getAsDouble());
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var v = Vars.create(tf, "kernel", tf.constant(Shape.of(3, 3, 2, 4), DataBuffers.of(w)));
      SpectralNorm sn = new SpectralNorm(tf, "kernel", v, 5);
      Phase phase = Phase.trainUpdating();
      Operand<TFloat32> normalized = sn.normalized(tf, phase);
      assertThat(phase.updates()).hasSize(1);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] out = Tf.runWithUpdates(s, normalized, phase, 60);
        // After the power iteration has converged, W / σ̂ = W / σ entry by entry.
        for (int i = 0; i < w.length; i++) {
          assertThat((double) out[i]).isCloseTo(w[i] / sigma, within(1e-4 * Math.max(1, Math.abs(w[i] / sigma))));
        }
      }
    }
  }

  @Test
  void spectralNormGradientFlowsThroughTheWeightAndSigma() {
    // With u fixed, W ↦ W / (v W u'ᵀ) with v, u' held constant; compared with central differences.
    Tf.checkGradient(Shape.of(3, 2), Tf.randn(6, 22, 1.0), w -> {
      Ops tf = Ops.create((Graph) w[0].env());
      Operand<TFloat32> u = tf.constant(new float[][] {{0.6f, 0.8f}});
      Operand<TFloat32> vv = tf.stopGradient(l2(tf, tf.linalg.matMul(u, w[0], org.tensorflow.op.linalg.MatMul.transposeB(true))));
      Operand<TFloat32> u2 = tf.stopGradient(l2(tf, tf.linalg.matMul(vv, w[0])));
      Operand<TFloat32> sigma = tf.reduceSum(tf.math.mul(tf.linalg.matMul(vv, w[0]), u2), tf.constant(new int[] {0, 1}));
      return tf.math.div(w[0], sigma);
    }, 1e-3, 2e-3, 1e-2);
  }

  private static Operand<TFloat32> l2(Ops s, Operand<TFloat32> x) {
    Operand<TFloat32> n2 = s.reduceSum(s.math.mul(x, x), s.constant(new int[] {0, 1}));
    return s.math.mul(x, s.math.rsqrt(s.math.add(n2, s.constant(1e-12f))));
  }

  @Test
  void batchNormNormalisesInTrainingAndUsesMovingAveragesForInference() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      BatchNorm bn = new BatchNorm(tf, "bn", 3);
      float[] raw = Tf.randn(8 * 2 * 2 * 3, 31, 2.0);
      for (int i = 0; i < raw.length; i++) {
        raw[i] += (i % 3) * 5f;  // channel means 0, 5, 10
      }
      Operand<TFloat32> x = tf.constant(Shape.of(8, 2, 2, 3), DataBuffers.of(raw));
      Phase train = Phase.trainUpdating();
      Operand<TFloat32> y = bn.apply(tf, x, train);
      Operand<TFloat32> inf = bn.apply(tf, x, Phase.infer());
      assertThat(train.updates()).hasSize(2);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] out = Tf.flat(s, y);
        for (int c = 0; c < 3; c++) {
          double m = 0;
          double v = 0;
          for (int i = c; i < out.length; i += 3) {
            m += out[i] / 32.0;
          }
          for (int i = c; i < out.length; i += 3) {
            v += (out[i] - m) * (out[i] - m) / 32.0;
          }
          assertThat(m).isCloseTo(0, within(1e-5));
          assertThat(v).isCloseTo(1, within(1e-3));  // biased variance; ε = 1e-5 shifts it by ~1e-5/var
        }
        // Before any update, inference uses mean 0 and variance 1: (x − 0) / sqrt(1 + ε).
        float[] before = Tf.flat(s, inf);
        assertThat(before[5]).isCloseTo(raw[5] / (float) Math.sqrt(1 + BatchNorm.EPSILON), within(1e-4f));
        for (int it = 0; it < 200; it++) {
          var r = s.runner();
          train.updates().forEach(r::addTarget);
          r.run();
        }
        // After many updates the moving mean is the batch mean; inference then centres each channel.
        float[] after = Tf.flat(s, inf);
        for (int c = 0; c < 3; c++) {
          double m = 0;
          for (int i = c; i < after.length; i += 3) {
            m += after[i] / 32.0;
          }
          assertThat(m).isCloseTo(0, within(1e-3));
        }
      }
    }
  }

  @Test
  void batchNormGradientWithRespectToInput() {
    Tf.checkGradient(Shape.of(6, 2, 2, 2), Tf.randn(48, 32, 1.0), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return new BatchNorm(tf, "bn", 2).apply(tf, x[0], Phase.train());
    }, 1e-2, 3e-3, 2e-2);
  }

  @Test
  void perSampleConvIgnoresTheOtherElements() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Conv2D conv = new Conv2D(tf, "c", 3, 1, 2, 3, true, false, 1);
      float[] x = Tf.randn(3 * 4 * 4 * 2, 41, 1.0);
      float[] x2 = x.clone();
      x2[40] += 5f;  // element 1
      try (Session s = new Session(g)) {
        s.initialize();
        float[] a = Tf.flat(s, conv.apply(tf, tf.constant(Shape.of(3, 4, 4, 2), DataBuffers.of(x)), Phase.train()));
        float[] b = Tf.flat(s, conv.apply(tf, tf.constant(Shape.of(3, 4, 4, 2), DataBuffers.of(x2)), Phase.train()));
        int row = 4 * 4 * 3;
        for (int i = 0; i < row; i++) {
          assertThat(b[i]).isEqualTo(a[i]);
          assertThat(b[2 * row + i]).isEqualTo(a[2 * row + i]);
        }
      }
    }
  }

}
