package org.bgan.data.images;

/**
 * SplitMix64, written out here so that the data order depends on nothing but the seed (not on the
 * JDK's implementation of {@code java.util} generators).
 */
final class Rng {
  private long state;

  Rng(long seed) {
    this.state = seed;
  }

  /** A seed derived from two values (e.g. a run seed and an epoch or example index). */
  static long mix(long a, long b) {
    return fmix(fmix(a) ^ (b * 0xD1B54A32D192ED03L + 0x632BE59BD9B4E019L));
  }

  static long fmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    state += 0x9E3779B97F4A7C15L;
    return fmix(state);
  }

  /** Uniform in [0, bound) (bias below 2^-32 for the bounds used here). */
  int nextInt(int bound) {
    return (int) ((nextLong() >>> 1) % bound);
  }

  /** A permutation of 0..n-1 (Fisher-Yates). */
  static int[] permutation(int n, long seed) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    Rng r = new Rng(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
