package org.bgan.metrics;

/**
 * Inception Score (Salimans et al. 2016): {@code IS = exp(E_x KL(p(y|x) || p(y)))}, computed as the
 * reference implementation does: the N samples are cut into {@code splits} consecutive parts, part k
 * being rows {@code [k·N/splits, (k+1)·N/splits)} (integer division); the marginal p(y) is the mean of
 * p(y|x) within the part; natural logarithms; the result is the mean and the population standard
 * deviation (ddof = 0) of the per-part scores. Class probabilities are the float64 softmax of the
 * logits (or given directly); 0·log 0 counts as 0.
 */
public final class InceptionScore {
  /** The reference number of splits. */
  public static final int DEFAULT_SPLITS = 10;

  private InceptionScore() {}

  public record Result(double mean, double std, double[] perSplit) {}

  /**
   * IS of N rows of logits (or probabilities if {@code areProbabilities}) over K classes.
   */
  public static Result compute(FloatRows rows, boolean areProbabilities, int splits) {
    int n = rows.rows();
    int k = rows.cols();
    if (splits < 1) {
      throw new MetricInputException("--splits must be >= 1, got " + splits);
    }
    if (n < splits) {
      throw new MetricInputException("the Inception Score with " + splits + " splits needs at least "
          + splits + " images, got " + n);
    }
    float[] buf = new float[k];
    double[] p = new double[k];
    double[] scores = new double[splits];
    for (int s = 0; s < splits; s++) {
      int r0 = (int) ((long) s * n / splits);
      int r1 = (int) ((long) (s + 1) * n / splits);
      double[] marginal = new double[k];
      double sumPlogP = 0;
      for (int r = r0; r < r1; r++) {
        rows.row(r, buf, 0);
        probabilities(buf, areProbabilities, p, r);
        for (int c = 0; c < k; c++) {
          double pc = p[c];
          marginal[c] += pc;
          if (pc > 0) {
            sumPlogP += pc * Math.log(pc);
          }
        }
      }
      int m = r1 - r0;
      double cross = 0;
      for (int c = 0; c < k; c++) {
        double pm = marginal[c] / m;
        if (pm > 0) {
          cross += pm * Math.log(pm);
        }
      }
      // mean_x sum_y p log p - sum_y p(y) log p(y) = mean_x KL(p(y|x) || p(y))
      scores[s] = Math.exp(sumPlogP / m - cross);
    }
    double mean = 0;
    for (double v : scores) {
      mean += v;
    }
    mean /= splits;
    double var = 0;
    for (double v : scores) {
      var += (v - mean) * (v - mean);
    }
    return new Result(mean, Math.sqrt(var / splits), scores);
  }

  private static void probabilities(float[] row, boolean areProbabilities, double[] p, int r) {
    int k = row.length;
    if (areProbabilities) {
      for (int c = 0; c < k; c++) {
        p[c] = row[c];
        if (!(p[c] >= 0) || p[c] > 1 + 1e-3) {
          throw new MetricInputException("row " + r + " is not a probability vector (entry " + c
              + " is " + row[c] + ")");
        }
      }
      return;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      if (!Float.isFinite(row[c])) {
        throw new MetricInputException("logit " + c + " of row " + r + " is not finite");
      }
      max = Math.max(max, row[c]);
    }
    double sum = 0;
    for (int c = 0; c < k; c++) {
      p[c] = Math.exp(row[c] - max);
      sum += p[c];
    }
    for (int c = 0; c < k; c++) {
      p[c] /= sum;
    }
  }
}
