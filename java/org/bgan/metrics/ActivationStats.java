package org.bgan.metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Feature statistics of one image set: the float64 mean {@code mu} (d) and covariance {@code sigma}
 * (d×d, row-major), stored in the {@code .npz} layout of the reference FID implementations (arrays
 * {@code mu} and {@code sigma}). {@code count} is the number of images (0 when unknown, e.g. for a
 * statistics file written elsewhere).
 */
public record ActivationStats(double[] mu, double[] sigma, long count) {
  public ActivationStats {
    if (sigma.length != (long) mu.length * mu.length) {
      throw new MetricInputException("sigma has " + sigma.length + " entries, expected "
          + mu.length + "x" + mu.length);
    }
  }

  public int dim() {
    return mu.length;
  }

  /**
   * Loads {@code mu} and {@code sigma} from a numpy {@code .npz} file (written by np.savez or
   * np.savez_compressed), checking keys, shapes, finiteness and symmetry.
   */
  public static ActivationStats load(Path file) throws IOException {
    // only mu and sigma are decoded: other arrays (a model name as a numpy string, ...) are not ours to read
    Map<String, NpyArray> arrays = Npz.read(file, java.util.Set.of("mu", "sigma"));
    NpyArray mu = arrays.get("mu");
    NpyArray sigma = arrays.get("sigma");
    if (mu == null || sigma == null) {
      java.util.List<String> all = Npz.keys(file);
      throw new MetricInputException(file + ": a statistics file needs arrays 'mu' and 'sigma'; it has "
          + (all.isEmpty() ? "none" : String.join(", ", all)));
    }
    int[] ms = mu.shape();
    int[] ss = sigma.shape();
    if (ms.length != 1) {
      throw new MetricInputException(file + ": 'mu' must be 1-D, its shape is " + NpyArray.shapeString(ms));
    }
    int d = ms[0];
    if (ss.length != 2 || ss[0] != d || ss[1] != d) {
      throw new MetricInputException(file + ": 'sigma' must be " + d + "x" + d + " to match 'mu', its shape is "
          + NpyArray.shapeString(ss));
    }
    double[] m = mu.toDoubles();
    double[] s = sigma.toDoubles();
    for (double v : m) {
      if (!Double.isFinite(v)) {
        throw new MetricInputException(file + ": 'mu' contains NaN or infinity");
      }
    }
    double maxAbs = 0;
    for (double v : s) {
      if (!Double.isFinite(v)) {
        throw new MetricInputException(file + ": 'sigma' contains NaN or infinity");
      }
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    for (int i = 0; i < d; i++) {
      if (s[i * d + i] < 0) {
        throw new MetricInputException(file + ": 'sigma' has a negative diagonal entry at " + i
            + " (not a covariance matrix)");
      }
      for (int j = 0; j < i; j++) {
        if (Math.abs(s[i * d + j] - s[j * d + i]) > 1e-9 * maxAbs) {
          throw new MetricInputException(file + ": 'sigma' is not symmetric (entries [" + i + "," + j
              + "] and [" + j + "," + i + "] differ)");
        }
      }
    }
    return new ActivationStats(m, s, 0);
  }

  /**
   * Writes {@code mu} and {@code sigma} (float64) like np.savez_compressed, through a temporary file
   * renamed into place; refuses to overwrite an existing file.
   */
  public void save(Path file) throws IOException {
    save(file, null);
  }

  /** The array that records which feature extractor computed the statistics (see {@link #save(Path, String)}). */
  public static final String MODEL_KEY = "scorer_model";

  /**
   * As {@link #save(Path)}, and with {@code model} (when not null) as a third array {@value #MODEL_KEY}
   * (UTF-8 bytes): the feature extractor and preprocessing that computed them, so that statistics of
   * another model are refused instead of compared. Readers of mu and sigma ignore it.
   */
  public void save(Path file, String model) throws IOException {
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    arrays.put("mu", NpyArray.ofDoubles(mu, mu.length));
    arrays.put("sigma", NpyArray.ofDoubles(sigma, mu.length, mu.length));
    if (model != null) {
      arrays.put(MODEL_KEY, NpyArray.ofText(model));
    }
    Npz.write(file, arrays);
  }

  /** The feature extractor recorded by {@link #save(Path, String)}, or null (a file written elsewhere). */
  public static String savedModel(Path file) throws IOException {
    NpyArray a = Npz.read(file, java.util.Set.of(MODEL_KEY)).get(MODEL_KEY);
    return a == null ? null : a.text();
  }
}
