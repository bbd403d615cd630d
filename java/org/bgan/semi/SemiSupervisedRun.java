package org.bgan.semi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.Images;
import org.bgan.data.FedImages;
import org.bgan.data.RealSource;
import org.bgan.data.images.ImageDataset;
import org.bgan.data.images.LabelledBatches;
import org.bgan.data.images.LabelledIdx;
import org.bgan.data.images.LabelledSubset;
import org.bgan.util.UserException;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The data side of a semi-supervised run: the training labels, the balanced labelled subset, the
 * labelled batch of each discriminator step, and the test split whose accuracy is reported. Opened
 * before training starts, so a missing labels file fails the run before anything is written.
 *
 * <p>D step number j (counting from 0 over the whole run: {@code step · n_disc + k}) is fed labelled
 * batch j, a pure function of j ({@link LabelledBatches}), so a resumed run feeds what the
 * uninterrupted one would have.
 */
public final class SemiSupervisedRun {
  /** Test images per session run of the evaluation. */
  static final int EVAL_CHUNK = 500;

  private final int classes;
  private final int[] subset;
  private final LabelledBatches batches;
  private final LabelledIdx.Split test;
  private final int testCount;

  private SemiSupervisedRun(int classes, int[] subset, LabelledBatches batches, LabelledIdx.Split test) {
    this.classes = classes;
    this.subset = subset;
    this.batches = batches;
    this.test = test;
    this.testCount = test.images().size();
  }

  /** Reads the labels and test split that {@code cfg.semi_supervised} needs for {@code data}. */
  public static SemiSupervisedRun open(Experiment cfg, RealSource data) {
    var ss = cfg.getSemiSupervised();
    if (!(data instanceof FedImages fi) || cfg.getData().getImages().getFormat() != Images.Format.IDX) {
      throw new UserException(notIdx(cfg));
    }
    Images im = cfg.getData().getImages();
    LabelledIdx.Split train = LabelledIdx.train(im, fi.dataset());
    int[] subset = LabelledSubset.select(train.labels(), fi.dataset().size(), ss.getClasses(), ss.getLabelsPerClass(),
        ss.getSeed(), train.labelsFile().toString());
    LabelledIdx.Split test = LabelledIdx.test(im, ss.getTestPath(), ss.getTestLimit());
    int n = test.images().size();
    for (int i = 0; i < n; i++) {
      int y = test.labels()[i];
      if (y < 0 || y >= ss.getClasses()) {
        throw new UserException(test.labelsFile() + ": test example " + i + " has label " + y + ", outside [0, "
            + ss.getClasses() + "): semi_supervised.classes is " + ss.getClasses());
      }
    }
    LabelledBatches b = new LabelledBatches(fi.dataset(), subset, train.labels(), ss.getLabelledBatchSize(),
        cfg.getTrain().getSeed());
    return new SemiSupervisedRun(ss.getClasses(), subset, b, test);
  }

  /** The message for semi-supervised training on data without IDX labels. */
  static String notIdx(Experiment cfg) {
    String what = cfg.getData().getSourceCase() == org.bgan.config.proto.Data.SourceCase.IMAGES
        ? "data.images.format " + cfg.getData().getImages().getFormat()
        : "data " + cfg.getData().getSourceCase().name().toLowerCase(java.util.Locale.ROOT);
    return "config: semi_supervised needs labelled IDX image data (data.images.format: IDX, with"
        + " train-labels-idx1-ubyte[.gz] beside the images); got " + what;
  }

  /** The labelled examples' indices in the training set (ascending). */
  public int[] labelledSubset() {
    return subset.clone();
  }

  public LabelledBatches batches() {
    return batches;
  }

  public int testExamples() {
    return testCount;
  }

  /** The tensors one D step feeds: labelled batch {@code dStep}. Close after the run. */
  public Feed feed(SemiSupervisedGraph g, long dStep) {
    LabelledBatches.Batch b = batches.batch(dStep);
    TFloat32 x = TFloat32.tensorOf(g.labelledBatch().shape(), DataBuffers.of(b.pixels(), true, false));
    TInt32 y = TInt32.tensorOf(Shape.of(b.labels().length), DataBuffers.of(b.labels(), true, false));
    return new Feed(g, x, y);
  }

  /** The labelled batch of one D step, as tensors to feed. */
  public static final class Feed implements AutoCloseable {
    private final SemiSupervisedGraph g;
    private final TFloat32 images;
    private final TInt32 labels;

    Feed(SemiSupervisedGraph g, TFloat32 images, TInt32 labels) {
      this.g = g;
      this.images = images;
      this.labels = labels;
    }

    public Session.Runner addTo(Session.Runner r) {
      return r.feed(g.labelledBatch(), images).feed(g.labels(), labels);
    }

    @Override
    public void close() {
      images.close();
      labels.close();
    }
  }

  /** D's predicted class (argmax of the class logits, inference phase) for every test example. */
  public int[] predictTest(Session s, SemiSupervisedGraph g) {
    return predict(s, g, test.images(), testCount);
  }

  /** Predicted classes of the first {@code n} examples of {@code ds}, {@link #EVAL_CHUNK} at a time. */
  public static int[] predict(Session s, SemiSupervisedGraph g, ImageDataset ds, int n) {
    return predict(s, g, ds, n, EVAL_CHUNK);
  }

  /** As above, {@code chunk} examples per session run. */
  public static int[] predict(Session s, SemiSupervisedGraph g, ImageDataset ds, int n, int chunk) {
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
    }
    int per = ds.height() * ds.width() * ds.channels();
    int[] out = new int[n];
    for (int start = 0; start < n; start += chunk) {
      int m = Math.min(chunk, n - start);
      float[] px = new float[m * per];
      for (int j = 0; j < m; j++) {
        ds.copyTo(start + j, px, j * per);
      }
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(m, ds.height(), ds.width(), ds.channels()), DataBuffers.of(px, true, false));
          org.tensorflow.Result r = s.runner().feed(g.evalImages(), x).fetch(g.evalPredictions()).run()) {
        TInt32 p = (TInt32) r.get(0);
        for (int j = 0; j < m; j++) {
          out[start + j] = p.getInt(j);
        }
      }
    }
    return out;
  }

  /**
   * The test accuracy of D's class prediction: {@code test_accuracy}, {@code test_accuracy_per_class},
   * {@code test_examples}, {@code labelled_examples}.
   */
  public Map<String, Object> evaluate(Session s, SemiSupervisedGraph g) {
    int[] pred = predictTest(s, g);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("test_accuracy", Accuracy.of(pred, test.labels()));
    List<Object> per = new ArrayList<>();
    for (double a : Accuracy.perClass(pred, test.labels(), classes)) {
      per.add(Double.isNaN(a) ? null : a);
    }
    m.put("test_accuracy_per_class", per);
    m.put("test_examples", testCount);
    m.put("labelled_examples", subset.length);
    return m;
  }

  /** One line for the progress output. */
  public static String describe(long step, Map<String, Object> m) {
    return String.format(java.util.Locale.ROOT, "step %d: test accuracy %.4f (%s test examples, %s labelled)", step,
        (Double) m.get("test_accuracy"), m.get("test_examples"), m.get("labelled_examples"));
  }
}
