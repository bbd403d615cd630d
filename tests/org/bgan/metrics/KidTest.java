package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class KidTest {
  @Test
  void oneSubsetOfAllSamplesEqualsTheReferenceMmd() throws IOException {
    // With m = N every subset is a permutation of the whole set, and the unbiased MMD² is
    // permutation-invariant, so KID equals the reference value exactly (up to rounding).
    // Expected (make_fixtures.py, float64 numpy): MMD²(a[:45], b) = 37.758477540453164,
    // MMD²(a[:5], small) = 12.503227152588359.
    try (NpyFloatFile a = Fixtures.features("feats_a.npy");
        NpyFloatFile b = Fixtures.features("feats_b.npy");
        NpyFloatFile small = Fixtures.features("feats_small.npy")) {
      FloatRows a45 = firstRows(a, 45);
      Kid.Result r = Kid.compute(a45, b, 3, 1000, 42);
      assertThat(r.subsetSize()).isEqualTo(45);
      for (double v : r.perSubset()) {
        assertThat(v).isCloseTo(37.758477540453164, within(37.76 * 1e-12));
      }
      assertThat(r.std()).isLessThan(1e-10);
      Kid.Result s = Kid.compute(firstRows(a, 5), small, 1, 1000, 1);
      assertThat(s.mean()).isCloseTo(12.503227152588359, within(12.5 * 1e-12));
    }
  }

  @Test
  void subsetsAreSeededAndSymmetric() throws IOException {
    try (NpyFloatFile a = Fixtures.features("feats_a.npy");
        NpyFloatFile b = Fixtures.features("feats_b.npy")) {
      Kid.Result r1 = Kid.compute(a, b, 20, 10, 5);
      Kid.Result r2 = Kid.compute(a, b, 20, 10, 5);
      assertThat(r1.perSubset()).containsExactly(r2.perSubset());
      assertThat(r1.std()).isGreaterThan(0);
      assertThat(r1.mean()).isGreaterThan(0);
      // MMD² is symmetric in its arguments
      double[] x = new double[10 * 8];
      double[] y = new double[10 * 8];
      for (int i = 0; i < x.length; i++) {
        x[i] = Math.sin(i);
        y[i] = Math.cos(i * 0.7);
      }
      assertThat(Kid.mmd2Unbiased(x, y, 10, 8)).isCloseTo(Kid.mmd2Unbiased(y, x, 10, 8), within(1e-12));
    }
  }

  @Test
  void rejectsMismatchedDimensions() {
    assertThatThrownBy(() -> Kid.compute(FloatRows.of(new float[6], 2, 3), FloatRows.of(new float[4], 2, 2), 1, 10, 0))
        .isInstanceOf(MetricInputException.class).hasMessageContaining("different dimensions");
  }

  static FloatRows firstRows(FloatRows f, int n) {
    return new FloatRows() {
      @Override
      public int rows() {
        return n;
      }

      @Override
      public int cols() {
        return f.cols();
      }

      @Override
      public void row(int r, float[] out, int offset) {
        f.row(r, out, offset);
      }
    };
  }
}
