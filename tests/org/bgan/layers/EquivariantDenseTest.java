package org.bgan.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.bgan.losses.Losses;
import org.bgan.nets.Mlp;
import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class EquivariantDenseTest {
  private static final int B = 7;

  private static float[][] randomBatch(int n, int d, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][d];
    for (float[] row : x) {
      for (int j = 0; j < d; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    return x;
  }

  private static int[] permutation(int n, long seed) {
    List<Integer> idx = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      idx.add(i);
    }
    java.util.Collections.shuffle(idx, new Random(seed));
    return idx.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void matchesTheFormulaWithReweighting() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      EquivariantDense layer = new EquivariantDense(tf, "eq", 3, 2, 5);
      float[][] x = randomBatch(B, 3, 1);
      Operand<TFloat32> y = layer.apply(tf, tf.constant(x), 1);
      try (Session s = new Session(g)) {
        s.initialize();
        float[][] lam = Tf.matrix(s, layer.variables().get(0));
        float[][] gam = Tf.matrix(s, layer.variables().get(1));
        float[][] out = Tf.matrix(s, y);
        double[] rho = new double[3];
        for (float[] row : x) {
          for (int j = 0; j < 3; j++) {
            rho[j] += row[j] / (double) B;
          }
        }
        for (int b = 0; b < B; b++) {
          for (int o = 0; o < 2; o++) {
            double want = 0;
            for (int j = 0; j < 3; j++) {
              want += (double) B / (B + 1) * x[b][j] * lam[j][o] + 1.0 / (B + 1) * rho[j] * gam[j][o];
            }
            assertThat((double) out[b][o]).isCloseTo(want, within(1e-5));
          }
        }
      }
    }
  }

  @Test
  void everyLayerIsEquivariantAndTheBatchPredictionInvariant() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Mlp d = new Mlp(tf, "d", List.of(4, 16, 16, 1), true, 3);
      float[][] x = randomBatch(B, 4, 2);
      for (long p = 0; p < 5; p++) {
        int[] perm = permutation(B, 100 + p);
        float[][] xp = new float[B][];
        for (int i = 0; i < B; i++) {
          xp[i] = x[perm[i]];
        }
        Operand<TFloat32> o = d.apply(tf, tf.constant(x), 1);
        Operand<TFloat32> op = d.apply(tf, tf.constant(xp), 1);
        Operand<TFloat32> batch = Losses.setLogits(tf, tf.reshape(o, tf.constant(new long[] {-1})), 1);
        Operand<TFloat32> batchP = Losses.setLogits(tf, tf.reshape(op, tf.constant(new long[] {-1})), 1);
        try (Session s = new Session(g)) {
          s.initialize();
          float[] a = Tf.flat(s, o);
          float[] bp = Tf.flat(s, op);
          for (int i = 0; i < B; i++) {
            assertThat(bp[i]).isCloseTo(a[perm[i]], within(1e-5f));
          }
          assertThat(Tf.scalar(s, batchP)).isCloseTo(Tf.scalar(s, batch), within(1e-5f));
          // The elements do interact (through ρ): changing one element moves the others' outputs.
          float[][] x2 = java.util.Arrays.stream(x).map(float[]::clone).toArray(float[][]::new);
          x2[0][0] += 3f;
          float[] a2 = Tf.flat(s, d.apply(tf, tf.constant(x2), 1));
          assertThat(Math.abs(a2[1] - a[1])).isGreaterThan(1e-4f);
        }
      }
    }
  }

  @Test
  void foldedScalesGiveTheSameNetworkAndGradientsAsLayerByLayer() {
    for (int groups : new int[] {1, 2}) {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Mlp d = new Mlp(tf, "d", List.of(3, 16, 16, 1), true, 8);
        Operand<TFloat32> x = tf.constant(randomBatch(2 * B, 3, 12));
        Operand<TFloat32> fast = d.apply(tf, x, groups);
        Operand<TFloat32> ref = d.applyLayerByLayer(tf, x, groups);
        var gf = tf.gradients(tf.reduceSum(tf.math.square(fast), tf.constant(new int[] {0, 1})), d.variables());
        var gr = tf.gradients(tf.reduceSum(tf.math.square(ref), tf.constant(new int[] {0, 1})), d.variables());
        try (Session s = new Session(g)) {
          s.initialize();
          assertThat(Tf.flat(s, fast)).containsExactly(Tf.flat(s, ref), within(1e-5f));
          for (int i = 0; i < d.variables().size(); i++) {
            float[] a = Tf.flat(s, gf.dy(i));
            float[] b = Tf.flat(s, gr.dy(i));
            for (int j = 0; j < a.length; j++) {
              assertThat(a[j]).as("groups %d, variable %d entry %d", groups, i, j)
                  .isCloseTo(b[j], within(1e-4f + 1e-4f * Math.abs(b[j])));
            }
          }
        }
      }
    }
  }

  @Test
  void setsStackedInOneBatchDoNotInteract() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Mlp d = new Mlp(tf, "d", List.of(3, 8, 1), true, 4);
      float[][] a = randomBatch(B, 3, 5);
      float[][] b = randomBatch(B, 3, 6);
      float[][] both = new float[2 * B][];
      System.arraycopy(a, 0, both, 0, B);
      System.arraycopy(b, 0, both, B, B);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] oa = Tf.flat(s, d.apply(tf, tf.constant(a), 1));
        float[] ob = Tf.flat(s, d.apply(tf, tf.constant(b), 1));
        float[] o2 = Tf.flat(s, d.apply(tf, tf.constant(both), 2));
        for (int i = 0; i < B; i++) {
          assertThat(o2[i]).isCloseTo(oa[i], within(1e-5f));
          assertThat(o2[B + i]).isCloseTo(ob[i], within(1e-5f));
        }
      }
    }
  }

  @Test
  void gradientWithRespectToInput() {
    Tf.checkGradient(Shape.of(6, 3), Tf.randn(18, 9, 1), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return new EquivariantDense(tf, "eq", 3, 4, 1).apply(tf, x[0], 2);
    }, 1e-2, 2e-3, 1e-2);
  }

  @Test
  void gradientWithRespectToParameters() {
    // Λ and Γ enter linearly; check through an input-independent graph where x is the kernel.
    Tf.checkGradient(Shape.of(3, 2), Tf.randn(6, 10, 1), w -> {
      Ops tf = Ops.create((Graph) w[0].env());
      Operand<TFloat32> x = tf.constant(randomBatch(5, 3, 11));
      Operand<TFloat32> rho = org.bgan.ops.BatchRho.create(tf, x, 1);
      Operand<TFloat32> own = tf.math.mul(tf.linalg.matMul(x, w[0]), tf.constant(5f / 6));
      return tf.math.tanh(tf.math.add(own, tf.math.mul(tf.linalg.matMul(rho, w[0]), tf.constant(1f / 6))));
    }, 1e-2, 2e-3, 1e-2);
  }
}
