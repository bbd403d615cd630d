package org.bgan.metrics;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm}'s micro-kernel with the Vector API: a 6 × (2 vectors) register tile of C (6×16 doubles
 * with 512-bit vectors, 6×8 with 256-bit), twelve accumulators updated by fused multiply-adds of a
 * broadcast element of A with two vectors of B per step. Loaded only when {@code jdk.incubator.vector}
 * is in the boot layer.
 */
final class VectorKernel implements Gemm.Kernel {
  private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  @Override
  public int mr() {
    return 6;
  }

  @Override
  public int nr() {
    return 2 * L;
  }

  @Override
  public void run(int kc, double[] ap, int ao, double[] bp, int bo, double[] c, int co, int ldc, double alpha) {
    DoubleVector c00 = DoubleVector.zero(S);
    DoubleVector c01 = DoubleVector.zero(S);
    DoubleVector c10 = DoubleVector.zero(S);
    DoubleVector c11 = DoubleVector.zero(S);
    DoubleVector c20 = DoubleVector.zero(S);
    DoubleVector c21 = DoubleVector.zero(S);
    DoubleVector c30 = DoubleVector.zero(S);
    DoubleVector c31 = DoubleVector.zero(S);
    DoubleVector c40 = DoubleVector.zero(S);
    DoubleVector c41 = DoubleVector.zero(S);
    DoubleVector c50 = DoubleVector.zero(S);
    DoubleVector c51 = DoubleVector.zero(S);
    int a = ao;
    int b = bo;
    for (int p = 0; p < kc; p++, a += 6, b += 2 * L) {
      DoubleVector b0 = DoubleVector.fromArray(S, bp, b);
      DoubleVector b1 = DoubleVector.fromArray(S, bp, b + L);
      DoubleVector x = DoubleVector.broadcast(S, ap[a]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = DoubleVector.broadcast(S, ap[a + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = DoubleVector.broadcast(S, ap[a + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = DoubleVector.broadcast(S, ap[a + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = DoubleVector.broadcast(S, ap[a + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = DoubleVector.broadcast(S, ap[a + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    DoubleVector al = DoubleVector.broadcast(S, alpha);
    store(c00, c01, al, c, co);
    store(c10, c11, al, c, co + ldc);
    store(c20, c21, al, c, co + 2 * ldc);
    store(c30, c31, al, c, co + 3 * ldc);
    store(c40, c41, al, c, co + 4 * ldc);
    store(c50, c51, al, c, co + 5 * ldc);
  }

  private static void store(DoubleVector v0, DoubleVector v1, DoubleVector alpha, double[] c, int o) {
    v0.fma(alpha, DoubleVector.fromArray(S, c, o)).intoArray(c, o);
    v1.fma(alpha, DoubleVector.fromArray(S, c, o + L)).intoArray(c, o + L);
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
