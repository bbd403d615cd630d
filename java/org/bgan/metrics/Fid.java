package org.bgan.metrics;

/**
 * Fréchet Inception Distance (Heusel et al. 2017):
 * {@code FID = ||μ1 − μ2||² + Tr(Σ1) + Tr(Σ2) − 2 Tr((Σ1 Σ2)^{1/2})}, in float64.
 *
 * <p>The trace of the matrix square root is computed without forming (Σ1Σ2)^{1/2}: with the
 * rank-revealing Cholesky factorisation P^T Σ1 P = L L^T (L d×r), Σ1Σ2 is similar to
 * {@code M = L^T (P^T Σ2 P) L} (r×r, symmetric positive semi-definite) up to zero eigenvalues, so
 * {@code Tr((Σ1Σ2)^{1/2}) = Σ_i sqrt(λ_i(M))}. Only products, one factorisation and one symmetric
 * eigenvalue problem are needed (no complex Schur form), and a singular or near-singular Σ1 (fewer
 * images than dimensions) is handled exactly by the rank-revealing factorisation instead of by adding
 * εI. When M has eigenvalues at rounding level (at most r·eps·λmax, where a singular Σ2 leaves its null
 * eigenvalues, of either sign), the computation is repeated with the roles of Σ1 and Σ2 swapped
 * (Tr((Σ1Σ2)^{1/2}) is symmetric in them) and the factorisation of lower rank is kept, so a singular
 * Σ2 is treated like a singular Σ1. Negative eigenvalues of M count as 0.
 */
public final class Fid {
  private Fid() {}

  /**
   * FID and its parts. {@code rank1} is the numerical rank of the covariance that was factored: Σ1, or
   * Σ2 when Σ1's factorisation left rounding-level eigenvalues and Σ2 has the lower rank.
   */
  public record Result(double fid, double meanTerm, double trace1, double trace2, double traceSqrt,
      int rank1, double minEigenvalue) {}

  /** FID between two sets of statistics of the same dimension. */
  public static Result compute(ActivationStats a, ActivationStats b) {
    if (a.dim() != b.dim()) {
      throw new MetricInputException("the two statistics have different feature dimensions: "
          + a.dim() + " and " + b.dim());
    }
    return compute(a.mu(), a.sigma(), b.mu(), b.sigma());
  }

  /** FID from means (d) and covariances (d×d row-major). */
  public static Result compute(double[] mu1, double[] sigma1, double[] mu2, double[] sigma2) {
    int d = mu1.length;
    if (mu2.length != d || sigma1.length != d * d || sigma2.length != d * d) {
      throw new MetricInputException("mismatched dimensions: mu1 " + d + ", mu2 " + mu2.length);
    }
    double meanTerm = 0;
    for (int i = 0; i < d; i++) {
      double diff = mu1[i] - mu2[i];
      meanTerm += diff * diff;
    }
    double tr1 = 0;
    double tr2 = 0;
    for (int i = 0; i < d; i++) {
      tr1 += sigma1[i * d + i];
      tr2 += sigma2[i * d + i];
    }
    double[] ts = traceSqrtProduct(sigma1, sigma2, d);
    double traceSqrt = ts[0];
    double fid = meanTerm + tr1 + tr2 - 2 * traceSqrt;
    return new Result(fid, meanTerm, tr1, tr2, traceSqrt, (int) ts[1], ts[2]);
  }

  /**
   * Returns {Tr((Σ1Σ2)^{1/2}), rank of Σ1, smallest eigenvalue of M} for symmetric positive
   * semi-definite Σ1, Σ2 (d×d row-major).
   */
  public static double[] traceSqrtProduct(double[] sigma1, double[] sigma2, int d) {
    double[] one = traceSqrtProduct(sigma1, sigma2, d, null);
    if (one[3] > 0) {
      // M has eigenvalues at rounding level: Σ2 may be singular where Σ1 is not. Tr((Σ1Σ2)^½) is
      // symmetric in Σ1 and Σ2, so factor Σ2 instead and keep that result if Σ2 has the lower rank
      // (its null space is then removed exactly, as a singular Σ1's is).
      double[] other = traceSqrtProduct(sigma2, sigma1, d, null);
      if (other[1] < one[1]) {
        return new double[] {other[0], other[1], other[2]};
      }
    }
    return new double[] {one[0], one[1], one[2]};
  }

  /** Names of the stages timed by {@link #profile}. */
  public static final String[] STAGES = {"cholesky", "permute", "products", "band", "chase", "tridiagonal_qr"};

  /**
   * Runs {@link #traceSqrtProduct} once and returns the wall-clock seconds of its stages, in the order of
   * {@link #STAGES}: pivoted Cholesky, the permutation of Σ2, the products W = P^T Σ2 P L and
   * M = L^T W, the dense-to-band reduction, the bulge chasing to tridiagonal, and the tridiagonal QR.
   */
  public static double[] profile(double[] sigma1, double[] sigma2, int d) {
    long[] t = new long[STAGES.length + 1];
    traceSqrtProduct(sigma1, sigma2, d, t);
    double[] s = new double[STAGES.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = (t[i + 1] - t[i]) / 1e9;
    }
    return s;
  }

  private static double[] traceSqrtProduct(double[] sigma1, double[] sigma2, int d, long[] clock) {
    if (clock != null) {
      clock[0] = System.nanoTime();
    }
    DenseMath.PivotedCholesky pc = DenseMath.pivotedCholesky(sigma1, d);
    int r = pc.rank();
    if (r == 0) {
      return new double[] {0, 0, 0, 0};
    }
    tick(clock, 1);
    int[] p = pc.perm();
    // S2p = P^T Σ2 P
    double[] s2p = new double[d * d];
    Parallel.forEach(d, i -> {
      int ri = p[i] * d;
      int oi = i * d;
      for (int j = 0; j < d; j++) {
        s2p[oi + j] = sigma2[ri + p[j]];
      }
    });
    tick(clock, 2);
    double[] l = pc.l();
    // W = S2p L (d×r), L lower trapezoidal
    double[] w = new double[d * r];
    DenseMath.gemm(d, r, d, s2p, d, l, r, w, r, DenseMath.B_LOWER);
    // M = L^T W (r×r), lower triangle only
    double[] lt = DenseMath.transpose(l, d, r);
    double[] m = new double[r * r];
    DenseMath.gemm(r, r, d, lt, d, w, r, m, r, DenseMath.A_UPPER | DenseMath.C_LOWER);
    tick(clock, 3);
    double[] ev;
    if (clock == null || r < DenseMath.TWO_STAGE_MIN) {
      ev = DenseMath.symmetricEigenvalues(m, r);
      // small matrices (one-stage reduction): the whole eigenvalue time is reported as the band stage
      for (int i = 4; clock != null && i <= 6; i++) {
        clock[i] = System.nanoTime();
      }
    } else {
      BandReduction.reduceToBand(m, r, DenseMath.BAND);
      tick(clock, 4);
      double[] dg = new double[r];
      double[] sub = new double[r - 1];
      BandReduction.bandToTridiagonal(BandReduction.bandStorage(m, r, DenseMath.BAND), r, DenseMath.BAND, dg, sub);
      tick(clock, 5);
      DenseMath.tridiagonalEigenvalues(dg, sub);
      java.util.Arrays.sort(dg);
      tick(clock, 6);
      ev = dg;
    }
    // Eigenvalues at or below r·eps·λmax (the relative level at which the pivoted Cholesky
    // factorisation declares a matrix rank-deficient) are counted: a singular Σ2 leaves ±1e-16·λmax
    // there, whose square roots are rounding noise (see traceSqrtProduct(sigma1, sigma2, d)). They are
    // not dropped: when M comes from a graded, ill-conditioned Σ1 (FID of a set with itself) its small
    // eigenvalues are computed with good relative accuracy and belong in the sum.
    double tol = r * Math.ulp(1.0) * Math.max(0.0, ev[r - 1]);
    double s = 0;
    int small = 0;
    for (double v : ev) {
      if (v > 0) {
        s += Math.sqrt(v);
      }
      if (v <= tol) {
        small++;
      }
    }
    return new double[] {s, r, ev[0], small};
  }

  private static void tick(long[] clock, int i) {
    if (clock != null) {
      clock[i] = System.nanoTime();
    }
  }
}
