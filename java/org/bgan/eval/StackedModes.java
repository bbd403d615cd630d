package org.bgan.eval;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.util.UserException;

/**
 * Mode count of a generator of stacked (3-channel) Fashion-MNIST or MNIST, the protocol of VEEGAN
 * (Srivastava et al. 2017, §5) and PacGAN (Lin et al. 2018, §4): each of the R, G and B channels of a
 * sample is classified by a classifier of the grey dataset, the mode is the class triple
 * (c_R, c_G, c_B), one of K³ (1000 for 10 classes), and over the samples (26,000 in those papers) we
 * report the number of modes that receive at least one sample and the KL divergence of the empirical
 * mode distribution p̂ to the uniform one, {@code KL(p̂ ‖ U) = Σ_m p̂_m log(K³ p̂_m)} (natural log, empty
 * modes contribute 0). This is the direction SPEC §7 calls the "reverse KL" (the model's distribution
 * first) and the one PacGAN reports; it is finite whatever modes are missed, and log K³ (6.91 for 1000
 * modes) when all samples fall in one mode.
 */
public final class StackedModes {
  /** Samples of the published protocol. */
  public static final int DEFAULT_SAMPLES = 26000;

  private StackedModes() {}

  /** The outcome; {@code histogram[m]} counts samples in mode m = c_R·K² + c_G·K + c_B. */
  public record Result(int samples, int classes, int modesTotal, int modesFound, double klToUniform, long[] histogram) {
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("samples", samples);
      m.put("classes", classes);
      m.put("modes_total", modesTotal);
      m.put("modes_found", modesFound);
      m.put("kl_to_uniform", klToUniform);
      return m;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d of %d modes, KL(p || uniform) = %.4f over %d samples", modesFound,
          modesTotal, klToUniform, samples);
    }
  }

  /** Counts and KL from the mode of every sample (each in [0, modesTotal)). */
  public static Result fromModes(int[] modes, int classes) {
    int total = classes * classes * classes;
    long[] hist = new long[total];
    for (int m : modes) {
      hist[m]++;
    }
    int found = 0;
    double kl = 0;
    for (long h : hist) {
      if (h > 0) {
        found++;
        double p = (double) h / modes.length;
        kl += p * Math.log(p * total);
      }
    }
    return new Result(modes.length, classes, total, found, modes.length == 0 ? Double.NaN : kl, hist);
  }

  /** The mode of each sample of an NHWC [n, h, w, 3] float array in [−1, 1]. */
  public static int[] modes(FeatureExtractor classifier, float[] nhwc, int n, int h, int w, int batch) {
    int k = classifier.classCount();
    int[][] perChannel = new int[3][];
    for (int ch = 0; ch < 3; ch++) {
      FeatureExtractor.Output o = Classifiers.extract(classifier, Classifiers.rgb(nhwc, 0, n, h, w, 3, ch), batch);
      perChannel[ch] = Classifiers.argmax(o.classes(), n, k);
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = (perChannel[0][i] * k + perChannel[1][i]) * k + perChannel[2][i];
    }
    return out;
  }

  /** Draws {@code num} samples from the generator and classifies them. */
  public static Result evaluate(GeneratorSampler gen, FeatureExtractor classifier, int num, long seed) throws IOException {
    int k = classifier.classCount();
    if (k < 2) {
      throw new UserException("the classifier has no class output: stacked modes need one");
    }
    if (k > 1000) {
      throw new UserException("the classifier has " + k + " classes: " + k + "^3 modes is too many for a mode count");
    }
    int[] all = new int[num];
    gen.draw(num, seed, (c, first) -> {
      long[] sh = c.shape();
      if (sh.length != 4 || sh[3] != 3) {
        throw new UserException(gen.dir() + ": stacked modes need 3-channel images, the generator makes "
            + java.util.Arrays.toString(java.util.Arrays.copyOfRange(sh, 1, sh.length)));
      }
      int[] m = modes(classifier, c.values(), c.count(), (int) sh[1], (int) sh[2], 250);
      System.arraycopy(m, 0, all, first, m.length);
    });
    return fromModes(all, k);
  }
}
