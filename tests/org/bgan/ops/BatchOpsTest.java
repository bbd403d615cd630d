package org.bgan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class BatchOpsTest {
  private static final int DRAWS = 20_000;

  @Test
  void rhoIsThePerSetMean() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      BatchOps b = BatchOps.create(tf);
      // Two sets of two 3-d elements.
      Operand<TFloat32> x = tf.constant(new float[][] {{1, 2, 3}, {3, 4, 5}, {10, 0, -2}, {0, 0, 2}});
      assertThat(Tf.matrix(s, b.rho(x, 1))).isDeepEqualTo(new float[][] {{3.5f, 1.5f, 2f}});
      assertThat(Tf.matrix(s, b.rho(x, 2))).isDeepEqualTo(new float[][] {{2, 3, 4}, {5, 0, 0}});
      // Flat batches: one product with the constant averaging matrix, under the op's own scope.
      assertThat(g.operation("BatchRho/MatMul")).isNotNull();
      assertThat(Tf.matrix(s, BatchRho.setAverages(tf, 2, 4))).isDeepEqualTo(new float[][] {{0.5f, 0.5f, 0, 0}, {0, 0, 0.5f, 0.5f}});
      // Feature maps: the per-set mean over a [sets, B, ...] view.
      Operand<TFloat32> maps = tf.reshape(x, tf.constant(new long[] {4, 3, 1, 1}));
      assertThat(Tf.flat(s, b.rho(maps, 2))).containsExactly(2, 3, 4, 5, 0, 0);
      java.util.List<String> means = new java.util.ArrayList<>();
      g.operations().forEachRemaining(op -> {
        if (op.type().equals("Mean")) {
          means.add(op.name());
        }
      });
      assertThat(means).hasSize(1).allMatch(name -> name.startsWith("BatchRho"));
    }
  }

  @Test
  void rhoRejectsBadShapes() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      assertThatThrownBy(() -> BatchRho.create(tf, tf.constant(new float[] {1, 2, 3}), 1))
          .hasMessageContaining("rank >= 2");
      assertThatThrownBy(() -> BatchRho.create(tf, tf.constant(new float[3][2]), 2))
          .hasMessageContaining("not a multiple of groups");
    }
  }

  private static float[] ratios(float gamma) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      return Tf.flat(s, BatchOps.create(tf).smoothingRatio(Seeds.constant(tf, 7, 11), DRAWS, gamma));
    }
  }

  @Test
  void gammaZeroGivesPureBatchesHalfTheTime() {
    float[] p = ratios(0f);
    int ones = 0;
    for (float v : p) {
      assertThat(v == 0f || v == 1f).as("p = %f", v).isTrue();
      ones += v == 1f ? 1 : 0;
    }
    // Binomial(20000, 1/2): standard deviation 71; allow 5 of them.
    assertThat(Math.abs(ones - DRAWS / 2)).isLessThan(355);
  }

  @Test
  void smoothingGammaPointThreeIsUniformOnTheTwoEnds() {
    float[] p = ratios(0.3f);
    int[] bins = new int[4]; // [0,.15) [.15,.3] [.7,.85) [.85,1]
    for (float v : p) {
      assertThat(v <= 0.3f || v >= 0.7f).as("p = %f inside the gap", v).isTrue();
      bins[v < 0.15f ? 0 : v <= 0.3f ? 1 : v < 0.85f ? 2 : 3]++;
    }
    // Each bin has probability 1/4: sd sqrt(20000·3/16) = 61; allow 5 sd.
    for (int c : bins) {
      assertThat(Math.abs(c - DRAWS / 4)).isLessThan(306);
    }
  }

  @Test
  void smoothingGammaHalfIsUniform() {
    double[] mv = meanAndVarianceInUnitInterval(ratios(0.5f));
    double mean = mv[0];
    double var = mv[1];
    // U[0,1]: mean 1/2 (se 0.002), variance 1/12 = 0.0833 (se ~0.0005).
    assertThat(mean).isCloseTo(0.5, within(0.01));
    assertThat(var).isCloseTo(1.0 / 12, within(0.003));
  }

  @Test
  void betaPriorHasTheBetaMoments() {
    float[] p;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      p = Tf.flat(s, BatchOps.create(tf).betaRatio(Seeds.constant(tf, 3, 5), DRAWS, 2f, 5f));
    }
    double[] mv = meanAndVarianceInUnitInterval(p);
    double mean = mv[0];
    double var = mv[1];
    // Beta(2,5): mean 2/7 = 0.2857 (se 0.0011), variance 10/392 = 0.02551 (se ~0.0003).
    assertThat(mean).isCloseTo(2.0 / 7, within(0.006));
    assertThat(var).isCloseTo(10.0 / 392, within(0.0015));
  }

  /** Checks every draw lies in [0, 1]; returns its mean and (population) variance. */
  private static double[] meanAndVarianceInUnitInterval(float[] p) {
    double mean = 0;
    double sq = 0;
    for (float v : p) {
      assertThat(v).isBetween(0f, 1f);
      mean += v;
      sq += v * v;
    }
    mean /= p.length;
    return new double[] {mean, sq / p.length - mean * mean};
  }

  @Test
  void maskFollowsItsSetsRatio() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      BatchOps b = BatchOps.create(tf);
      Operand<TFloat32> mask = b.mixingMask(tf.constant(new float[] {0f, 0.2f, 0.7f, 1f}), DRAWS, Seeds.constant(tf, 1, 2));
      float[][] m = Tf.matrix(s, mask);
      double[] expect = {0, 0.2, 0.7, 1};
      for (int r = 0; r < 4; r++) {
        double sum = 0;
        for (float v : m[r]) {
          assertThat(v == 0f || v == 1f).isTrue();
          sum += v;
        }
        // Binomial proportion se <= sqrt(.25/20000) = 0.0035; allow 5 se.
        assertThat(sum / DRAWS).isCloseTo(expect[r], within(0.018));
      }
    }
  }

  @Test
  void mixedBatchTakesRealWhereMaskIsOneAndComplementTheRest() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      BatchOps b = BatchOps.create(tf);
      Operand<TFloat32> real = tf.constant(new float[][] {{1, 1}, {2, 2}, {3, 3}, {4, 4}});
      Operand<TFloat32> fake = tf.constant(new float[][] {{-1, -1}, {-2, -2}, {-3, -3}, {-4, -4}});
      Operand<TFloat32> mask = tf.constant(new float[][] {{1, 0, 0, 1}});
      MixBatch.Mixed m = b.mixBatch(real, fake, mask);
      MixBatch.Mixed c = b.mixBatchComplement(real, fake, mask);
      assertThat(Tf.matrix(s, m.batch())).isDeepEqualTo(new float[][] {{1, 1}, {-2, -2}, {-3, -3}, {4, 4}});
      assertThat(Tf.flat(s, m.target())).containsExactly(0.5f);
      assertThat(Tf.matrix(s, c.batch())).isDeepEqualTo(new float[][] {{-1, -1}, {2, 2}, {3, 3}, {-4, -4}});
      Operand<TFloat32> mask3 = tf.constant(new float[][] {{1, 1}, {0, 1}});
      assertThat(Tf.flat(s, b.mixBatch(real, fake, mask3).target())).containsExactly(1f, 0.5f);
      assertThat(Tf.flat(s, b.mixBatchComplement(real, fake, mask3).target())).containsExactly(0f, 0.5f);
    }
  }

  @Test
  void sameSeedSameDrawsOtherSeedOtherDraws() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      BatchOps b = BatchOps.create(tf);
      Operand<TInt64> s1 = Seeds.constant(tf, 1, 1);
      float[] a = Tf.flat(s, b.smoothingRatio(s1, 50, 0.5f));
      float[] a2 = Tf.flat(s, b.smoothingRatio(s1, 50, 0.5f));
      float[] c = Tf.flat(s, b.smoothingRatio(b.seed(s1, 99), 50, 0.5f));
      assertThat(a).containsExactly(a2);
      assertThat(a).isNotEqualTo(c);
    }
  }

  @Test
  void gradientOfRho() {
    Tf.checkGradient(Shape.of(6, 3), Tf.randn(18, 1, 1), x -> BatchRho.create(Ops.create(graphOf(x[0])), x[0], 2),
        1e-2, 1e-3, 1e-2);
  }

  @Test
  void gradientOfMixBatchWithRespectToFakeAndReal() {
    float[][] maskv = {{1, 0, 0, 1, 0}};
    // d/d fake: flows through (1 − β) only.
    Tf.checkGradient(Shape.of(5, 2), Tf.randn(10, 2, 1), x -> {
      Ops tf = Ops.create(graphOf(x[0]));
      Operand<TFloat32> real = tf.constant(new float[][] {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}});
      Operand<TFloat32> mixed = MixBatch.create(tf, real, tf.math.mul(x[0], x[0]), tf.constant(maskv)).batch();
      return tf.math.add(mixed, MixBatch.complement(tf, real, x[0], tf.constant(maskv)).batch());
    }, 1e-2, 2e-3, 1e-2);
  }

  static Graph graphOf(Operand<?> x) {
    return (Graph) x.env();
  }
}
