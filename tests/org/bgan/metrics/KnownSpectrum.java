package org.bgan.metrics;

import java.util.Random;

/** Symmetric test matrices whose eigenvalues are known exactly. */
final class KnownSpectrum {
  private KnownSpectrum() {}

  /**
   * A = H diag(λ) H, row-major n × n, for the Householder reflection H = I − 2uuᵀ/(uᵀu) of a Gaussian
   * u drawn with {@code seed}: H is orthogonal and its own inverse, so A's eigenvalues are exactly λ.
   * Built from the closed form (H Λ H)_ij = λ_i δ_ij − 2 u_i u_j (λ_i + λ_j)/uu + 4 u_i u_j
   * (Σ_k λ_k u_k²)/uu², in O(n²).
   */
  static double[] matrix(double[] lambda, long seed) {
    int n = lambda.length;
    Random rng = new Random(seed);
    double[] u = new double[n];
    double uu = 0;
    for (int i = 0; i < n; i++) {
      u[i] = rng.nextGaussian();
      uu += u[i] * u[i];
    }
    double s = 0;
    for (int k = 0; k < n; k++) {
      s += lambda[k] * u[k] * u[k];
    }
    double[] a = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        a[i * n + j] = (i == j ? lambda[i] : 0) - 2 * u[i] * u[j] * (lambda[i] + lambda[j]) / uu
            + 4 * u[i] * u[j] * s / (uu * uu);
      }
    }
    return a;
  }
}
