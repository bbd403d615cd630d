package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseMathTest {
  @Test
  void eigenvaluesOfAMatrixWithKnownSpectrum() {
    // A = H diag(λ) H with a Householder reflection H = I − 2uu^T/u·u: eigenvalues exactly λ
    int n = 150;
    Random rng = new Random(1);
    double[] u = new double[n];
    double uu = 0;
    for (int i = 0; i < n; i++) {
      u[i] = rng.nextGaussian();
      uu += u[i] * u[i];
    }
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = i < 10 ? 0.0 : Math.pow(1.1, i - 75);
    }
    double[] h = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        h[i * n + j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / uu;
      }
    }
    double[] a = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int k = 0; k < n; k++) {
          s += h[i * n + k] * lambda[k] * h[k * n + j];
        }
        a[i * n + j] = s;
      }
    }
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
}
