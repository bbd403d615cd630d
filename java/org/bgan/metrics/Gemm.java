package org.bgan.metrics;

/**
 * Packed, cache-blocked, multi-threaded float64 matrix product {@code C = alpha·A·B + beta·C}, in the
 * layered scheme of Goto and van de Geijn ("Anatomy of high-performance matrix multiplication", ACM TOMS
 * 2008): B is packed once into column strips of {@link #nr()} columns per K-block, each task (a block of
 * rows of C) packs its rows of A into row strips of {@link #mr()} rows per K-block (sized for the L2
 * cache), and a register-blocked micro-kernel multiplies one strip of A with one strip of B. The
 * micro-kernel uses the Vector API ({@code jdk.incubator.vector}) when the module is present
 * ({@code --add-modules jdk.incubator.vector}) and falls back to plain Java otherwise.
 *
 * <p>Operands are strided views ({@link Mat}): a row-major matrix, its transpose, or a symmetric matrix
 * stored in its lower triangle. Structure flags skip work that is known to be zero or unwanted:
 * {@link #A_UPPER} (A[i][p] = 0 for p &lt; i), {@link #B_LOWER} (B[p][j] = 0 for p &lt; j) and
 * {@link #C_LOWER} (only the lower triangle j &le; i of C is computed and written; the entries above it
 * are left untouched).
 */
final class Gemm {
  static final int A_UPPER = 1;
  static final int B_LOWER = 2;
  static final int C_LOWER = 4;

  private static final int KC = 256;
  private static final int MC_TARGET = 96;

  /**
   * The micro-kernel: {@code C[0..mr)[0..nr) += alpha · Σ_p ap[ao + p·mr + i] · bp[bo + p·nr + j]} for
   * p in [0, kc), with C at {@code c[co + i·ldc + j]}.
   */
  interface Kernel {
    int mr();

    int nr();

    void run(int kc, double[] ap, int ao, double[] bp, int bo, double[] c, int co, int ldc, double alpha);

    /** The row width {@link #symmRows} works with for w columns (w rounded up to whole vectors). */
    int symmWidth(int w);

    /**
     * For the rows i in [i0, i1) of the symmetric A stored in its lower triangle (A[i][p], p &le; i, at
     * a[ao + i·lda + p]): x[i] += Σ_{p&le;i} A[i][p] v[p] and x[p] += A[i][p] v[i] for p &lt; i, where v
     * and x are row-major with w columns ({@link #symmWidth}). Each stored element of A is read once.
     */
    void symmRows(double[] a, int ao, int lda, double[] v, double[] x, int i0, int i1, int w);
  }

  private static final Kernel KERNEL = chooseKernel();
  private static final int MR = KERNEL.mr();
  private static final int NR = KERNEL.nr();
  private static final int MC = Math.max(MR, MC_TARGET / MR * MR);
  private static final ThreadLocal<double[]> A_PACK = ThreadLocal.withInitial(() -> new double[MC * KC]);
  private static final ThreadLocal<double[]> TILE = ThreadLocal.withInitial(() -> new double[MR * NR]);

  private Gemm() {}

  private static Kernel chooseKernel() {
    if (!"false".equals(System.getProperty("bgan.metrics.vector"))
        && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      try {
        return (Kernel) Class.forName("org.bgan.metrics.VectorKernel").getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        // fall through to the plain-Java kernel
      }
    }
    return new ScalarKernel();
  }

  /** Name of the micro-kernel in use and its register tile, e.g. {@code vector-512 4x24}. */
  static String kernelName() {
    return (KERNEL instanceof ScalarKernel ? "scalar" : "vector-" + ((VectorKernel) KERNEL).vectorBits()) + " " + MR
        + "x" + NR;
  }

  static int mr() {
    return MR;
  }

  static Kernel kernel() {
    return KERNEL;
  }

  static int nr() {
    return NR;
  }

  /**
   * A strided view: element (i, j) is {@code a[off + i·rs + j·cs]}; with {@code symLower} the matrix is
   * symmetric and only its lower triangle (i &ge; j) is read, element (i, j) with i &lt; j being (j, i).
   */
  record Mat(double[] a, int off, int rs, int cs, boolean symLower) {
    static Mat rows(double[] a, int off, int ld) {
      return new Mat(a, off, ld, 1, false);
    }

    static Mat transposed(double[] a, int off, int ld) {
      return new Mat(a, off, 1, ld, false);
    }

    static Mat symmetricLower(double[] a, int off, int ld) {
      return new Mat(a, off, ld, 1, true);
    }

    double get(int i, int j) {
      if (symLower && i < j) {
        return a[off + j * rs + i * cs];
      }
      return a[off + i * rs + j * cs];
    }
  }

  /** C (m×n at c[co + i·ldc + j]) = alpha · A (m×k) · B (k×n) + beta · C; beta 0 ignores C's old values. */
  static void multiply(int m, int n, int k, double alpha, Mat a, Mat b, double beta, double[] c, int co,
      int ldc, int flags) {
    if (m <= 0 || n <= 0) {
      return;
    }
    boolean cLower = (flags & C_LOWER) != 0;
    boolean aUpper = (flags & A_UPPER) != 0;
    boolean bLower = (flags & B_LOWER) != 0;
    int nStrips = (n + NR - 1) / NR;
    int nPad = nStrips * NR;
    double[] bp = k > 0 ? new double[k * nPad] : new double[0];
    int kBlocks = (k + KC - 1) / KC;
    if (k > 0) {
      Parallel.forEach(kBlocks * nStrips, task -> packB(b, k, n, task / nStrips, task % nStrips, nPad, bp));
    }
    int rowBlocks = (m + MC - 1) / MC;
    Parallel.forEach(rowBlocks, task -> {
      // with C_LOWER the lower rows cost more: hand them out first
      int blk = cLower ? rowBlocks - 1 - task : task;
      int i0 = blk * MC;
      int i1 = Math.min(m, i0 + MC);
      scaleRows(c, co, ldc, i0, i1, n, beta, cLower);
      if (k == 0 || alpha == 0) {
        return;
      }
      double[] ap = A_PACK.get();
      double[] tile = TILE.get();
      for (int kb = 0; kb < kBlocks; kb++) {
        int p0 = kb * KC;
        int kl = Math.min(KC, k - p0);
        if (aUpper && p0 + kl <= i0) {
          continue; // A[i][p] = 0 for all p < i
        }
        packA(a, i0, i1, p0, kl, ap);
        int base = p0 * nPad;
        for (int js = 0; js < nStrips; js++) {
          int j0 = js * NR;
          if (cLower && j0 >= i1) {
            break;
          }
          if (bLower && p0 + kl <= j0) {
            break; // B[p][j] = 0 for all p < j, and j only grows
          }
          int jl = Math.min(NR, n - j0);
          int bo = base + js * kl * NR;
          for (int ir = i0; ir < i1; ir += MR) {
            int il = Math.min(MR, i1 - ir);
            if (cLower && j0 > ir + il - 1) {
              continue;
            }
            int ao = (ir - i0) * kl;
            boolean full = il == MR && jl == NR && !(cLower && j0 + NR - 1 > ir);
            if (full) {
              KERNEL.run(kl, ap, ao, bp, bo, c, co + ir * ldc + j0, ldc, alpha);
            } else {
              java.util.Arrays.fill(tile, 0.0);
              KERNEL.run(kl, ap, ao, bp, bo, tile, 0, NR, alpha);
              for (int i = 0; i < il; i++) {
                int jEnd = cLower ? Math.min(jl, ir + i - j0 + 1) : jl;
                int ci = co + (ir + i) * ldc + j0;
                for (int j = 0; j < jEnd; j++) {
                  c[ci + j] += tile[i * NR + j];
                }
              }
            }
          }
        }
      }
    });
  }

  /**
   * X (m×w, row-major) = A·V for the symmetric m×m A stored in its lower triangle at a[ao + i·lda + j]
   * and V (m×w, row-major), for narrow V (w up to a few dozen): the lower triangle is read once, each
   * element feeding both A[i][p]·V[p] into row i and A[i][p]·V[i] into row p (a blocked symv). The
   * threads take row ranges of equal triangle area and accumulate into private copies of X.
   */
  static void symmLowerNarrow(int m, int w, double[] a, int ao, int lda, double[] v, double[] x) {
    int wp = KERNEL.symmWidth(w);
    double[] vp = new double[m * wp];
    for (int i = 0; i < m; i++) {
      System.arraycopy(v, i * w, vp, i * wp, w);
    }
    int threads = Math.max(1, Math.min(Parallel.threads(), m / 64));
    double[][] parts = new double[threads][];
    int[] bounds = new int[threads + 1];
    for (int t = 1; t < threads; t++) {
      bounds[t] = (int) Math.round(m * Math.sqrt((double) t / threads));
    }
    bounds[threads] = m;
    Parallel.forEach(threads, t -> {
      double[] xt = new double[m * wp];
      KERNEL.symmRows(a, ao, lda, vp, xt, bounds[t], bounds[t + 1], wp);
      parts[t] = xt;
    });
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < w; j++) {
        double sum = 0;
        for (double[] part : parts) {
          sum += part[i * wp + j];
        }
        x[i * w + j] = sum;
      }
    }
  }

  private static void scaleRows(double[] c, int co, int ldc, int i0, int i1, int n, double beta, boolean lower) {
    if (beta == 1) {
      return;
    }
    for (int i = i0; i < i1; i++) {
      int len = lower ? Math.min(n, i + 1) : n;
      int ci = co + i * ldc;
      if (beta == 0) {
        java.util.Arrays.fill(c, ci, ci + len, 0.0);
      } else {
        for (int j = 0; j < len; j++) {
          c[ci + j] *= beta;
        }
      }
    }
  }

  /** Packs B[p0..p0+kl)[j0..j0+NR) (zero-padded) as kl rows of NR. */
  private static void packB(Mat b, int k, int n, int kb, int js, int nPad, double[] bp) {
    int p0 = kb * KC;
    int kl = Math.min(KC, k - p0);
    int j0 = js * NR;
    int jl = Math.min(NR, n - j0);
    int o = p0 * nPad + js * kl * NR;
    double[] src = b.a();
    if (!b.symLower() && b.cs() == 1) {
      for (int p = 0; p < kl; p++) {
        int s = b.off() + (p0 + p) * b.rs() + j0;
        System.arraycopy(src, s, bp, o + p * NR, jl);
      }
    } else if (!b.symLower()) {
      int rs = b.rs();
      int cs = b.cs();
      for (int j = 0; j < jl; j++) {
        int s = b.off() + (j0 + j) * cs + p0 * rs;
        for (int p = 0; p < kl; p++) {
          bp[o + p * NR + j] = src[s + p * rs];
        }
      }
    } else {
      for (int p = 0; p < kl; p++) {
        for (int j = 0; j < jl; j++) {
          bp[o + p * NR + j] = b.get(p0 + p, j0 + j);
        }
      }
    }
    if (jl < NR) {
      for (int p = 0; p < kl; p++) {
        java.util.Arrays.fill(bp, o + p * NR + jl, o + (p + 1) * NR, 0.0);
      }
    }
  }

  /** Packs A[i0..i1)[p0..p0+kl) as strips of MR rows (zero-padded), each stored as kl columns of MR. */
  private static void packA(Mat a, int i0, int i1, int p0, int kl, double[] ap) {
    double[] src = a.a();
    int off = a.off();
    int rs = a.rs();
    int cs = a.cs();
    for (int ir = i0; ir < i1; ir += MR) {
      int il = Math.min(MR, i1 - ir);
      int o = (ir - i0) * kl;
      if (a.symLower()) {
        // (i, p) = a[i][p] for p <= i, a[p][i] for p > i: walk p in the outer loop so that the
        // transposed reads of the upper part are contiguous in i
        for (int p = 0; p < kl; p++) {
          int col = p0 + p;
          int dst = o + p * MR;
          for (int i = 0; i < il; i++) {
            int row = ir + i;
            ap[dst + i] = col <= row ? src[off + row * rs + col] : src[off + col * rs + row];
          }
        }
      } else if (cs == 1) {
        for (int i = 0; i < il; i++) {
          int s = off + (ir + i) * rs + p0;
          for (int p = 0; p < kl; p++) {
            ap[o + p * MR + i] = src[s + p];
          }
        }
      } else {
        for (int p = 0; p < kl; p++) {
          int s = off + (p0 + p) * cs + ir * rs;
          int dst = o + p * MR;
          for (int i = 0; i < il; i++) {
            ap[dst + i] = src[s + i * rs];
          }
        }
      }
      if (il < MR) {
        for (int p = 0; p < kl; p++) {
          java.util.Arrays.fill(ap, o + p * MR + il, o + (p + 1) * MR, 0.0);
        }
      }
    }
  }

  /** Plain-Java micro-kernel (4×8), used when the Vector API module is not present. */
  static final class ScalarKernel implements Kernel {
    @Override
    public int mr() {
      return 4;
    }

    @Override
    public int nr() {
      return 8;
    }

    @Override
    public void run(int kc, double[] ap, int ao, double[] bp, int bo, double[] c, int co, int ldc, double alpha) {
      // four rows of C, two steps of p per pass: each loaded element of B feeds four multiply-adds and
      // the j loops are simple enough for the JIT's auto-vectoriser
      double[] acc = new double[32];
      int p = 0;
      for (; p + 1 < kc; p += 2) {
        int a = ao + p * 4;
        int b = bo + p * 8;
        double a0 = ap[a];
        double a1 = ap[a + 1];
        double a2 = ap[a + 2];
        double a3 = ap[a + 3];
        double e0 = ap[a + 4];
        double e1 = ap[a + 5];
        double e2 = ap[a + 6];
        double e3 = ap[a + 7];
        for (int j = 0; j < 8; j++) {
          double x = bp[b + j];
          double z = bp[b + 8 + j];
          acc[j] += a0 * x + e0 * z;
          acc[8 + j] += a1 * x + e1 * z;
          acc[16 + j] += a2 * x + e2 * z;
          acc[24 + j] += a3 * x + e3 * z;
        }
      }
      for (; p < kc; p++) {
        int a = ao + p * 4;
        int b = bo + p * 8;
        for (int j = 0; j < 8; j++) {
          double x = bp[b + j];
          acc[j] += ap[a] * x;
          acc[8 + j] += ap[a + 1] * x;
          acc[16 + j] += ap[a + 2] * x;
          acc[24 + j] += ap[a + 3] * x;
        }
      }
      for (int i = 0; i < 4; i++) {
        int ci = co + i * ldc;
        for (int j = 0; j < 8; j++) {
          c[ci + j] += alpha * acc[i * 8 + j];
        }
      }
    }

    @Override
    public int symmWidth(int w) {
      return w;
    }

    @Override
    public void symmRows(double[] a, int ao, int lda, double[] v, double[] x, int i0, int i1, int w) {
      double[] xr = new double[w];
      for (int i = i0; i < i1; i++) {
        int ri = ao + i * lda;
        int vi = i * w;
        java.util.Arrays.fill(xr, 0.0);
        for (int p = 0; p < i; p++) {
          double s = a[ri + p];
          int vp = p * w;
          for (int c = 0; c < w; c++) {
            xr[c] += s * v[vp + c];
            x[vp + c] += s * v[vi + c];
          }
        }
        double s = a[ri + i];
        for (int c = 0; c < w; c++) {
          x[vi + c] += xr[c] + s * v[vi + c];
        }
      }
    }
  }
}
