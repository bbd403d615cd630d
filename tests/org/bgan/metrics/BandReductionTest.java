package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The two-stage tridiagonalisation (dense → band → tridiagonal) and the matrix products it is built on,
 * checked against slow references written here: eigenvalues by the cyclic Jacobi method (Golub and Van
 * Loan, Matrix Computations, §8.5; rotations only, no reduction, so independent of the code under
 * test), products by the triple loop.
 */
class BandReductionTest {
  @Test
  void eigenvaluesOfRandomSymmetricMatricesMatchJacobi() {
    // sizes and bandwidths that exercise partial panels, a last panel narrower than b, b = 1 (the
    // band stage alone gives the tridiagonal) and the size at which symmetricEigenvalues switches
    int[][] cases = {{40, 1}, {61, 3}, {97, 8}, {150, 32}, {DenseMath.TWO_STAGE_MIN, DenseMath.BAND}};
    for (int[] c : cases) {
      int n = c[0];
      double[] a = randomSymmetric(n, new Random(n));
      double[] expected = jacobiEigenvalues(a.clone(), n);
      double[] got = c[0] == DenseMath.TWO_STAGE_MIN ? DenseMath.symmetricEigenvalues(a.clone(), n)
          : BandReduction.eigenvalues(a.clone(), n, c[1]);
      double scale = Math.max(Math.abs(expected[0]), Math.abs(expected[n - 1]));
      for (int i = 0; i < n; i++) {
        // backward-stable methods on both sides: errors of a few n·eps·||A||
        assertThat(got[i]).as("n=%d b=%d eigenvalue %d", n, c[1], i).isCloseTo(expected[i], within(1e-12 * scale));
      }
    }
  }

  @Test
  void bandStageKeepsTraceNormAndBandStructure() {
    int n = 130;
    int b = 16;
    double[] a = randomSymmetric(n, new Random(5));
    double trace = 0;
    double frob = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        frob += a[i * n + j] * a[i * n + j];
      }
      trace += a[i * n + i];
    }
    double[] band = a.clone();
    BandReduction.reduceToBand(band, n, b);
    double trace1 = 0;
    double frob1 = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double x = band[i * n + j];
        if (i - j > b) {
          assertThat(x).as("(%d,%d) outside the band", i, j).isEqualTo(0.0);
        }
        frob1 += (i == j ? 1 : 2) * x * x;
      }
      trace1 += band[i * n + i];
    }
    // orthogonal similarity: trace and Frobenius norm are invariants, equal up to rounding
    assertThat(trace1).isCloseTo(trace, within(1e-12 * Math.sqrt(frob)));
    assertThat(Math.sqrt(frob1)).isCloseTo(Math.sqrt(frob), within(1e-13 * Math.sqrt(frob)));
    // and the bulge chasing keeps them too
    double[] d = new double[n];
    double[] e = new double[n - 1];
    BandReduction.bandToTridiagonal(BandReduction.bandStorage(band, n, b), n, b, d, e);
    double trace2 = 0;
    double frob2 = 0;
    for (int i = 0; i < n; i++) {
      trace2 += d[i];
      frob2 += d[i] * d[i] + (i < n - 1 ? 2 * e[i] * e[i] : 0);
    }
    assertThat(trace2).isCloseTo(trace, within(1e-12 * Math.sqrt(frob)));
    assertThat(Math.sqrt(frob2)).isCloseTo(Math.sqrt(frob), within(1e-13 * Math.sqrt(frob)));
    // the band matrix has the eigenvalues of the original one
    double[] full = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        full[i * n + j] = band[i * n + j];
        full[j * n + i] = band[i * n + j];
      }
    }
    double[] expected = jacobiEigenvalues(a.clone(), n);
    double[] got = jacobiEigenvalues(full, n);
    for (int i = 0; i < n; i++) {
      assertThat(got[i]).isCloseTo(expected[i], within(1e-12 * Math.sqrt(frob)));
    }
  }

  @Test
  void nearSingularSpectrumIsResolvedToRoundingLevel() {
    // a symmetric matrix with eigenvalues exactly λ (KnownSpectrum): 20 zeros and the rest spread over
    // 1e-14 .. 1 (a covariance with fewer samples than dimensions looks like this)
    int n = 260;
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      lambda[i] = i < 20 ? 0.0 : Math.pow(10, -14 + 14.0 * (i - 20) / (n - 21));
    }
    double[] a = KnownSpectrum.matrix(lambda, 11);
    double[] got = BandReduction.eigenvalues(a, n, 32);
    double[] sorted = lambda.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < n; i++) {
      // absolute error at n·eps·||A||: the small eigenvalues are as accurate as the matrix itself
      assertThat(got[i]).as("eigenvalue %d", i).isCloseTo(sorted[i], within(1e-14));
    }
  }

  @Test
  void gemmMatchesTheTripleLoopForEveryViewAndFlag() {
    Random rng = new Random(2);
    int m = 103;
    int n = 77;
    int k = 300; // more than one K block of the packed product
    double[] a = gaussian(m * k, rng);
    double[] b = gaussian(k * n, rng);
    double[] c0 = gaussian(m * n, rng);
    int[] flagSets = {0, Gemm.C_LOWER, Gemm.A_UPPER | Gemm.B_LOWER};
    for (int flags : flagSets) {
      double[] aa = a.clone();
      double[] bb = b.clone();
      if ((flags & Gemm.A_UPPER) != 0) {
        for (int i = 0; i < m; i++) {
          for (int p = 0; p < i; p++) {
            aa[i * k + p] = 0;
          }
        }
      }
      if ((flags & Gemm.B_LOWER) != 0) {
        for (int p = 0; p < k; p++) {
          for (int j = p + 1; j < n; j++) {
            bb[p * n + j] = 0;
          }
        }
      }
      double[] aat = DenseMath.transpose(aa, m, k);
      for (Gemm.Mat view : new Gemm.Mat[] {Gemm.Mat.rows(aa, 0, k), Gemm.Mat.transposed(aat, 0, m)}) {
        double[] c = c0.clone();
        Gemm.multiply(m, n, k, -0.75, view, Gemm.Mat.rows(bb, 0, n), 0.5, c, 0, n, flags);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
              s += aa[i * k + p] * bb[p * n + j];
            }
            double expected = (flags & Gemm.C_LOWER) != 0 && j > i ? c0[i * n + j] : 0.5 * c0[i * n + j] - 0.75 * s;
            assertThat(c[i * n + j]).as("flags %d (%d,%d)", flags, i, j).isCloseTo(expected, within(1e-11));
          }
        }
      }
    }
  }

  @Test
  void symmetricProductsReadOnlyTheLowerTriangle() {
    Random rng = new Random(3);
    int m = 150;
    double[] full = randomSymmetric(m, rng);
    double[] lower = full.clone();
    for (int i = 0; i < m; i++) {
      for (int j = i + 1; j < m; j++) {
        lower[i * m + j] = Double.NaN; // must never be read
      }
    }
    for (int w : new int[] {32, 7}) {
      double[] v = gaussian(m * w, rng);
      double[] x = new double[m * w];
      Gemm.symmLowerNarrow(m, w, lower, 0, m, v, x);
      double[] y = new double[m * w];
      Gemm.multiply(m, w, m, 1.0, Gemm.Mat.symmetricLower(lower, 0, m), Gemm.Mat.rows(v, 0, w), 0.0, y, 0, w, 0);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < w; j++) {
          double s = 0;
          for (int p = 0; p < m; p++) {
            s += full[i * m + p] * v[p * w + j];
          }
          assertThat(x[i * w + j]).isCloseTo(s, within(1e-11));
          assertThat(y[i * w + j]).isCloseTo(s, within(1e-11));
        }
      }
    }
  }

  @Test
  void plainJavaKernelAgreesWithTheVectorKernel() {
    // the fallback used when jdk.incubator.vector is not in the boot layer
    Gemm.Kernel scalar = new Gemm.ScalarKernel();
    Random rng = new Random(4);
    int kc = 37;
    double[] ap = gaussian(kc * scalar.mr(), rng);
    double[] bp = gaussian(kc * scalar.nr(), rng);
    double[] c = new double[scalar.mr() * 10];
    scalar.run(kc, ap, 0, bp, 0, c, 0, 10, 2.0);
    for (int i = 0; i < scalar.mr(); i++) {
      for (int j = 0; j < scalar.nr(); j++) {
        double s = 0;
        for (int p = 0; p < kc; p++) {
          s += ap[p * scalar.mr() + i] * bp[p * scalar.nr() + j];
        }
        assertThat(c[i * 10 + j]).isCloseTo(2 * s, within(1e-12));
      }
    }
    int m = 40;
    int w = 5;
    double[] a = randomSymmetric(m, rng);
    double[] v = gaussian(m * w, rng);
    double[] x = new double[m * w];
    scalar.symmRows(a, 0, m, v, x, 0, m, w);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < w; j++) {
        double s = 0;
        for (int p = 0; p < m; p++) {
          s += a[i * m + p] * v[p * w + j];
        }
        assertThat(x[i * w + j]).isCloseTo(s, within(1e-12));
      }
    }
    // the tests run with --add-modules jdk.incubator.vector (pom.xml), so the product uses the vector kernel
    assertThat(Gemm.kernelName()).startsWith("vector-");
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aFailingThreadOfTheBulgeChasingEndsTheComputationWithItsException() {
    // the pipelined chasing runs sweeps alternately on two threads, each waiting for the other's
    // previous sweep: a failure in either one (sweep 6 on the first, sweep 7 on the second thread, or the
    // first sweep of each) must end the call with that exception instead of leaving the other waiting
    int n = 200;
    int b = 16;
    int saved = Parallel.threads();
    Parallel.setThreads(2);
    try {
      for (int failing : new int[] {0, 1, 6, 7}) {
        double[] a = randomSymmetric(n, new Random(11));
        BandReduction.reduceToBand(a, n, b);
        double[] cb = BandReduction.bandStorage(a, n, b);
        IllegalStateException boom = new IllegalStateException("sweep " + failing + " failed");
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> BandReduction.bandToTridiagonal(
            cb, n, b, new double[n], new double[n - 1], i -> {
              if (i == failing) {
                throw boom;
              }
            }));
        assertThat(thrown).as("failing sweep %d", failing).isSameAs(boom);
      }
      // and without a failure the same call still works (the pool's threads are not left spinning)
      double[] a = randomSymmetric(n, new Random(11));
      double[] expected = jacobiEigenvalues(a.clone(), n);
      assertThat(BandReduction.eigenvalues(a, n, b)[n - 1]).isCloseTo(expected[n - 1],
          within(1e-12 * Math.abs(expected[n - 1])));
    } finally {
      Parallel.setThreads(saved);
    }
  }

  static double[] randomSymmetric(int n, Random rng) {
    double[] a = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double x = rng.nextGaussian();
        a[i * n + j] = x;
        a[j * n + i] = x;
      }
    }
    return a;
  }

  static double[] gaussian(int len, Random rng) {
    double[] x = new double[len];
    for (int i = 0; i < len; i++) {
      x[i] = rng.nextGaussian();
    }
    return x;
  }

  /** Cyclic Jacobi (Golub and Van Loan §8.5.3) on a full symmetric matrix: ascending eigenvalues. */
  static double[] jacobiEigenvalues(double[] a, int n) {
    for (int sweep = 0; sweep < 100; sweep++) {
      double off = 0;
      double total = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double x = a[i * n + j] * a[i * n + j];
          total += x;
          if (i != j) {
            off += x;
          }
        }
      }
      if (off <= 1e-30 * total) {
        break;
      }
      for (int p = 0; p < n - 1; p++) {
        for (int q = p + 1; q < n; q++) {
          double apq = a[p * n + q];
          if (apq == 0) {
            continue;
          }
          double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
          double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          if (theta == 0) {
            t = 1;
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < n; k++) {
            double akp = a[k * n + p];
            double akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
          }
          for (int k = 0; k < n; k++) {
            double apk = a[p * n + k];
            double aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
          }
        }
      }
    }
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = a[i * n + i];
    }
    Arrays.sort(d);
    return d;
  }
}
