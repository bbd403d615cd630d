package org.bgan.metrics;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm}'s micro-kernel with the Vector API: a 4 × (3 vectors) register tile of C (4×24 doubles
 * with 512-bit vectors, 4×12 with 256-bit), twelve accumulators updated by fused multiply-adds of a
 * broadcast element of A with three vectors of B per step. Loaded only when {@code jdk.incubator.vector}
 * is in the boot layer.
 *
 * <p>The tile shape is measured, not derived: on the 2-core AVX-512 machine of the README, with the
 * operands in L1, this 4×3 tile runs at 57 GFLOPS per core against 24 for the 6×2 tile used before
 * (six broadcasts and two loads per twelve multiply-adds against four and three) and about 10 for tiles of sixteen
 * accumulators (8×2, 4×4), which HotSpot's C2 does not keep in registers.
 */
final class VectorKernel implements Gemm.Kernel {
  private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** The micro-kernel loop's stride, always 1; not final on purpose (see {@link #run}). */
  @SuppressWarnings("FieldMayBeFinal")
  private static int STEP = 1;

  /** Width of the vectors in bits (256 or 512, whatever the CPU prefers). */
  int vectorBits() {
    return S.vectorBitSize();
  }

  @Override
  public int mr() {
    return 4;
  }

  @Override
  public int nr() {
    return 3 * L;
  }

  @Override
  public void run(int kc, double[] ap, int ao, double[] bp, int bo, double[] c, int co, int ldc, double alpha) {
    DoubleVector c00 = DoubleVector.zero(S);
    DoubleVector c01 = DoubleVector.zero(S);
    DoubleVector c02 = DoubleVector.zero(S);
    DoubleVector c10 = DoubleVector.zero(S);
    DoubleVector c11 = DoubleVector.zero(S);
    DoubleVector c12 = DoubleVector.zero(S);
    DoubleVector c20 = DoubleVector.zero(S);
    DoubleVector c21 = DoubleVector.zero(S);
    DoubleVector c22 = DoubleVector.zero(S);
    DoubleVector c30 = DoubleVector.zero(S);
    DoubleVector c31 = DoubleVector.zero(S);
    DoubleVector c32 = DoubleVector.zero(S);
    int a = ao;
    int b = bo;
    // the loop's stride is read from a non-final field so that C2 does not treat it as a counted loop and
    // unroll it: unrolled, the twelve accumulators and the next step's loads exceed the vector registers
    // C2 allocates and the kernel runs at 25 instead of 57 GFLOPS (measured; whether C2 unrolled depended
    // on the run)
    int step = STEP;
    for (int p = 0; p < kc; p += step, a += 4, b += 3 * L) {
      DoubleVector b0 = DoubleVector.fromArray(S, bp, b);
      DoubleVector b1 = DoubleVector.fromArray(S, bp, b + L);
      DoubleVector b2 = DoubleVector.fromArray(S, bp, b + 2 * L);
      DoubleVector x = DoubleVector.broadcast(S, ap[a]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      c02 = x.fma(b2, c02);
      x = DoubleVector.broadcast(S, ap[a + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      c12 = x.fma(b2, c12);
      x = DoubleVector.broadcast(S, ap[a + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      c22 = x.fma(b2, c22);
      x = DoubleVector.broadcast(S, ap[a + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      c32 = x.fma(b2, c32);
    }
    DoubleVector al = DoubleVector.broadcast(S, alpha);
    store(c00, c01, c02, al, c, co);
    store(c10, c11, c12, al, c, co + ldc);
    store(c20, c21, c22, al, c, co + 2 * ldc);
    store(c30, c31, c32, al, c, co + 3 * ldc);
  }

  private static void store(DoubleVector v0, DoubleVector v1, DoubleVector v2, DoubleVector alpha, double[] c,
      int o) {
    v0.fma(alpha, DoubleVector.fromArray(S, c, o)).intoArray(c, o);
    v1.fma(alpha, DoubleVector.fromArray(S, c, o + L)).intoArray(c, o + L);
    v2.fma(alpha, DoubleVector.fromArray(S, c, o + 2 * L)).intoArray(c, o + 2 * L);
  }

  @Override
  public int symmWidth(int w) {
    return (w + L - 1) / L * L;
  }

  @Override
  public void symmRows(double[] a, int ao, int lda, double[] v, double[] x, int i0, int i1, int w) {
    if (w == 4 * L) {
      symmRows4(a, ao, lda, v, x, i0, i1);
      return;
    }
    double[] xr = new double[w];
    for (int i = i0; i < i1; i++) {
      java.util.Arrays.fill(xr, 0.0);
      int ri = ao + i * lda;
      int vi = i * w;
      for (int p = 0; p < i; p++) {
        DoubleVector s = DoubleVector.broadcast(S, a[ri + p]);
        int vp = p * w;
        for (int c = 0; c < w; c += L) {
          s.fma(DoubleVector.fromArray(S, v, vp + c), DoubleVector.fromArray(S, xr, c)).intoArray(xr, c);
          s.fma(DoubleVector.fromArray(S, v, vi + c), DoubleVector.fromArray(S, x, vp + c)).intoArray(x, vp + c);
        }
      }
      DoubleVector s = DoubleVector.broadcast(S, a[ri + i]);
      for (int c = 0; c < w; c += L) {
        DoubleVector acc = s.fma(DoubleVector.fromArray(S, v, vi + c), DoubleVector.fromArray(S, xr, c));
        acc.add(DoubleVector.fromArray(S, x, vi + c)).intoArray(x, vi + c);
      }
    }
  }

  /** {@link #symmRows} for a width of four vectors: row i's accumulators and V[i] stay in registers. */
  private static void symmRows4(double[] a, int ao, int lda, double[] v, double[] x, int i0, int i1) {
    int w = 4 * L;
    for (int i = i0; i < i1; i++) {
      int ri = ao + i * lda;
      int vi = i * w;
      DoubleVector u0 = DoubleVector.fromArray(S, v, vi);
      DoubleVector u1 = DoubleVector.fromArray(S, v, vi + L);
      DoubleVector u2 = DoubleVector.fromArray(S, v, vi + 2 * L);
      DoubleVector u3 = DoubleVector.fromArray(S, v, vi + 3 * L);
      DoubleVector s = DoubleVector.broadcast(S, a[ri + i]);
      DoubleVector r0 = s.mul(u0);
      DoubleVector r1 = s.mul(u1);
      DoubleVector r2 = s.mul(u2);
      DoubleVector r3 = s.mul(u3);
      for (int p = 0, vp = 0; p < i; p++, vp += w) {
        s = DoubleVector.broadcast(S, a[ri + p]);
        r0 = s.fma(DoubleVector.fromArray(S, v, vp), r0);
        r1 = s.fma(DoubleVector.fromArray(S, v, vp + L), r1);
        r2 = s.fma(DoubleVector.fromArray(S, v, vp + 2 * L), r2);
        r3 = s.fma(DoubleVector.fromArray(S, v, vp + 3 * L), r3);
        s.fma(u0, DoubleVector.fromArray(S, x, vp)).intoArray(x, vp);
        s.fma(u1, DoubleVector.fromArray(S, x, vp + L)).intoArray(x, vp + L);
        s.fma(u2, DoubleVector.fromArray(S, x, vp + 2 * L)).intoArray(x, vp + 2 * L);
        s.fma(u3, DoubleVector.fromArray(S, x, vp + 3 * L)).intoArray(x, vp + 3 * L);
      }
      r0.add(DoubleVector.fromArray(S, x, vi)).intoArray(x, vi);
      r1.add(DoubleVector.fromArray(S, x, vi + L)).intoArray(x, vi + L);
      r2.add(DoubleVector.fromArray(S, x, vi + 2 * L)).intoArray(x, vi + 2 * L);
      r3.add(DoubleVector.fromArray(S, x, vi + 3 * L)).intoArray(x, vi + 3 * L);
    }
  }
}
