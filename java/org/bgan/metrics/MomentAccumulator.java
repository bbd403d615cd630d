package org.bgan.metrics;

import java.util.Arrays;

/**
 * Streaming float64 mean and covariance of d-dimensional feature vectors, in one pass and in constant
 * memory (O(d²)). Each batch is centred on its own mean, its scatter matrix is accumulated, and batches
 * are merged with the pairwise update of Chan, Golub and LeVeque (1979):
 * {@code M2 = M2_a + M2_b + δδ^T · n_a n_b / (n_a + n_b)}, which avoids the cancellation of the
 * textbook {@code Σx x^T − n μμ^T} formula. The covariance divides by N − 1 (as numpy's
 * {@code np.cov(..., rowvar=False)} and the reference FID code do).
 */
public final class MomentAccumulator {
  private final int dim;
  private long count;
  private final double[] mean;
  /** Lower triangle (j &le; i) of the centred scatter matrix, row-major d×d. */
  private final double[] m2;

  public MomentAccumulator(int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("dimension must be >= 1, got " + dim);
    }
    this.dim = dim;
    this.mean = new double[dim];
    this.m2 = new double[dim * dim];
  }

  public int dim() {
    return dim;
  }

  public long count() {
    return count;
  }

  /** Adds {@code rows} feature vectors stored row-major in {@code x} from {@code offset}. */
  public void add(float[] x, int offset, int rows) {
    double[] xd = new double[rows * dim];
    for (int i = 0; i < rows * dim; i++) {
      xd[i] = x[offset + i];
    }
    addCentred(xd, rows);
  }

  /** Adds {@code rows} feature vectors stored row-major in {@code x} from index 0. */
  public void add(double[] x, int rows) {
    addCentred(Arrays.copyOf(x, rows * dim), rows);
  }

  private void addCentred(double[] xc, int rows) {
    if (rows == 0) {
      return;
    }
    for (int i = 0; i < rows * dim; i++) {
      if (!Double.isFinite(xc[i])) {
        throw MetricInputException.notFinite(count + i / dim, i % dim);
      }
    }
    double[] bm = new double[dim];
    for (int r = 0; r < rows; r++) {
      int o = r * dim;
      for (int j = 0; j < dim; j++) {
        bm[j] += xc[o + j];
      }
    }
    for (int j = 0; j < dim; j++) {
      bm[j] /= rows;
    }
    for (int r = 0; r < rows; r++) {
      int o = r * dim;
      for (int j = 0; j < dim; j++) {
        xc[o + j] -= bm[j];
      }
    }
    long n = count + rows;
    double f = (double) count * rows / n;
    double[] delta = new double[dim];
    for (int j = 0; j < dim; j++) {
      delta[j] = bm[j] - mean[j];
    }
    final int rowsPerTask = 16;
    int tasks = (dim + rowsPerTask - 1) / rowsPerTask;
    Parallel.forEach(tasks, task -> {
      int half = (task % 2 == 0) ? task / 2 : tasks - 1 - task / 2;
      int i0 = half * rowsPerTask;
      int i1 = Math.min(dim, i0 + rowsPerTask);
      for (int i = i0; i < i1; i++) {
        int ri = i * dim;
        int len = i + 1;
        int b = 0;
        for (; b + 3 < rows; b += 4) {
          double c0 = xc[b * dim + i];
          double c1 = xc[(b + 1) * dim + i];
          double c2 = xc[(b + 2) * dim + i];
          double c3 = xc[(b + 3) * dim + i];
          int o0 = b * dim;
          int o1 = o0 + dim;
          int o2 = o1 + dim;
          int o3 = o2 + dim;
          for (int j = 0; j < len; j++) {
            m2[ri + j] += c0 * xc[o0 + j] + c1 * xc[o1 + j] + c2 * xc[o2 + j] + c3 * xc[o3 + j];
          }
        }
        for (; b < rows; b++) {
          double c0 = xc[b * dim + i];
          int o0 = b * dim;
          for (int j = 0; j < len; j++) {
            m2[ri + j] += c0 * xc[o0 + j];
          }
        }
        if (f != 0) {
          double di = f * delta[i];
          for (int j = 0; j < len; j++) {
            m2[ri + j] += di * delta[j];
          }
        }
      }
    });
    double g = (double) rows / n;
    for (int j = 0; j < dim; j++) {
      mean[j] += delta[j] * g;
    }
    count = n;
  }

  /** Merges another accumulator of the same dimension into this one. */
  public void merge(MomentAccumulator other) {
    if (other.dim != dim) {
      throw new IllegalArgumentException("dimension mismatch: " + dim + " vs " + other.dim);
    }
    if (other.count == 0) {
      return;
    }
    long n = count + other.count;
    double f = (double) count * other.count / n;
    for (int i = 0; i < dim; i++) {
      double di = other.mean[i] - mean[i];
      for (int j = 0; j <= i; j++) {
        double dj = other.mean[j] - mean[j];
        m2[i * dim + j] += other.m2[i * dim + j] + f * di * dj;
      }
    }
    for (int i = 0; i < dim; i++) {
      mean[i] += (other.mean[i] - mean[i]) * other.count / n;
    }
    count = n;
  }

  /** The mean of the vectors added so far (a copy). */
  public double[] mean() {
    return mean.clone();
  }

  /** The unbiased covariance (divides by N − 1), full symmetric d×d row-major; needs N &ge; 2. */
  public double[] covariance() {
    if (count < 2) {
      throw new MetricInputException("a covariance needs at least 2 feature vectors, got " + count);
    }
    double[] c = new double[dim * dim];
    double s = 1.0 / (count - 1);
    for (int i = 0; i < dim; i++) {
      for (int j = 0; j <= i; j++) {
        double v = m2[i * dim + j] * s;
        c[i * dim + j] = v;
        c[j * dim + i] = v;
      }
    }
    return c;
  }

  /** Mean and covariance as {@link ActivationStats}. */
  public ActivationStats toStats() {
    return new ActivationStats(mean(), covariance(), count);
  }
}
