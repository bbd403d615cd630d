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

  @Test
  void twoStagePathAgreesWithAnIndependentReference() {
    // d = 200 ≥ DenseMath.TWO_STAGE_MIN, so M goes through the band reduction and the bulge chasing.
    // Reference, computed here by other code and another factorisation: Σ2 = R Rᵀ by a plain
    // (unpivoted) Cholesky, Tr((Σ1Σ2)^½) = Σ sqrt(λ(Rᵀ Σ1 R)) with the eigenvalues by cyclic Jacobi
    // (BandReductionTest.jacobiEigenvalues), products by triple loops.
    // Case 1: both full rank (400 samples); case 2: Σ1 of rank 194 (195 samples), still ≥ 192, Σ2 full rank.
    Random rng = new Random(21);
    int d = 200;
    for (int n1 : new int[] {400, 195}) {
      float[] x = new float[n1 * d];
      float[] y = new float[400 * d];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (rng.nextGaussian() * (1 + (i % d) * 0.01));
      }
      for (int i = 0; i < y.length; i++) {
        y[i] = (float) (rng.nextGaussian() * 0.8 + 0.1);
      }
      ActivationStats sx = stats(x, n1, d);
      ActivationStats sy = stats(y, 400, d);
      Fid.Result r = Fid.compute(sx, sy);
      assertThat(r.rank1()).isEqualTo(Math.min(d, n1 - 1));
      double[] s1 = sx.sigma();
      double[] s2 = sy.sigma();
      double[] rr = new double[d * d];
      for (int j = 0; j < d; j++) {
        double diag = s2[j * d + j];
        for (int k = 0; k < j; k++) {
          diag -= rr[j * d + k] * rr[j * d + k];
        }
        rr[j * d + j] = Math.sqrt(diag);
        for (int i = j + 1; i < d; i++) {
          double v = s2[i * d + j];
          for (int k = 0; k < j; k++) {
            v -= rr[i * d + k] * rr[j * d + k];
          }
          rr[i * d + j] = v / rr[j * d + j];
        }
      }
      double[] t = new double[d * d]; // Σ1 R
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          double v = 0;
          for (int k = j; k < d; k++) {
            v += s1[i * d + k] * rr[k * d + j];
          }
          t[i * d + j] = v;
        }
      }
      double[] m = new double[d * d]; // Rᵀ Σ1 R
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          double v = 0;
          for (int k = i; k < d; k++) {
            v += rr[k * d + i] * t[k * d + j];
          }
          m[i * d + j] = v;
        }
      }
      for (int i = 0; i < d; i++) { // symmetrise the rounding
        for (int j = 0; j < i; j++) {
          double v = 0.5 * (m[i * d + j] + m[j * d + i]);
          m[i * d + j] = v;
          m[j * d + i] = v;
        }
      }
      double traceSqrt = 0;
      for (double ev : BandReductionTest.jacobiEigenvalues(m, d)) {
        traceSqrt += Math.sqrt(Math.max(0, ev));
      }
      // full rank: rounding-level agreement; rank 194: the 6 null eigenvalues of the reference are
      // ±1e-16·λmax and each adds up to ~1e-8·sqrt(λmax) to its sum (the FidTest 8-d case above)
      double tol = n1 > d ? 1e-10 * traceSqrt : 1e-6 * traceSqrt;
      assertThat(r.traceSqrt()).as("n1=%d", n1).isCloseTo(traceSqrt, within(tol));
    }
    // the profile runs the same stages and reports six non-negative times
    double[] eye = new double[d * d];
    double[] twice = new double[d * d];
    for (int i = 0; i < d; i++) {
      eye[i * d + i] = 1;
      twice[i * d + i] = 2;
    }
    double[] stages = Fid.profile(eye, twice, d);
    assertThat(stages).hasSize(Fid.STAGES.length);
    for (double sec : stages) {
      assertThat(sec).isGreaterThanOrEqualTo(0.0);
    }
    // Tr((I · 2I)^½) = d·sqrt(2)
    assertThat(Fid.traceSqrtProduct(eye, twice, d)[0]).isCloseTo(d * Math.sqrt(2), within(1e-12 * d));
  }

  static ActivationStats stats(float[] x, int n, int d) {
    MomentAccumulator acc = new MomentAccumulator(d);
    acc.add(x, 0, n);
    return acc.toStats();
  }
}
