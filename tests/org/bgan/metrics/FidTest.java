package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FidTest {
  @Test
  void agreesWithTheReferenceFormulaOnFullRankStatistics() throws IOException {
    // Expected: make_fixtures.py, numpy float64 stats (np.cov) and the reference formula with
    // scipy.linalg.sqrtm: 27.325047055816739; 50-digit mpmath eigenvalues: 27.325047055816697.
    ActivationStats a = Fixtures.stats(Fixtures.features("feats_a.npy"));
    ActivationStats b = Fixtures.stats(Fixtures.features("feats_b.npy"));
    double fid = Fid.compute(a, b).fid();
    assertThat(fid).isCloseTo(27.325047055816697, within(27.3 * 1e-12));
    assertThat(Math.abs(fid - 27.325047055816739) / 27.3).isLessThan(1e-6);
  }

  @Test
  void handlesASingularCovarianceExactly() throws IOException {
    // 5 samples in 8 dimensions: Σ1 has rank 4. mpmath (50 digits): 12.25354908737409; scipy's sqrtm
    // of the singular product gives 12.253549049075625. The float64 Σ1 is rank 4 only up to rounding:
    // its 4 null eigenvalues are ~1e-16·||Σ1|| instead of 0, and each adds up to sqrt(1e-16·||Σ1||·||Σ2||)
    // ~ 1e-8 to Tr((Σ1Σ2)^½) depending on how it is treated (mpmath keeps them, the rank-revealing
    // factorisation drops them, sqrtm gets something in between). Hence the 1e-7 tolerance here.
    ActivationStats s = Fixtures.stats(Fixtures.features("feats_small.npy"));
    ActivationStats b = Fixtures.stats(Fixtures.features("feats_b.npy"));
    Fid.Result r = Fid.compute(s, b);
    assertThat(r.rank1()).isEqualTo(4);
    assertThat(r.fid()).isCloseTo(12.25354908737409, within(1e-7));
    assertThat(Math.abs(r.fid() - 12.253549049075625) / 12.25).isLessThan(1e-6);
    // and the other way round (singular Σ2 instead of Σ1)
    assertThat(Fid.compute(b, s).fid()).isCloseTo(12.25354908737409, within(1e-7));
  }

  @Test
  void fidOfASetWithItselfIsZeroSymmetricAndOrderInvariant() {
    Random rng = new Random(7);
    int d = 64;
    int n = 300;
    float[] x = new float[n * d];
    float[] y = new float[n * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rng.nextGaussian() * (1 + (i % d) * 0.05) + 3);
      y[i] = (float) (rng.nextGaussian() * 0.9 + 2.9);
    }
    ActivationStats sx = stats(x, n, d);
    ActivationStats sy = stats(y, n, d);
    assertThat(Math.abs(Fid.compute(sx, sx).fid())).isLessThan(1e-9);
    double fxy = Fid.compute(sx, sy).fid();
    double fyx = Fid.compute(sy, sx).fid();
    assertThat(fxy).isGreaterThan(1.0);
    assertThat(Math.abs(fxy - fyx) / fxy).isLessThan(1e-12);
    // reverse the order of the samples and feed them in different batch sizes
    float[] xr = new float[n * d];
    for (int r = 0; r < n; r++) {
      System.arraycopy(x, (n - 1 - r) * d, xr, r * d, d);
    }
    MomentAccumulator acc = new MomentAccumulator(d);
    int[] batches = {1, 37, 100, 162};
    int off = 0;
    for (int bsz : batches) {
      acc.add(xr, off * d, bsz);
      off += bsz;
    }
    double fr = Fid.compute(acc.toStats(), sy).fid();
    assertThat(Math.abs(fr - fxy) / fxy).isLessThan(1e-12);
  }

  @Test
  void identicalSingularStatisticsGiveZero() {
    // 20 samples in 64 dimensions (rank 19): FID(X, X) stays at rounding level
    Random rng = new Random(3);
    int d = 64;
    int n = 20;
    float[] x = new float[n * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    ActivationStats s = stats(x, n, d);
    Fid.Result r = Fid.compute(s, s);
    assertThat(r.rank1()).isEqualTo(19);
    assertThat(Math.abs(r.fid())).isLessThan(1e-9);
  }

  static ActivationStats stats(float[] x, int n, int d) {
    MomentAccumulator acc = new MomentAccumulator(d);
    acc.add(x, 0, n);
    return acc.toStats();
  }
}
