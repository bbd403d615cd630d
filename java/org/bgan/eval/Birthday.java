package org.bgan.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.ImageBatch;
import org.bgan.ops.Seeds;
import org.bgan.util.UserException;

/**
 * The birthday-paradox test of Arora and Zhang ("Do GANs actually learn the distribution? An empirical
 * study", 2017): if a batch of s samples from a distribution contains a near-duplicate pair with
 * probability ≥ 1/2, the distribution's support is about s² (for a uniform distribution on M items the
 * probability of a repeat reaches 1/2 at s ≈ 1.18·√M).
 *
 * <p>Here, for each batch size s, {@code trials} batches are drawn from the generator; each sample is
 * embedded with the classifier's feature output (its {@code features}, Euclidean distance); a batch has
 * a duplicate if its closest pair is nearer than the threshold. The paper had a person judge the closest
 * pairs; we need a number, so the threshold is either given, or the {@code quantile} (default 1 %) of
 * the nearest-neighbour distances between distinct real images (each of R real images to its nearest
 * other one): a generated pair is a duplicate if it is closer than all but the closest 1 % of real
 * images are to their nearest real neighbour. The closest pairs are kept so that a person can check
 * them, as in the paper.
 *
 * <p>Reported: P̂(duplicate | s) per s, the smallest s with P̂ ≥ 1/2 and its s² (the paper's
 * estimate), and the maximum-likelihood support size M̂ of a uniform distribution on M items given all
 * the trials, where {@code P(no repeat | s) = Π_{k<s} (1 − k/M)}.
 */
public final class Birthday {
  private Birthday() {}

  /** What to run. */
  public record Options(int[] batchSizes, int trials, long seed, boolean perChannel, int keepPairs) {}

  /** One of the closest pairs found, with both images (float HWC in [−1, 1]). */
  public record Pair(int batchSize, int trial, int i, int j, double distance, float[] a, float[] b) {}

  /** The outcome. {@code smallestS} is 0 when no batch size reached P̂ ≥ 1/2. */
  public record Result(double threshold, int[] batchSizes, int[] duplicates, int trials, int smallestS,
      double supportMle, List<Pair> closest, long[] sampleShape) {
    public double probability(int k) {
      return (double) duplicates[k] / trials;
    }

    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("threshold", threshold);
      m.put("trials", trials);
      List<Object> rows = new ArrayList<>();
      for (int k = 0; k < batchSizes.length; k++) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("batch_size", batchSizes[k]);
        r.put("duplicates", duplicates[k]);
        r.put("p_duplicate", probability(k));
        rows.add(r);
      }
      m.put("per_batch_size", rows);
      m.put("smallest_batch_size_p_half", smallestS == 0 ? null : smallestS);
      m.put("support_s_squared", smallestS == 0 ? null : (long) smallestS * smallestS);
      m.put("support_mle_uniform", Double.isFinite(supportMle) ? supportMle : null);
      List<Object> pairs = new ArrayList<>();
      for (Pair p : closest) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("batch_size", p.batchSize());
        r.put("trial", p.trial());
        r.put("i", p.i());
        r.put("j", p.j());
        r.put("distance", p.distance());
        pairs.add(r);
      }
      m.put("closest_pairs", pairs);
      return m;
    }
  }

  /** Squared-distance-free closest pair of n rows of dimension d: {distance, i, j}. */
  static double[] closestPair(float[] f, int n, int d) {
    double[] norms = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int k = 0; k < d; k++) {
        s += (double) f[i * d + k] * f[i * d + k];
      }
      norms[i] = s;
    }
    double best = Double.POSITIVE_INFINITY;
    int bi = -1;
    int bj = -1;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        double s = squaredDistance(f, d, i, j);
        if (s < best) {
          best = s;
          bi = i;
          bj = j;
        }
      }
    }
    return new double[] {Math.sqrt(best), bi, bj};
  }

  /** Squared Euclidean distance between rows i and j of the row-major n×d {@code f}, in double. */
  private static double squaredDistance(float[] f, int d, int i, int j) {
    double s = 0;
    for (int k = 0; k < d; k++) {
      double diff = (double) f[i * d + k] - f[j * d + k];
      s += diff * diff;
    }
    return s;
  }

  /** Each row's distance to its nearest other row. */
  static double[] nearestNeighbourDistances(float[] f, int n, int d) {
    double[] nn = new double[n];
    Arrays.fill(nn, Double.POSITIVE_INFINITY);
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        double s = squaredDistance(f, d, i, j);
        nn[i] = Math.min(nn[i], s);
        nn[j] = Math.min(nn[j], s);
      }
    }
    for (int i = 0; i < n; i++) {
      nn[i] = Math.sqrt(nn[i]);
    }
    return nn;
  }

  /**
   * The threshold from real features: the {@code quantile} of the nearest-neighbour distances, by the
   * "lower" rule (the ⌊q·(n−1)⌋-th smallest).
   */
  public static double thresholdFromReal(float[] f, int n, int d, double quantile) {
    if (n < 2) {
      throw new UserException("the threshold needs at least 2 real images, got " + n);
    }
    double[] nn = nearestNeighbourDistances(f, n, d);
    Arrays.sort(nn);
    double t = nn[(int) Math.floor(quantile * (n - 1))];
    if (!(t > 0)) {
      long zeros = Arrays.stream(nn).filter(x -> x == 0).count();
      throw new UserException("the threshold from the real images is 0 (quantile " + quantile + " of their nearest-neighbour"
          + " distances): " + zeros + " of " + n + " real images have an identical twin in feature space (duplicate"
          + " images?), and no generated pair can be nearer than 0; remove the duplicates, raise --quantile or give"
          + " --threshold");
    }
    return t;
  }

  /** log P(no repeat among s draws from M equally likely items) = Σ_{k<s} log(1 − k/M); −∞ if s > M. */
  static double logNoRepeat(int s, double m) {
    double l = 0;
    for (int k = 1; k < s; k++) {
      if (k >= m) {
        return Double.NEGATIVE_INFINITY;
      }
      l += Math.log1p(-k / m);
    }
    return l;
  }

  static double logLikelihood(int[] sizes, int[] dups, int trials, double m) {
    double ll = 0;
    for (int k = 0; k < sizes.length; k++) {
      double lq = logNoRepeat(sizes[k], m);
      double lp = lq == Double.NEGATIVE_INFINITY ? 0 : Math.log(-Math.expm1(lq));
      if (dups[k] > 0) {
        ll += dups[k] * lp;
      }
      if (trials - dups[k] > 0) {
        ll += (trials - dups[k]) * lq;
      }
    }
    return ll;
  }

  /**
   * Maximum-likelihood M of a uniform distribution on M items (continuous M ≥ 1) given the duplicate
   * counts: +∞ when no trial found a duplicate (only a lower bound is known), and the search's lower
   * end (1) when every trial did. A grid over log M, then golden-section refinement.
   */
  public static double supportMle(int[] sizes, int[] dups, int trials) {
    int total = Arrays.stream(dups).sum();
    if (total == 0) {
      return Double.POSITIVE_INFINITY;
    }
    double lo = 0;
    double hi = Math.log(1e15);
    int steps = 600;
    double bestX = lo;
    double bestL = Double.NEGATIVE_INFINITY;
    for (int i = 0; i <= steps; i++) {
      double x = lo + (hi - lo) * i / steps;
      double l = logLikelihood(sizes, dups, trials, Math.exp(x));
      if (l > bestL) {
        bestL = l;
        bestX = x;
      }
    }
    double a = Math.max(lo, bestX - (hi - lo) / steps);
    double b = Math.min(hi, bestX + (hi - lo) / steps);
    double g = (Math.sqrt(5) - 1) / 2;
    for (int it = 0; it < 80; it++) {
      double c = b - g * (b - a);
      double d = a + g * (b - a);
      if (logLikelihood(sizes, dups, trials, Math.exp(c)) >= logLikelihood(sizes, dups, trials, Math.exp(d))) {
        b = d;
      } else {
        a = c;
      }
    }
    return Math.exp((a + b) / 2);
  }

  /** Features of images (float NHWC in [−1, 1]): of the whole image, or of each channel concatenated. */
  public static float[] embed(FeatureExtractor fx, float[] nhwc, int n, int h, int w, int c, boolean perChannel) {
    int d = fx.featureDim();
    if (!perChannel || c == 1) {
      return Classifiers.extract(fx, Classifiers.rgb(nhwc, 0, n, h, w, c, -1), 250).features();
    }
    float[] out = new float[n * d * c];
    for (int ch = 0; ch < c; ch++) {
      float[] f = Classifiers.extract(fx, Classifiers.rgb(nhwc, 0, n, h, w, c, ch), 250).features();
      for (int i = 0; i < n; i++) {
        System.arraycopy(f, i * d, out, (i * c + ch) * d, d);
      }
    }
    return out;
  }

  /**
   * Embeds 8-bit RGB real images as {@link #embed} embeds samples of {@code channels} channels, so that
   * real and generated images are compared in one feature space: for a grey generator
   * ({@code channels} = 1) each image is taken as one grey channel (its R = G = B), so that
   * {@code perChannel} does not triple its features as it would for three channels; a real image that is
   * not grey is then an error naming it ({@code name.apply(i)} for image i).
   */
  public static float[] embedReal(FeatureExtractor fx, ImageBatch b, int channels, boolean perChannel,
      java.util.function.IntFunction<String> name) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    int n = b.count();
    int hw = b.height() * b.width();
    byte[] rgb = b.rgb();
    float[] asFloat = new float[n * hw * channels];
    if (channels == 3) {
      for (int i = 0; i < asFloat.length; i++) {
        asFloat[i] = (rgb[i] & 0xff) / 127.5f - 1f;
      }
    } else {
      for (int p = 0; p < n * hw; p++) {
        int r = rgb[3 * p];
        if (rgb[3 * p + 1] != r || rgb[3 * p + 2] != r) {
          throw new UserException(name.apply(p / hw) + " is in colour, the generator's samples are grey (1 channel):"
              + " the real images must be of the generator's data");
        }
        asFloat[p] = (r & 0xff) / 127.5f - 1f;
      }
    }
    return embed(fx, asFloat, n, b.height(), b.width(), channels, perChannel);
  }

  /** Runs the test with a given threshold. */
  public static Result run(GeneratorSampler gen, FeatureExtractor fx, Options o, double threshold,
      java.io.PrintStream log) throws IOException {
    int[] dups = new int[o.batchSizes().length];
    List<Pair> closest = new ArrayList<>();
    long[][] shape = new long[1][];
    int smallest = 0;
    for (int k = 0; k < o.batchSizes().length; k++) {
      int s = o.batchSizes()[k];
      for (int t = 0; t < o.trials(); t++) {
        var x = gen.drawAll(s, Seeds.mix(o.seed() * 1_000_003L + s) + t);
        long[] sh = x.shape();
        if (sh.length != 4) {
          throw new UserException(gen.dir() + ": the birthday test needs an image generator, it makes samples of shape "
              + Arrays.toString(Arrays.copyOfRange(sh, 1, sh.length)));
        }
        shape[0] = sh;
        int h = (int) sh[1];
        int w = (int) sh[2];
        int c = (int) sh[3];
        float[] f = embed(fx, x.values(), s, h, w, c, o.perChannel());
        int d = f.length / s;
        double[] cp = closestPair(f, s, d);
        if (cp[0] < threshold) {
          dups[k]++;
        }
        int per = h * w * c;
        int i = (int) cp[1];
        int j = (int) cp[2];
        closest.add(new Pair(s, t, i, j, cp[0], Arrays.copyOfRange(x.values(), i * per, (i + 1) * per),
            Arrays.copyOfRange(x.values(), j * per, (j + 1) * per)));
        closest.sort(Comparator.comparingDouble(Pair::distance));
        if (closest.size() > o.keepPairs()) {
          closest.remove(closest.size() - 1);
        }
      }
      double p = (double) dups[k] / o.trials();
      if (smallest == 0 && p >= 0.5) {
        smallest = s;
      }
      if (log != null) {
        log.printf(java.util.Locale.ROOT, "batch size %d: %d of %d trials with a duplicate (P = %.2f)%n", s, dups[k],
            o.trials(), p);
      }
    }
    double mle = supportMle(o.batchSizes(), dups, o.trials());
    return new Result(threshold, o.batchSizes(), dups, o.trials(), smallest, mle, closest, shape[0]);
  }
}
