package org.bgan.metrics;

import java.util.SplittableRandom;

/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimator of the squared MMD with the
 * cubic polynomial kernel {@code k(x, y) = (x·y/d + 1)^3}, averaged over random subsets as the
 * reference code does: each subset draws m = min(subsetSize, N1, N2) samples without replacement from
 * each set, and
 * {@code MMD² = (ΣK_XX − tr K_XX + ΣK_YY − tr K_YY) / (m(m−1)) − 2 ΣK_XY / m²}. Reported: the mean and the
 * population standard deviation (ddof = 0) over subsets. Float64 throughout; the subset draws use a
 * seeded generator (the numbers therefore differ from another implementation's random subsets by the
 * sampling error, which the standard deviation shows; with one subset of all samples they agree
 * exactly).
 */
public final class Kid {
  public static final int DEFAULT_SUBSETS = 100;
  public static final int DEFAULT_SUBSET_SIZE = 1000;

  private Kid() {}

  public record Result(double mean, double std, double[] perSubset, int subsetSize) {}

  public static Result compute(FloatRows x, FloatRows y, int subsets, int subsetSize, long seed) {
    if (x.cols() != y.cols()) {
      throw new MetricInputException("the two feature sets have different dimensions: " + x.cols()
          + " and " + y.cols());
    }
    if (subsets < 1 || subsetSize < 2) {
      throw new MetricInputException("KID needs at least 1 subset of at least 2 samples");
    }
    int m = Math.min(subsetSize, Math.min(x.rows(), y.rows()));
    if (m < 2) {
      throw new MetricInputException("KID needs at least 2 samples in each set, got " + x.rows()
          + " and " + y.rows());
    }
    int d = x.cols();
    SplittableRandom rng = new SplittableRandom(seed);
    double[] values = new double[subsets];
    int[] px = identity(x.rows());
    int[] py = identity(y.rows());
    for (int s = 0; s < subsets; s++) {
      double[] xs = gather(x, px, m, rng);
      double[] ys = gather(y, py, m, rng);
      values[s] = mmd2Unbiased(xs, ys, m, d);
    }
    double mean = 0;
    for (double v : values) {
      mean += v;
    }
    mean /= subsets;
    double var = 0;
    for (double v : values) {
      var += (v - mean) * (v - mean);
    }
    return new Result(mean, Math.sqrt(var / subsets), values, m);
  }

  private static int[] identity(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    return p;
  }

  /** m rows drawn without replacement (partial Fisher-Yates on the persistent permutation p). */
  private static double[] gather(FloatRows rows, int[] p, int m, SplittableRandom rng) {
    int n = p.length;
    int d = rows.cols();
    double[] out = new double[m * d];
    float[] buf = new float[d];
    for (int i = 0; i < m; i++) {
      int j = i + rng.nextInt(n - i);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
      rows.row(p[i], buf, 0);
      for (int c = 0; c < d; c++) {
        out[i * d + c] = buf[c];
      }
    }
    return out;
  }

  /** Unbiased MMD² between x (m×d) and y (m×d) with the cubic polynomial kernel. */
  public static double mmd2Unbiased(double[] x, double[] y, int m, int d) {
    double[] xt = DenseMath.transpose(x, m, d);
    double[] yt = DenseMath.transpose(y, m, d);
    double[] k = new double[m * m];
    double sxx = kernelSum(x, xt, m, d, k, true);
    double syy = kernelSum(y, yt, m, d, k, true);
    double sxy = kernelSum(x, yt, m, d, k, false);
    return (sxx + syy) / ((double) m * (m - 1)) - 2 * sxy / ((double) m * m);
  }

  /** Sum of (a·bt/d + 1)^3 over all entries, or over the off-diagonal ones if {@code offDiagonal}. */
  private static double kernelSum(double[] a, double[] bt, int m, int d, double[] k, boolean offDiagonal) {
    DenseMath.gemm(m, m, d, a, d, bt, m, k, m, 0);
    double inv = 1.0 / d;
    double s = 0;
    for (int i = 0; i < m; i++) {
      double row = 0;
      for (int j = 0; j < m; j++) {
        if (offDiagonal && i == j) {
          continue;
        }
        double v = k[i * m + j] * inv + 1;
        row += v * v * v;
      }
      s += row;
    }
    return s;
  }
}
