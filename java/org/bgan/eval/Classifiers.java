package org.bgan.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.ImageBatch;
import org.bgan.scorer.ModelSpec;
import org.bgan.scorer.SavedModelExtractor;
import org.bgan.scorer.UserError;
import org.bgan.util.UserException;

/**
 * The bridge from generator samples to the scorer's classifier models: opens a classifier with the
 * scorer's own loading code ({@link SavedModelExtractor}: input size, value range and grey conversion
 * from the model's signature and {@code scorer.properties}), and turns float images in [−1, 1] into the
 * 8-bit RGB batches it takes, quantised as a saved PNG would be: round((x + 1)·127.5), clipped.
 */
public final class Classifiers {
  /** How to make the default classifier, for error messages. */
  public static final String HOW_TO_TRAIN =
      "train it with: tools/inception-score train-fmnist --out savedmodels/fmnist-classifier/1 (about 4 minutes on 2 cores)";

  private Classifiers() {}

  /** Opens a classifier SavedModel; {@code flag} names the option or field in error messages. */
  public static SavedModelExtractor open(Path dir, String flag, int tfThreads, boolean needClasses) {
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new UserException(flag + " " + dir + ": no classifier SavedModel there (no saved_model.pb); "
          + HOW_TO_TRAIN);
    }
    ModelSpec spec = new ModelSpec();
    spec.tfThreads = tfThreads;
    spec.flagHints = false;  // this command has none of the scorer's model flags
    SavedModelExtractor x;
    try {
      x = SavedModelExtractor.open(dir, spec);
    } catch (UserError e) {
      throw new UserException(flag + " " + e.getMessage() + "; the classifier must be a SavedModel like the one"
          + " train-fmnist writes, " + HOW_TO_TRAIN, UserException.BAD_INPUT);
    }
    if (needClasses && x.classCount() < 2) {
      x.close();
      throw new UserException(flag + " " + dir + ": the model has no class output (logits or probabilities)");
    }
    // the classifier was trained at its own size: other sizes are resized, which is said once
    x.noticeResize(what -> System.err.println("note: classifier " + dir + ": " + what));
    return x;
  }

  /** One quantised pixel. */
  static byte quantise(float x) {
    long q = Math.round((x + 1.0) * 127.5);
    return (byte) Math.max(0, Math.min(255, q));
  }

  /**
   * Images {@code [from, from + n)} of an NHWC float array with {@code c} channels as RGB bytes: grey
   * images are replicated to the three channels; with {@code channel} ≥ 0, only that channel, as grey.
   */
  public static ImageBatch rgb(float[] nhwc, int from, int n, int h, int w, int c, int channel) {
    byte[] out = new byte[n * h * w * 3];
    int per = h * w * c;
    for (int i = 0; i < n; i++) {
      int src = (from + i) * per;
      for (int p = 0; p < h * w; p++) {
        for (int ch = 0; ch < 3; ch++) {
          int k = channel >= 0 ? channel : (c == 1 ? 0 : ch);
          out[(i * h * w + p) * 3 + ch] = quantise(nhwc[src + p * c + k]);
        }
      }
    }
    return new ImageBatch(n, h, w, out);
  }

  /** Index of the largest entry of each row of a {@code rows × k} matrix. */
  public static int[] argmax(float[] m, int rows, int k) {
    int[] out = new int[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      for (int j = 1; j < k; j++) {
        if (m[i * k + j] > m[i * k + best]) {
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /** Features of images through an extractor in batches of at most {@code batch}. */
  public static FeatureExtractor.Output extract(FeatureExtractor fx, ImageBatch b, int batch) {
    if (b.count() <= batch) {
      return fx.extract(b);
    }
    int d = fx.featureDim();
    int k = fx.classCount();
    float[] f = new float[b.count() * d];
    float[] c = k > 0 ? new float[b.count() * k] : null;
    int px = b.height() * b.width() * 3;
    for (int i = 0; i < b.count(); i += batch) {
      int n = Math.min(batch, b.count() - i);
      byte[] part = java.util.Arrays.copyOfRange(b.rgb(), i * px, (i + n) * px);
      FeatureExtractor.Output o = fx.extract(new ImageBatch(n, b.height(), b.width(), part));
      System.arraycopy(o.features(), 0, f, i * d, n * d);
      if (c != null) {
        System.arraycopy(o.classes(), 0, c, i * k, n * k);
      }
    }
    return new FeatureExtractor.Output(f, c);
  }
}
