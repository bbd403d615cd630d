package org.bgan.metrics;

/**
 * Dense float64 linear algebra for the metrics: a packed, multi-threaded matrix product ({@link Gemm}),
 * a rank-revealing (pivoted) Cholesky factorisation for positive semi-definite matrices, and the
 * eigenvalues of a symmetric matrix: from {@link #TWO_STAGE_MIN} on by the two-stage reduction to
 * tridiagonal form of {@link BandReduction}, below it by a one-stage blocked Householder
 * tridiagonalisation, then implicit QR iterations with Wilkinson shifts (Golub and Van Loan, Matrix
 * Computations, §8.3).
 *
 * <p>All matrices are row-major {@code double[]} arrays with an explicit leading dimension.
 */
public final class DenseMath {
  /** A is upper trapezoidal: A[i][p] = 0 for p &lt; i (the product may skip those terms). */
  public static final int A_UPPER = 1;
  /** B is lower trapezoidal: B[p][j] = 0 for p &lt; j. */
  public static final int B_LOWER = 2;
  /** Only the lower triangle of C (j &le; i) is needed; blocks strictly above it are skipped. */
  public static final int C_LOWER = 4;

  /** From this size on, {@link #symmetricEigenvalues} uses the two-stage reduction ({@link BandReduction}). */
  static final int TWO_STAGE_MIN = 192;
  /** Half-bandwidth of the intermediate band matrix of the two-stage reduction. */
  static final int BAND = 32;

  private DenseMath() {}

  /** The matrix-product micro-kernel in use, e.g. {@code vector-512 4x24} or {@code scalar 4x8}. */
  public static String productKernel() {
    return Gemm.kernelName();
  }

  /**
   * Wall-clock seconds of {@code repeats} products C = A·B of n×n matrices (standard normal entries from
   * a fixed seed) on {@link Parallel#threads()} threads, after untimed warm-up products (at least three
   * and half a second), sorted ascending.
   */
  public static double[] timeProduct(int n, int repeats) {
    java.util.Random rng = new java.util.Random(0);
    double[] a = new double[n * n];
    double[] b = new double[n * n];
    double[] c = new double[n * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = rng.nextGaussian();
      b[i] = rng.nextGaussian();
    }
    // warm-up (JIT): at least 3 products and half a second
    long w0 = System.nanoTime();
    for (int r = 0; r < 3 || System.nanoTime() - w0 < 500_000_000L; r++) {
      Gemm.multiply(n, n, n, 1.0, Gemm.Mat.rows(a, 0, n), Gemm.Mat.rows(b, 0, n), 0.0, c, 0, n, 0);
    }
    double[] t = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      Gemm.multiply(n, n, n, 1.0, Gemm.Mat.rows(a, 0, n), Gemm.Mat.rows(b, 0, n), 0.0, c, 0, n, 0);
      t[r] = (System.nanoTime() - t0) / 1e9;
    }
    java.util.Arrays.sort(t);
    return t;
  }

  /**
   * GFLOPS of the micro-kernel alone on one thread, with its packed operands in the L1 cache: {@code
   * calls} calls over strips of 256 steps, after as many untimed calls (JIT warm-up).
   */
  public static double kernelGflops(int calls) {
    int mr = Gemm.mr();
    int nr = Gemm.nr();
    int kc = 256;
    double[] ap = new double[mr * kc];
    double[] bp = new double[nr * kc];
    double[] c = new double[mr * nr];
    java.util.Arrays.fill(ap, 1e-3);
    java.util.Arrays.fill(bp, 1e-3);
    long t0 = 0;
    for (int i = -calls; i < calls; i++) {
      if (i == 0) {
        t0 = System.nanoTime();
      }
      Gemm.kernel().run(kc, ap, 0, bp, 0, c, 0, nr, 1.0);
    }
    double s = (System.nanoTime() - t0) / 1e9;
    return 2.0 * mr * nr * kc * calls / s / 1e9;
  }

  /**
   * C = A·B (C is overwritten), A m×k, B k×n. {@code flags} combine {@link #A_UPPER}, {@link #B_LOWER},
   * {@link #C_LOWER}; with C_LOWER the entries of C above the diagonal are left partly unset.
   */
  public static void gemm(int m, int n, int k, double[] a, int lda, double[] b, int ldb, double[] c,
      int ldc, int flags) {
    int f = ((flags & A_UPPER) != 0 ? Gemm.A_UPPER : 0) | ((flags & B_LOWER) != 0 ? Gemm.B_LOWER : 0)
        | ((flags & C_LOWER) != 0 ? Gemm.C_LOWER : 0);
    Gemm.multiply(m, n, k, 1.0, Gemm.Mat.rows(a, 0, lda), Gemm.Mat.rows(b, 0, ldb), 0.0, c, 0, ldc, f);
  }

  /** Returns the transpose (cols×rows) of a rows×cols row-major matrix. */
  public static double[] transpose(double[] a, int rows, int cols) {
    double[] t = new double[rows * cols];
    final int blk = 32;
    for (int i0 = 0; i0 < rows; i0 += blk) {
      for (int j0 = 0; j0 < cols; j0 += blk) {
        int i1 = Math.min(rows, i0 + blk);
        int j1 = Math.min(cols, j0 + blk);
        for (int i = i0; i < i1; i++) {
          for (int j = j0; j < j1; j++) {
            t[j * rows + i] = a[i * cols + j];
          }
        }
      }
    }
    return t;
  }

  /** Result of {@link #pivotedCholesky}: P^T A P ≈ L L^T with L n×rank lower trapezoidal. */
  public record PivotedCholesky(int n, int rank, int[] perm, double[] l) {
    /** L[i][j] for the row-major n×rank factor (zeros above the diagonal). */
    public double get(int i, int j) {
      return l[i * rank + j];
    }
  }

  /**
   * Rank-revealing Cholesky factorisation with diagonal pivoting of a symmetric positive
   * semi-definite matrix (only the lower triangle of {@code a} is read): A[perm][perm] = L L^T + E,
   * where the factorisation stops when the largest remaining diagonal entry is at most
   * {@code n · eps · max(diag A)} (LAPACK's dpstrf default), so ||E|| is at rounding level. Left-looking
   * within panels of 64 columns (the panel's columns of L kept column-major as well, so that updating a
   * column is a sequence of vectorisable axpy loops), with the trailing update done as a blocked rank-64
   * product.
   */
  public static PivotedCholesky pivotedCholesky(double[] input, int n) {
    double[] a = input.clone();
    int[] perm = new int[n];
    double[] d = new double[n];
    double maxDiag = 0;
    for (int i = 0; i < n; i++) {
      perm[i] = i;
      d[i] = a[i * n + i];
      maxDiag = Math.max(maxDiag, d[i]);
    }
    double tol = n * Math.ulp(1.0) * maxDiag;
    int rank = n;
    final int nb = 64;
    // the panel's computed columns of L, column-major (column j − k0 at pcol[(j − k0)·n ..], row index i),
    // so that column k's update by the earlier panel columns is a sequence of contiguous axpy loops
    // (vectorised by the JIT) instead of one short dot product per row; same operations in the same order
    double[] pcol = new double[nb * n];
    double[] sv = new double[n];
    outer:
    for (int k0 = 0; k0 < n; k0 += nb) {
      int k1 = Math.min(n, k0 + nb);
      for (int k = k0; k < k1; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++) {
          if (d[i] > d[p]) {
            p = i;
          }
        }
        if (!(d[p] > tol)) {
          rank = k;
          // finish the trailing update for the panel columns computed so far is not needed: the
          // factor only uses columns < rank, which are complete.
          break outer;
        }
        if (p != k) {
          symmetricSwap(a, n, k, p);
          for (int j = 0; j < k - k0; j++) {
            int o = j * n;
            double u = pcol[o + k];
            pcol[o + k] = pcol[o + p];
            pcol[o + p] = u;
          }
          double td = d[k];
          d[k] = d[p];
          d[p] = td;
          int tp = perm[k];
          perm[k] = perm[p];
          perm[p] = tp;
        }
        double lkk = Math.sqrt(d[k]);
        a[k * n + k] = lkk;
        int rk = k * n;
        for (int i = k + 1; i < n; i++) {
          sv[i] = a[i * n + k];
        }
        for (int j = k0; j < k; j++) {
          double lkj = a[rk + j];
          int o = (j - k0) * n;
          for (int i = k + 1; i < n; i++) {
            sv[i] -= pcol[o + i] * lkj;
          }
        }
        int ok = (k - k0) * n;
        for (int i = k + 1; i < n; i++) {
          double s = sv[i] / lkk;
          a[i * n + k] = s;
          pcol[ok + i] = s;
          d[i] -= s * s;
        }
      }
      // trailing update of rows/cols >= k1 with the panel columns [k0, k1): A22 -= P Pᵀ (lower)
      if (k1 < n) {
        Gemm.multiply(n - k1, n - k1, k1 - k0, -1.0, Gemm.Mat.rows(a, k1 * n + k0, n),
            Gemm.Mat.transposed(a, k1 * n + k0, n), 1.0, a, k1 * n + k1, n, Gemm.C_LOWER);
      }
    }
    double[] l = new double[n * rank];
    for (int i = 0; i < n; i++) {
      int m = Math.min(i + 1, rank);
      System.arraycopy(a, i * n, l, i * rank, m);
    }
    return new PivotedCholesky(n, rank, perm, l);
  }

  /** Swaps indices k &lt; p of a symmetric matrix stored in its lower triangle (full array). */
  private static void symmetricSwap(double[] a, int n, int k, int p) {
    int rk = k * n;
    int rp = p * n;
    for (int j = 0; j < k; j++) {
      double t = a[rk + j];
      a[rk + j] = a[rp + j];
      a[rp + j] = t;
    }
    double t = a[rk + k];
    a[rk + k] = a[rp + p];
    a[rp + p] = t;
    for (int j = k + 1; j < p; j++) {
      double u = a[j * n + k];
      a[j * n + k] = a[rp + j];
      a[rp + j] = u;
    }
    for (int i = p + 1; i < n; i++) {
      double u = a[i * n + k];
      a[i * n + k] = a[i * n + p];
      a[i * n + p] = u;
    }
  }

  /**
   * Eigenvalues (ascending) of the symmetric n×n matrix whose lower triangle is stored in {@code a}
   * (row-major, leading dimension n). {@code a} is overwritten.
   */
  public static double[] symmetricEigenvalues(double[] a, int n) {
    if (n >= TWO_STAGE_MIN) {
      return BandReduction.eigenvalues(a, n, BAND);
    }
    double[] d = new double[n];
    double[] e = new double[Math.max(0, n - 1)];
    tridiagonalize(a, n, d, e);
    tridiagonalEigenvalues(d, e);
    java.util.Arrays.sort(d);
    return d;
  }

  /**
   * Reduces the symmetric matrix (lower triangle of a) to tridiagonal form Q^T A Q = T by Householder
   * reflections, in panels of 32 columns whose two-sided update is applied at the end of each panel as a
   * rank-64 product (the scheme of LAPACK's dsytrd/dlatrd). Returns the diagonal in d and the
   * sub-diagonal in e.
   */
  static void tridiagonalize(double[] a, int n, double[] d, double[] e) {
    final int nb = 32;
    double[] v = new double[n * nb];
    double[] w = new double[n * nb];
    double[] y = new double[n];
    double[] vc = new double[n];
    double[] tmp1 = new double[nb];
    double[] tmp2 = new double[nb];
    int threads = Math.max(1, Parallel.threads());
    double[][] partial = new double[threads][n];
    for (int k0 = 0; k0 < n; k0 += nb) {
      int k1 = Math.min(n, k0 + nb);
      java.util.Arrays.fill(v, 0.0);
      java.util.Arrays.fill(w, 0.0);
      for (int j = k0; j < k1; j++) {
        int jj = j - k0;
        // 1. bring column j up to date with the panel's previous reflections
        if (jj > 0) {
          int rj = j * nb;
          for (int i = j; i < n; i++) {
            int ri = i * nb;
            double s = 0;
            for (int t = 0; t < jj; t++) {
              s += v[ri + t] * w[rj + t] + w[ri + t] * v[rj + t];
            }
            a[i * n + j] -= s;
          }
        }
        d[j] = a[j * n + j];
        if (j == n - 1) {
          break;
        }
        // 2. Householder reflector annihilating a[j+2.., j]
        double alpha = a[(j + 1) * n + j];
        double xnorm = 0;
        double scale = 0;
        for (int i = j + 2; i < n; i++) {
          scale = Math.max(scale, Math.abs(a[i * n + j]));
        }
        if (scale > 0) {
          double ss = 0;
          for (int i = j + 2; i < n; i++) {
            double z = a[i * n + j] / scale;
            ss += z * z;
          }
          xnorm = scale * Math.sqrt(ss);
        }
        java.util.Arrays.fill(vc, 0.0);
        double tau;
        if (xnorm == 0) {
          tau = 0;
          e[j] = alpha;
          vc[j + 1] = 1;
        } else {
          double beta = -Math.copySign(Math.hypot(alpha, xnorm), alpha);
          tau = (beta - alpha) / beta;
          double inv = 1.0 / (alpha - beta);
          vc[j + 1] = 1;
          for (int i = j + 2; i < n; i++) {
            vc[i] = a[i * n + j] * inv;
          }
          e[j] = beta;
        }
        for (int i = j + 1; i < n; i++) {
          v[i * nb + jj] = vc[i];
        }
        if (tau == 0) {
          continue;
        }
        // 3. y = tau (A - V W^T - W V^T) v on the trailing block [j+1, n)
        symv(a, n, j + 1, vc, y, partial);
        for (int t = 0; t < jj; t++) {
          double s1 = 0;
          double s2 = 0;
          for (int i = j + 1; i < n; i++) {
            s1 += w[i * nb + t] * vc[i];
            s2 += v[i * nb + t] * vc[i];
          }
          tmp1[t] = s1;
          tmp2[t] = s2;
        }
        double yv = 0;
        for (int i = j + 1; i < n; i++) {
          int ri = i * nb;
          double s = 0;
          for (int t = 0; t < jj; t++) {
            s += v[ri + t] * tmp1[t] + w[ri + t] * tmp2[t];
          }
          y[i] = tau * (y[i] - s);
          yv += y[i] * vc[i];
        }
        double alpha2 = -0.5 * tau * yv;
        for (int i = j + 1; i < n; i++) {
          w[i * nb + jj] = y[i] + alpha2 * vc[i];
        }
      }
      if (k1 < n) {
        syr2kUpdate(a, n, k1, k1 - k0, v, w, nb);
      }
    }
  }

  /** y[s..n) = A[s..n, s..n] x[s..n), A symmetric with its lower triangle stored. */
  private static void symv(double[] a, int n, int s, double[] x, double[] y, double[][] partial) {
    int m = n - s;
    int threads = Math.min(partial.length, Math.max(1, m / 128));
    // split rows so that each thread gets about the same triangle area
    int[] bounds = new int[threads + 1];
    bounds[0] = s;
    for (int t = 1; t < threads; t++) {
      bounds[t] = s + (int) Math.round(m * Math.sqrt((double) t / threads));
    }
    bounds[threads] = n;
    Parallel.forEach(threads, t -> {
      double[] yp = partial[t];
      java.util.Arrays.fill(yp, s, n, 0.0);
      for (int i = bounds[t]; i < bounds[t + 1]; i++) {
        int ri = i * n;
        double xi = x[i];
        // the transposed contribution (an axpy, vectorised by the JIT) ...
        for (int q = s; q < i; q++) {
          yp[q] += a[ri + q] * xi;
        }
        // ... and the row's dot product with four independent partial sums
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int q = s;
        for (; q + 3 < i; q += 4) {
          s0 += a[ri + q] * x[q];
          s1 += a[ri + q + 1] * x[q + 1];
          s2 += a[ri + q + 2] * x[q + 2];
          s3 += a[ri + q + 3] * x[q + 3];
        }
        for (; q < i; q++) {
          s0 += a[ri + q] * x[q];
        }
        yp[i] += (s0 + s1) + (s2 + s3) + a[ri + i] * xi;
      }
    });
    java.util.Arrays.fill(y, s, n, 0.0);
    for (int t = 0; t < threads; t++) {
      double[] yp = partial[t];
      for (int i = s; i < n; i++) {
        y[i] += yp[i];
      }
    }
  }

  /** A[k1..n, k1..n] (lower) -= V W^T + W V^T using the first kb panel columns. */
  private static void syr2kUpdate(double[] a, int n, int k1, int kb, double[] v, double[] w, int nb) {
    double[] vt = new double[kb * n];
    double[] wt = new double[kb * n];
    for (int i = k1; i < n; i++) {
      for (int t = 0; t < kb; t++) {
        vt[t * n + i] = v[i * nb + t];
        wt[t * n + i] = w[i * nb + t];
      }
    }
    int rowsPerTask = 16;
    int tasks = (n - k1 + rowsPerTask - 1) / rowsPerTask;
    Parallel.forEach(tasks, task -> {
      int half = (task % 2 == 0) ? task / 2 : tasks - 1 - task / 2;
      int r0 = k1 + half * rowsPerTask;
      int r1 = Math.min(n, r0 + rowsPerTask);
      int i = r0;
      // two rows at a time (row i+1 is one entry longer than row i): each loaded element of V^T and
      // W^T feeds both rows
      for (; i + 1 < r1; i += 2) {
        int ra = i * n + k1;
        int rb = ra + n;
        int len = i - k1 + 1;
        int va = i * nb;
        int vb = va + nb;
        int t = 0;
        for (; t + 1 < kb; t += 2) {
          double av0 = v[va + t];
          double aw0 = w[va + t];
          double av1 = v[va + t + 1];
          double aw1 = w[va + t + 1];
          double bv0 = v[vb + t];
          double bw0 = w[vb + t];
          double bv1 = v[vb + t + 1];
          double bw1 = w[vb + t + 1];
          int o0 = t * n + k1;
          int o1 = o0 + n;
          for (int q = 0; q < len; q++) {
            double wt0 = wt[o0 + q];
            double vt0 = vt[o0 + q];
            double wt1 = wt[o1 + q];
            double vt1 = vt[o1 + q];
            a[ra + q] -= Math.fma(av0, wt0, Math.fma(aw0, vt0, Math.fma(av1, wt1, aw1 * vt1)));
            a[rb + q] -= Math.fma(bv0, wt0, Math.fma(bw0, vt0, Math.fma(bv1, wt1, bw1 * vt1)));
          }
          a[rb + len] -= Math.fma(bv0, wt[o0 + len], Math.fma(bw0, vt[o0 + len],
              Math.fma(bv1, wt[o1 + len], bw1 * vt[o1 + len])));
        }
        for (; t < kb; t++) {
          double av0 = v[va + t];
          double aw0 = w[va + t];
          double bv0 = v[vb + t];
          double bw0 = w[vb + t];
          int o0 = t * n + k1;
          for (int q = 0; q < len; q++) {
            a[ra + q] -= Math.fma(av0, wt[o0 + q], aw0 * vt[o0 + q]);
            a[rb + q] -= Math.fma(bv0, wt[o0 + q], bw0 * vt[o0 + q]);
          }
          a[rb + len] -= Math.fma(bv0, wt[o0 + len], bw0 * vt[o0 + len]);
        }
      }
      for (; i < r1; i++) {
        int ri = i * n + k1;
        int len = i - k1 + 1;
        for (int t = 0; t < kb; t++) {
          double v0 = v[i * nb + t];
          double w0 = w[i * nb + t];
          int o0 = t * n + k1;
          for (int q = 0; q < len; q++) {
            a[ri + q] -= Math.fma(v0, wt[o0 + q], w0 * vt[o0 + q]);
          }
        }
      }
    });
  }

  /**
   * sqrt(x² + z²): the plain formula where it neither overflows nor loses precision to underflow (a
   * few times faster than {@link Math#hypot}, which the QR sweep calls once per rotation), else hypot.
   */
  private static double norm2(double x, double z) {
    double s = x * x + z * z;
    if (s > 0x1p-900 && s < 0x1p900) {
      return Math.sqrt(s);
    }
    return Math.hypot(x, z);
  }

  /**
   * Eigenvalues of the symmetric tridiagonal matrix with diagonal d and sub-diagonal e (both
   * overwritten; the eigenvalues are left in d, unsorted): implicit QR steps with Wilkinson shifts on
   * each unreduced block, deflating when |e_i| &le; eps (|d_i| + |d_{i+1}|).
   */
  static void tridiagonalEigenvalues(double[] d, double[] e) {
    int n = d.length;
    double eps = Math.ulp(1.0);
    int hi = n - 1;
    int iterations = 0;
    int maxIterations = 50 * Math.max(1, n);
    while (hi > 0) {
      if (Math.abs(e[hi - 1]) <= eps * (Math.abs(d[hi - 1]) + Math.abs(d[hi]))) {
        e[hi - 1] = 0;
        hi--;
        continue;
      }
      int lo = hi - 1;
      while (lo > 0 && Math.abs(e[lo - 1]) > eps * (Math.abs(d[lo - 1]) + Math.abs(d[lo]))) {
        lo--;
      }
      if (++iterations > maxIterations) {
        throw new ArithmeticException("tridiagonal QR did not converge");
      }
      // Wilkinson shift from the trailing 2x2 block
      double delta = 0.5 * (d[hi - 1] - d[hi]);
      double eh = e[hi - 1];
      double denom = delta + (delta >= 0 ? 1 : -1) * norm2(delta, eh);
      double mu = d[hi] - eh * eh / denom;
      double x = d[lo] - mu;
      double z = e[lo];
      for (int k = lo; k < hi; k++) {
        double r = norm2(x, z);
        double c;
        double s;
        if (r == 0) {
          c = 1;
          s = 0;
        } else {
          c = x / r;
          s = z / r;
        }
        if (k > lo) {
          e[k - 1] = r;
        }
        double dk = d[k];
        double dk1 = d[k + 1];
        double ek = e[k];
        double cs = c * s;
        d[k] = c * c * dk + 2 * cs * ek + s * s * dk1;
        d[k + 1] = s * s * dk - 2 * cs * ek + c * c * dk1;
        e[k] = cs * (dk1 - dk) + (c * c - s * s) * ek;
        if (k < hi - 1) {
          x = e[k];
          z = s * e[k + 1];
          e[k + 1] = c * e[k + 1];
        }
      }
    }
  }
}
