package org.bgan.metrics;

/**
 * Two-stage reduction of a symmetric matrix to tridiagonal form, for its eigenvalues (the successive
 * band reduction of Bischof, Lang and Sun, ACM TOMS 26, 2000; the bulge-chasing kernels as in Haidar,
 * Ltaief and Dongarra, SC 2011):
 *
 * <ol>
 *   <li>{@link #reduceToBand}: dense → band of half-bandwidth b. Each panel of b columns below the band
 *       is factored by Householder QR (its R becomes the band block) and the trailing matrix is updated
 *       two-sided with the blocked reflector Q = I − V T Vᵀ (Schreiber and Van Loan's compact WY form):
 *       {@code A ← A − Z Vᵀ − V Zᵀ} with {@code X = A V T}, {@code Z = X − ½ V (Tᵀ Vᵀ X)}. Both products
 *       are matrix-matrix ({@link Gemm}), so the trailing matrix is read a constant number of times per
 *       panel, not once per column as in the one-stage reduction.</li>
 *   <li>{@link #bandToTridiagonal}: band → tridiagonal by bulge chasing. Sweep i annihilates column i
 *       below the sub-diagonal with one reflector of length ≤ b, applied two-sided to the b×b diagonal
 *       block; applying it from the right to the block below creates a bulge whose first column is
 *       annihilated by the next reflector, and so on down the band. O(n² b) flops on b×b blocks.</li>
 * </ol>
 *
 * All transformations are orthogonal similarities, so the eigenvalues are preserved; no vectors are
 * accumulated.
 */
final class BandReduction {
  private BandReduction() {}

  /**
   * Reduces the symmetric n×n matrix whose lower triangle is stored in {@code a} (row-major, leading
   * dimension n) to a band matrix of half-bandwidth b with the same eigenvalues, in place: on return the
   * lower triangle of {@code a} holds the band (entries more than b below the diagonal are zero).
   */
  static void reduceToBand(double[] a, int n, int b) {
    if (b < 1) {
      throw new IllegalArgumentException("bandwidth must be >= 1");
    }
    double[] pr = new double[n * b]; // the panel, row-major (row i at pr[i·kb ..])
    double[] wr = new double[b];
    double[] g = new double[b * b];
    double[] vc = new double[n * b]; // the reflectors, column-major: V[i][j] at vc[j·m + i]
    double[] x = new double[n * b];
    double[] z = new double[n * b];
    double[] zv = new double[n * 2 * b];
    double[] vz = new double[n * 2 * b];
    double[] tau = new double[b];
    double[] t = new double[b * b];
    double[] s = new double[b * b];
    double[] y = new double[b * b];
    for (int k0 = 0; ; k0 += b) {
      int r0 = k0 + b;
      int m = n - r0;
      if (m < 2) {
        break;
      }
      int kb = Math.min(b, n - k0);
      int kr = Math.min(kb, m - 1);
      // 1. Householder QR of the panel P = A[r0.., k0..k0+kb) (m × kb), kept row-major (row i at
      //    pr[i·kb ..]): applying reflector j to the columns after it is w = τ vᵀ P (accumulated row by row,
      //    one independent sum per column, so the JIT vectorises it across columns) and P −= v w, the same
      //    operations in the same order as one dot product and one axpy per column
      for (int i = 0; i < m; i++) {
        System.arraycopy(a, (r0 + i) * n + k0, pr, i * kb, kb);
      }
      java.util.Arrays.fill(vc, 0, m * kr, 0.0);
      for (int j = 0; j < kr; j++) {
        int vo = j * m;
        tau[j] = householder(pr, kb, j, m, vc);
        if (tau[j] == 0 || j + 1 >= kb) {
          continue;
        }
        java.util.Arrays.fill(wr, 0.0);
        for (int i = j; i < m; i++) {
          double vi = vc[vo + i];
          int ro = i * kb;
          for (int c = j + 1; c < kb; c++) {
            wr[c] += vi * pr[ro + c];
          }
        }
        for (int c = j + 1; c < kb; c++) {
          wr[c] *= tau[j];
        }
        for (int i = j; i < m; i++) {
          double vi = vc[vo + i];
          int ro = i * kb;
          for (int c = j + 1; c < kb; c++) {
            pr[ro + c] -= wr[c] * vi;
          }
        }
      }
      // R (upper triangle) into the band, zeros below it
      for (int i = 0; i < m; i++) {
        int ro = (r0 + i) * n + k0;
        for (int j = 0; j < kb; j++) {
          a[ro + j] = i <= j ? pr[i * kb + j] : 0.0;
        }
      }
      // 2. T (kr × kr upper triangular) with Q = H_0 ... H_{kr-1} = I − V T Vᵀ (forward, columnwise):
      //    T[0..j, j] = −τ_j T[0..j, 0..j] (Vᵀ v_j)[0..j], with G = Vᵀ V from one matrix product
      Gemm.multiply(kr, kr, m, 1.0, Gemm.Mat.rows(vc, 0, m), Gemm.Mat.transposed(vc, 0, m), 0.0, g, 0, kr, 0);
      java.util.Arrays.fill(t, 0, kr * kr, 0.0);
      for (int j = 0; j < kr; j++) {
        t[j * kr + j] = tau[j];
        for (int q = 0; q < j; q++) {
          s[q] = g[q * kr + j];
        }
        for (int i = 0; i < j; i++) {
          double sum = 0;
          for (int q = i; q < j; q++) {
            sum += t[i * kr + q] * s[q];
          }
          t[i * kr + j] = -tau[j] * sum;
        }
      }
      Gemm.Mat v = Gemm.Mat.transposed(vc, 0, m); // V, m × kr
      // 3. X = A22 V T
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < kr; j++) {
          x[i * kr + j] = vc[j * m + i];
        }
      }
      Gemm.symmLowerNarrow(m, kr, a, r0 * n + r0, n, x, z);
      Gemm.multiply(m, kr, kr, 1.0, Gemm.Mat.rows(z, 0, kr), Gemm.Mat.rows(t, 0, kr), 0.0, x, 0, kr, 0);
      // 4. Y = Tᵀ (Vᵀ X), Z = X − ½ V Y
      Gemm.multiply(kr, kr, m, 1.0, Gemm.Mat.rows(vc, 0, m), Gemm.Mat.rows(x, 0, kr), 0.0, s, 0, kr, 0);
      java.util.Arrays.fill(y, 0, kr * kr, 0.0);
      for (int q = 0; q < kr; q++) {
        int yo = q * kr;
        for (int i = 0; i <= q; i++) {
          double tiq = t[i * kr + q];
          int so = i * kr;
          for (int j = 0; j < kr; j++) {
            y[yo + j] += tiq * s[so + j];
          }
        }
      }
      Gemm.multiply(m, kr, kr, -0.5, v, Gemm.Mat.rows(y, 0, kr), 1.0, x, 0, kr, 0);
      int w2 = 2 * kr;
      final int fkr = kr;
      Parallel.forEach((m + 511) / 512, task -> {
        int i1 = Math.min(m, task * 512 + 512);
        for (int i = task * 512; i < i1; i++) {
          int zo = i * w2;
          System.arraycopy(x, i * fkr, zv, zo, fkr);
          System.arraycopy(x, i * fkr, vz, zo + fkr, fkr);
          for (int j = 0; j < fkr; j++) {
            double vij = vc[j * m + i];
            zv[zo + fkr + j] = vij;
            vz[zo + j] = vij;
          }
        }
      });
      // 5. A22 (lower) −= [Z V] [V Z]ᵀ = Z Vᵀ + V Zᵀ
      Gemm.multiply(m, m, w2, -1.0, Gemm.Mat.rows(zv, 0, w2), Gemm.Mat.transposed(vz, 0, w2), 1.0, a,
          r0 * n + r0, n, Gemm.C_LOWER);
    }
  }

  /**
   * Householder reflector for column j of the row-major panel pr (leading dimension ld), rows j .. m:
   * stores v (v[j] = 1) at vc[j·m + j ..], sets pr[j][j] = β and returns τ (0 when the column is already
   * zero below row j). H = I − τ v vᵀ maps the column to β e_j.
   */
  private static double householder(double[] pr, int ld, int j, int m, double[] vc) {
    int o = j * m;
    double alpha = pr[j * ld + j];
    double scale = 0;
    for (int i = j + 1; i < m; i++) {
      scale = Math.max(scale, Math.abs(pr[i * ld + j]));
    }
    vc[o + j] = 1;
    if (scale == 0) {
      return 0;
    }
    double ss = 0;
    for (int i = j + 1; i < m; i++) {
      double q = pr[i * ld + j] / scale;
      ss += q * q;
    }
    double xnorm = scale * Math.sqrt(ss);
    double beta = -Math.copySign(Math.hypot(alpha, xnorm), alpha);
    double inv = 1.0 / (alpha - beta);
    for (int i = j + 1; i < m; i++) {
      vc[o + i] = pr[i * ld + j] * inv;
    }
    pr[j * ld + j] = beta;
    return (beta - alpha) / beta;
  }

  /**
   * Copies the band of half-bandwidth b of the symmetric matrix (lower triangle of the row-major n×n
   * {@code a}) into column-major band storage with room for the bulges of {@link #bandToTridiagonal}:
   * element (r, c), 0 &le; r − c &le; 2b, at {@code [c·(2b+1) + r − c]}.
   */
  static double[] bandStorage(double[] a, int n, int b) {
    int ld = 2 * b + 1;
    double[] cb = new double[n * ld];
    for (int c = 0; c < n; c++) {
      int rEnd = Math.min(n, c + b + 1);
      for (int r = c; r < rEnd; r++) {
        cb[c * ld + r - c] = a[r * n + c];
      }
    }
    return cb;
  }

  /**
   * Reduces the symmetric band matrix in {@code cb} ({@link #bandStorage} layout, half-bandwidth b;
   * overwritten) to tridiagonal form by bulge chasing, returning the diagonal in d (n) and the
   * sub-diagonal in e (n − 1).
   *
   * <p>Step k of sweep i works on the columns [i+1+k·b, i+1+(k+1)·b) of the band storage (its diagonal
   * block and the block below it), step 0 also on column i. So sweep i can run step k as soon as sweep
   * i − 1 has finished its step k + 1, and the sweeps are pipelined over the threads (sweep i on thread
   * i mod T, as in the parallel bulge chasing of Haidar, Ltaief and Dongarra), each sweep two steps
   * behind the one before it.
   */
  static void bandToTridiagonal(double[] cb, int n, int b, double[] d, double[] e) {
    bandToTridiagonal(cb, n, b, d, e, null);
  }

  /**
   * {@link #bandToTridiagonal(double[], int, int, double[], double[])} with {@code beforeSweep(i)} called
   * before each sweep (null: none; the tests use it to make one thread fail). An exception in either
   * thread ends the computation: the other thread stops at its next wait for a sweep of the failed one,
   * and that first exception is thrown to the caller once both threads have stopped.
   */
  static void bandToTridiagonal(double[] cb, int n, int b, double[] d, double[] e,
      java.util.function.IntConsumer beforeSweep) {
    int ld = 2 * b + 1;
    if (b > 1 && n > 2) {
      int threads = n >= 4 * b ? Math.max(1, Math.min(2, Parallel.threads())) : 1;
      java.util.concurrent.atomic.AtomicIntegerArray done = new java.util.concurrent.atomic.AtomicIntegerArray(n);
      java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
      // each thread catches its own exception, so forEach returns only when both threads have stopped
      Parallel.forEach(threads, t -> {
        try {
          double[] v = new double[b];
          double[] vn = new double[b];
          double[] y = new double[b];
          double[] u = new double[b];
          for (int i = t; i < n - 2; i += threads) {
            if (beforeSweep != null) {
              beforeSweep.accept(i);
            }
            sweep(cb, n, b, ld, i, v, vn, y, u, done, failure);
            done.set(i, Integer.MAX_VALUE);
          }
        } catch (RuntimeException | Error ex) {
          if (!(ex instanceof Aborted)) {
            failure.compareAndSet(null, ex);
          }
        }
      });
      Throwable f = failure.get();
      if (f instanceof RuntimeException re) {
        throw re;
      }
      if (f instanceof Error err) {
        throw err;
      }
    }
    for (int i = 0; i < n; i++) {
      d[i] = cb[i * ld];
      if (i < n - 1) {
        e[i] = cb[i * ld + 1];
      }
    }
  }

  /** Thrown in a thread of the bulge chasing when the other thread has failed (never leaves this class). */
  private static final class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted() {
      super("the other thread of the bulge chasing failed", null, false, false);
    }
  }

  /**
   * Waits until sweep j has completed at least {@code steps} steps (nothing to wait for if j &lt; 0);
   * throws {@link Aborted} when the other thread has failed.
   */
  private static void await(java.util.concurrent.atomic.AtomicIntegerArray done, int j, int steps,
      java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
    if (j < 0) {
      return;
    }
    for (int spins = 0; done.get(j) < steps; spins++) {
      if (failure.get() != null) {
        throw new Aborted();
      }
      if (spins < 64) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  /** Sweep i of {@link #bandToTridiagonal}: annihilates column i below the sub-diagonal, chasing the bulge. */
  private static void sweep(double[] cb, int n, int b, int ld, int i, double[] v, double[] vn, double[] y,
      double[] u, java.util.concurrent.atomic.AtomicIntegerArray done,
      java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
    int len = Math.min(b, n - 1 - i);
    if (len < 2) {
      return;
    }
    await(done, i - 1, 2, failure);
    double tau = reflector(cb, i * ld + 1, len, v);
    int s = i + 1;
    int m = len;
    for (int step = 0; ; step++) {
      if (step > 0) {
        await(done, i - 1, step + 2, failure);
      }
      if (tau != 0) {
        twoSided(cb, ld, s, m, v, tau, y);
      }
      int eRow = s + m;
      int mb = Math.min(b, n - eRow);
      if (mb <= 0) {
        break;
      }
      // X = A[eRow .. eRow+mb, s .. s+m): column q at cb[(s+q)·ld + m − q + p], p in [0, mb)
      // right application X ← X H (u = X v; X −= τ u vᵀ), then a new reflector from X's first
      // column, applied from the left to the other columns
      if (tau != 0) {
        java.util.Arrays.fill(u, 0, mb, 0.0);
        for (int q = 0; q < m; q++) {
          int o = (s + q) * ld + m - q;
          double vq = v[q];
          for (int p = 0; p < mb; p++) {
            u[p] += cb[o + p] * vq;
          }
        }
        int o0 = s * ld + m;
        for (int p = 0; p < mb; p++) {
          cb[o0 + p] -= tau * u[p];
        }
      }
      double taun = mb >= 2 ? reflector(cb, s * ld + m, mb, vn) : 0.0;
      for (int q = 1; q < m; q++) {
        int o = (s + q) * ld + m - q;
        if (tau != 0) {
          double f = tau * v[q];
          for (int p = 0; p < mb; p++) {
            cb[o + p] -= f * u[p];
          }
        }
        if (taun != 0) {
          double dot = 0;
          for (int p = 0; p < mb; p++) {
            dot += vn[p] * cb[o + p];
          }
          dot *= taun;
          for (int p = 0; p < mb; p++) {
            cb[o + p] -= dot * vn[p];
          }
        }
      }
      done.set(i, step + 1);
      double[] sw = v;
      v = vn;
      vn = sw;
      tau = taun;
      s = eRow;
      m = mb;
    }
  }

  /**
   * Householder reflector for x = c[o .. o+len): writes v (v[0] = 1), sets c[o] = β and c[o+1..] = 0,
   * returns τ (H = I − τ v vᵀ, H x = β e_0); τ = 0 when x is already a multiple of e_0.
   */
  private static double reflector(double[] c, int o, int len, double[] v) {
    double alpha = c[o];
    double scale = 0;
    for (int p = 1; p < len; p++) {
      scale = Math.max(scale, Math.abs(c[o + p]));
    }
    v[0] = 1;
    if (scale == 0) {
      for (int p = 1; p < len; p++) {
        v[p] = 0;
      }
      return 0;
    }
    double ss = 0;
    for (int p = 1; p < len; p++) {
      double z = c[o + p] / scale;
      ss += z * z;
    }
    double xnorm = scale * Math.sqrt(ss);
    double beta = -Math.copySign(Math.hypot(alpha, xnorm), alpha);
    double inv = 1.0 / (alpha - beta);
    for (int p = 1; p < len; p++) {
      v[p] = c[o + p] * inv;
      c[o + p] = 0;
    }
    c[o] = beta;
    return (beta - alpha) / beta;
  }

  /** A[s..s+m, s..s+m) ← H A H for H = I − τ v vᵀ, the block stored in its lower triangle in cb. */
  private static void twoSided(double[] cb, int ld, int s, int m, double[] v, double tau, double[] y) {
    java.util.Arrays.fill(y, 0, m, 0.0);
    for (int q = 0; q < m; q++) {
      int base = (s + q) * ld - q; // A[s+p][s+q] = cb[base + p] for p >= q
      double vq = v[q];
      double acc = cb[base + q] * vq;
      for (int p = q + 1; p < m; p++) {
        double apq = cb[base + p];
        y[p] += apq * vq;
        acc += apq * v[p];
      }
      y[q] += acc;
    }
    double yv = 0;
    for (int p = 0; p < m; p++) {
      y[p] *= tau;
      yv += y[p] * v[p];
    }
    double k = -0.5 * tau * yv;
    for (int p = 0; p < m; p++) {
      y[p] += k * v[p];
    }
    for (int q = 0; q < m; q++) {
      int base = (s + q) * ld - q;
      double vq = v[q];
      double wq = y[q];
      for (int p = q; p < m; p++) {
        cb[base + p] -= v[p] * wq + y[p] * vq;
      }
    }
  }

  /** Eigenvalues (ascending) of the symmetric n×n matrix in the lower triangle of a (overwritten). */
  static double[] eigenvalues(double[] a, int n, int b) {
    reduceToBand(a, n, b);
    double[] cb = bandStorage(a, n, b);
    double[] d = new double[n];
    double[] e = new double[Math.max(0, n - 1)];
    bandToTridiagonal(cb, n, b, d, e);
    DenseMath.tridiagonalEigenvalues(d, e);
    java.util.Arrays.sort(d);
    return d;
  }
}
