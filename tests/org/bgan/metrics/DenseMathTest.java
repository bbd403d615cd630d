package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseMathTest {
  @Test
  void eigenvaluesOfAMatrixWithKnownSpectrum() {
    // a symmetric matrix with eigenvalues exactly λ: ten zeros and the rest spread over 1.1^-65 .. 1.1^74
    int n = 150;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = i < 10 ? 0.0 : Math.pow(1.1, i - 75);
    }
    double[] a = KnownSpectrum.matrix(lambda, 1);
    double[] ev = DenseMath.symmetricEigenvalues(a, n);
    double[] sorted = lambda.clone();
    java.util.Arrays.sort(sorted);
    double max = sorted[n - 1];
    for (int i = 0; i < n; i++) {
      assertThat(ev[i]).isCloseTo(sorted[i], within(1e-12 * max));
    }
  }

  @Test
  void gemmWithStructureFlagsMatchesTheNaiveProduct() {
    Random rng = new Random(2);
    int m = 70;
    int k = 300;
    int n = 65;
    double[] a = new double[m * k];
    double[] b = new double[k * n];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        a[i * k + p] = p < i ? 0 : rng.nextGaussian();
      }
    }
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        b[p * n + j] = p < j ? 0 : rng.nextGaussian();
      }
    }
    double[] c = new double[m * n];
    DenseMath.gemm(m, n, k, a, k, b, n, c, n, DenseMath.A_UPPER | DenseMath.B_LOWER);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += a[i * k + p] * b[p * n + j];
        }
        assertThat(c[i * n + j]).isCloseTo(s, within(1e-11));
      }
    }
  }

  @Test
  void pivotedCholeskyRevealsTheRank() {
    Random rng = new Random(4);
    int n = 90;
    int r = 33;
    double[] g = new double[n * r];
    for (int i = 0; i < g.length; i++) {
      g[i] = rng.nextGaussian();
    }
    double[] a = gram(g, n, r);
    DenseMath.PivotedCholesky pc = DenseMath.pivotedCholesky(a, n);
    assertThat(pc.rank()).isEqualTo(r);
    int[] p = pc.perm();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int t = 0; t < r; t++) {
          s += pc.get(i, t) * pc.get(j, t);
        }
        assertThat(s).isCloseTo(a[p[i] * n + p[j]], within(1e-10));
      }
    }
  }

  /**
   * Several 64-column panels, pivots that come from the panel itself and from the trailing matrix, and
   * a rank that ends the factorisation inside a panel (r = 150 = 2·64 + 22): P^T A P = L L^T to rounding
   * level, L's diagonal positive and non-increasing (diagonal pivoting picks the largest remaining entry).
   */
  @Test
  void pivotedCholeskyAcrossPanelsAndAtFullRank() {
    for (int[] nr : new int[][] {{230, 150}, {200, 200}}) {
      int n = nr[0];
      int r = nr[1];
      Random rng = new Random(7 + n);
      double[] g = new double[n * r];
      for (int i = 0; i < g.length; i++) {
        g[i] = rng.nextGaussian() * (1 + (i % r) % 7);
      }
      double[] a = gram(g, n, r);
      DenseMath.PivotedCholesky pc = DenseMath.pivotedCholesky(a, n);
      assertThat(pc.rank()).as("rank, n = %d", n).isEqualTo(r);
      int[] p = pc.perm();
      assertThat(java.util.Arrays.stream(p.clone()).sorted().toArray())
          .isEqualTo(java.util.stream.IntStream.range(0, n).toArray());
      double maxErr = 0;
      double scale = 0;
      for (int i = 0; i < n; i++) {
        scale = Math.max(scale, a[i * n + i]);
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int t = 0; t < r; t++) {
            s += pc.get(i, t) * pc.get(j, t);
          }
          maxErr = Math.max(maxErr, Math.abs(s - a[p[i] * n + p[j]]));
        }
      }
      assertThat(maxErr / scale).as("max |P^T A P - L L^T| / max diag, n = %d", n).isLessThan(1e-12);
      for (int k = 0; k < r; k++) {
        assertThat(pc.get(k, k)).isPositive();
        if (k > 0) {
          assertThat(pc.get(k, k)).isLessThanOrEqualTo(pc.get(k - 1, k - 1) * (1 + 1e-12));
        }
        for (int j = k + 1; j < r; j++) {
          assertThat(pc.get(k, j)).isZero();
        }
      }
    }
  }

  /** G Gᵀ (n×n, row-major) for the n×r row-major G: symmetric positive semi-definite of rank r. */
  private static double[] gram(double[] g, int n, int r) {
    double[] a = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int t = 0; t < r; t++) {
          s += g[i * r + t] * g[j * r + t];
        }
        a[i * n + j] = s;
      }
    }
    return a;
  }
}
