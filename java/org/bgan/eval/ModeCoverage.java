package org.bgan.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The mode-coverage metrics of the VEEGAN/PacGAN protocol for the synthetic 2-D mixtures (SPEC §7).
 * A sample is <em>high quality</em> if it lies within 3 standard deviations of its nearest mode
 * centre; a mode is <em>captured</em> if at least one high-quality sample lies in it. The reverse KL
 * is {@code KL(q || u) = Σ_k q_k log(K q_k)}, q the histogram of the high-quality samples over the
 * K modes and u uniform ({@code 0 log 0 = 0}).
 */
public record ModeCoverage(int modesCaptured, int modes, double highQualityFraction, double reverseKl,
    int[] histogram, int samples) {

  public static ModeCoverage evaluate(float[][] samples, float[][] modes, double std) {
    int k = modes.length;
    int[] hist = new int[k];
    int hq = 0;
    double radius2 = 9 * std * std;
    for (float[] x : samples) {
      int best = -1;
      double bestD = Double.POSITIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        double dx = x[0] - modes[j][0];
        double dy = x[1] - modes[j][1];
        double d = dx * dx + dy * dy;
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      if (bestD <= radius2) {
        hist[best]++;
        hq++;
      }
    }
    int captured = 0;
    double kl = 0;
    for (int j = 0; j < k; j++) {
      if (hist[j] > 0) {
        captured++;
        double q = (double) hist[j] / hq;
        kl += q * Math.log(k * q);
      }
    }
    double frac = samples.length == 0 ? 0 : (double) hq / samples.length;
    // With no high-quality sample the histogram is undefined; report the KL as infinite.
    return new ModeCoverage(captured, k, frac, hq == 0 ? Double.POSITIVE_INFINITY : kl, hist, samples.length);
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("modes_captured", modesCaptured);
    m.put("modes", modes);
    m.put("high_quality_percent", 100 * highQualityFraction);
    m.put("reverse_kl", Double.isFinite(reverseKl) ? reverseKl : null);
    m.put("samples", samples);
    return m;
  }

  @Override
  public String toString() {
    return String.format("modes %d/%d, high quality %.1f%%, reverse KL %s", modesCaptured, modes,
        100 * highQualityFraction,
        Double.isFinite(reverseKl) ? String.format("%.4f", reverseKl) : "n/a (no high-quality sample)");
  }
}
