package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MomentAccumulatorTest {
  @Test
  void matchesTwoPassCovarianceAndIsStableUnderALargeOffset() {
    // features = 1e6 + small noise: the one-pass Σxx^T − nμμ^T formula loses every digit here,
    // the batch-centred merge keeps them. Reference: the exact two-pass formula in double.
    Random rng = new Random(11);
    int n = 257;
    int d = 5;
    double[] x = new double[n * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = 1e6 + rng.nextGaussian() * 1e-2;
    }
    MomentAccumulator acc = new MomentAccumulator(d);
    for (int off = 0; off < n; off += 10) {
      int rows = Math.min(10, n - off);
      acc.add(java.util.Arrays.copyOfRange(x, off * d, (off + rows) * d), rows);
    }
    double[] mean = new double[d];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < d; j++) {
        mean[j] += x[r * d + j] / n;
      }
    }
    double[] cov = acc.covariance();
    for (int i = 0; i < d; i++) {
      assertThat(acc.mean()[i]).isCloseTo(mean[i], within(1e-9));
      for (int j = 0; j < d; j++) {
        double s = 0;
        for (int r = 0; r < n; r++) {
          s += (x[r * d + i] - mean[i]) * (x[r * d + j] - mean[j]);
        }
        s /= n - 1;
        // entries are ~1e-4; relative accuracy ~1e-7 of the entry despite the 1e6 offset
        assertThat(cov[i * d + j]).isCloseTo(s, within(1e-10));
      }
    }
  }

  @Test
  void mergeEqualsSequentialAdds() {
    Random rng = new Random(5);
    int d = 7;
    float[] x = new float[40 * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    MomentAccumulator all = new MomentAccumulator(d);
    all.add(x, 0, 40);
    MomentAccumulator a = new MomentAccumulator(d);
    MomentAccumulator b = new MomentAccumulator(d);
    a.add(x, 0, 13);
    b.add(x, 13 * d, 27);
    a.merge(b);
    assertThat(a.count()).isEqualTo(40);
    double[] c1 = all.covariance();
    double[] c2 = a.covariance();
    for (int i = 0; i < c1.length; i++) {
      assertThat(c2[i]).isCloseTo(c1[i], within(1e-13));
    }
  }

  @Test
  void refusesTooFewSamplesAndNonFiniteValues() {
    MomentAccumulator acc = new MomentAccumulator(3);
    acc.add(new float[] {1, 2, 3}, 0, 1);
    assertThatThrownBy(acc::covariance).isInstanceOf(MetricInputException.class)
        .hasMessageContaining("at least 2");
    assertThatThrownBy(() -> acc.add(new float[] {1, Float.NaN, 3}, 0, 1))
        .isInstanceOf(MetricInputException.class).hasMessageContaining("not finite");
  }
}
