package org.bgan.scorer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bgan.metrics.ActivationStats;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.FloatRows;
import org.bgan.metrics.MomentAccumulator;
import org.bgan.metrics.NpyFloatFile;

/**
 * Turns inputs (image folders, generator SavedModels, {@code .npz} statistics, {@code .npy} features)
 * into what the metrics need: statistics, and features and class outputs as memory-mapped files.
 */
public final class Scorer implements AutoCloseable {
  private final PrintStream log;
  private final Settings settings;
  private FeatureExtractor extractor;
  private final java.util.List<Path> temps = new java.util.ArrayList<>();

  /** Options shared by the commands that run a model. */
  public static final class Settings {
    public Path model;
    public ModelSpec spec = new ModelSpec();
    public int batchSize = 50;
    public int decodeThreads = 2;
    public boolean skipBad;
    public boolean progress = true;
    public long seed = 0;
    public int generatorBatch = 100;
  }

  /** One scored set. features/classes are null when not available (e.g. a .npz input). */
  public record ImageSet(String name, ActivationStats stats, NpyFloatFile features,
      NpyFloatFile classes, boolean classesAreProbabilities, long skipped) {
    /** The feature dimension (stats is null for a .npy loaded {@link #withoutCovariance}). */
    public int dim() {
      return features != null ? features.cols() : stats.dim();
    }
  }

  private boolean covariance = true;

  /**
   * For KID, which needs the features only: a .npy feature file is not reduced to mean and
   * covariance (its {@link ImageSet#stats} is null), and the singular-covariance warning, which is
   * about FID, is not printed.
   */
  public void withoutCovariance() {
    covariance = false;
  }

  public Scorer(Settings settings, PrintStream log) {
    this.settings = settings;
    this.log = log;
  }

  /** The feature extractor, opened on first use (this is where TensorFlow is loaded). */
  public FeatureExtractor extractor() {
    if (extractor == null) {
      if (settings.model == null) {
        throw new UserError(ScorerMain.EXIT_USAGE, "--model DIR is needed to compute features of images");
      }
      SavedModelExtractor sx = SavedModelExtractor.open(settings.model, settings.spec);
      log.println(sx.summary());
      extractor = sx;
    }
    return extractor;
  }

  /** For tests: use this extractor instead of loading --model. */
  public void setExtractor(FeatureExtractor fx) {
    this.extractor = fx;
  }

  /** Loads or computes an input given on the command line: folder, .npz or .npy. */
  public ImageSet load(String arg, boolean needFeatures, Path saveFeatures) throws IOException {
    Path p = Path.of(arg);
    String lower = arg.toLowerCase(Locale.ROOT);
    if (Files.isDirectory(p)) {
      return folder(p, saveFeatures);
    }
    if (!Files.exists(p)) {
      throw new UserError(ScorerMain.EXIT_INPUT, arg + ": no such file or folder");
    }
    if (lower.endsWith(".npz")) {
      if (needFeatures) {
        throw new UserError(ScorerMain.EXIT_INPUT, arg + ": KID needs features (an image folder or a .npy "
            + "feature file), a .npz holds only mean and covariance");
      }
      ActivationStats s = ActivationStats.load(p);
      return new ImageSet(arg, s, null, null, false, 0);
    }
    if (lower.endsWith(".npy")) {
      NpyFloatFile f = NpyFloatFile.open(p);
      if (!covariance) {
        checkCount(f.rows(), f.cols(), arg);
        requireFinite(f, arg);
        return new ImageSet(arg, null, f, null, false, 0);
      }
      return new ImageSet(arg, statsOf(f, arg), f, null, false, 0);
    }
    throw new UserError(ScorerMain.EXIT_INPUT, arg + ": expected an image folder, a .npz statistics file or "
        + "a .npy feature file");
  }

  /** Statistics of a feature matrix (warns when N &lt; d, fails when N &lt; 2). */
  public ActivationStats statsOf(FloatRows f, String name) {
    checkCount(f.rows(), f.cols(), name);
    MomentAccumulator acc = new MomentAccumulator(f.cols());
    int chunk = 256;
    float[] buf = new float[chunk * f.cols()];
    for (int r0 = 0; r0 < f.rows(); r0 += chunk) {
      int n = Math.min(chunk, f.rows() - r0);
      for (int i = 0; i < n; i++) {
        f.row(r0 + i, buf, i * f.cols());
      }
      try {
        acc.add(buf, 0, n);
      } catch (org.bgan.metrics.MetricInputException e) {
        throw new org.bgan.metrics.MetricInputException(name + ": " + e.getMessage());
      }
    }
    return acc.toStats();
  }

  /** The check {@link #statsOf} makes on the way, for a feature file that is not reduced to statistics. */
  private static void requireFinite(FloatRows f, String name) {
    float[] row = new float[f.cols()];
    for (int r = 0; r < f.rows(); r++) {
      f.row(r, row, 0);
      for (int j = 0; j < row.length; j++) {
        if (!Float.isFinite(row[j])) {
          throw new org.bgan.metrics.MetricInputException(name + ": "
              + org.bgan.metrics.MetricInputException.notFinite(r, j).getMessage());
        }
      }
    }
  }

  private void checkCount(long n, int d, String name) {
    if (n < 2) {
      throw new UserError(ScorerMain.EXIT_INPUT, name + ": " + n + " image(s); statistics need at least 2");
    }
    if (n <= d && covariance) {
      log.printf(Locale.ROOT, "warning: %s: %d images for %d-d features: the covariance is singular "
          + "(rank <= %d); FID is computed exactly on it but is not comparable with FID on more images "
          + "(10000 or more is usual)%n", name, n, d, n - 1);
    }
  }

  private Path temp(String suffix) throws IOException {
    Path t = Files.createTempFile("inception-score-", suffix);
    t.toFile().deleteOnExit();
    temps.add(t);
    return t;
  }

  /** Runs the model over a folder. */
  public ImageSet folder(Path dir, Path saveFeatures) throws IOException {
    List<Path> files = ImageFolder.list(dir);
    return run(dir.toString(), ImageSource.folder(files), saveFeatures);
  }

  /** Runs the model over the images of a source (a folder or a generator). */
  public ImageSet run(String name, ImageSource source, Path saveFeatures) throws IOException {
    FeatureExtractor fx = extractor();
    Path featPath = saveFeatures != null ? saveFeatures : temp(".npy");
    Path clsPath = fx.classCount() > 0 ? temp(".npy") : null;
    MomentAccumulator acc = new MomentAccumulator(fx.featureDim());
    FeaturePipeline.Outcome out;
    try (NpyFloatFile.Writer fw = new NpyFloatFile.Writer(featPath, fx.featureDim(), saveFeatures != null);
        NpyFloatFile.Writer cw = clsPath == null ? null : new NpyFloatFile.Writer(clsPath, fx.classCount(), false)) {
      FeaturePipeline pipe = new FeaturePipeline(fx, settings.batchSize, settings.decodeThreads,
          settings.skipBad, log, settings.progress && System.console() != null);
      out = pipe.run(source, acc, fw, cw);
      if (out.images() == 0) {
        throw new UserError(ScorerMain.EXIT_INPUT, name + ": no readable images"
            + (out.skipped().isEmpty() ? "" : " (" + out.skipped().size() + " files skipped)"));
      }
      checkCount(out.images(), fx.featureDim(), name);
      fw.commit(saveFeatures == null);
      if (cw != null) {
        cw.commit(true);
      }
    }
    log.printf(Locale.ROOT, "%s: %d images in %.1f s (%.1f images/s)%s%n", name, out.images(), out.seconds(),
        out.imagesPerSecond(), out.skipped().isEmpty() ? "" : ", " + out.skipped().size() + " bad files skipped");
    NpyFloatFile features = NpyFloatFile.open(featPath);
    NpyFloatFile classes = clsPath == null ? null : NpyFloatFile.open(clsPath);
    return new ImageSet(name, acc.toStats(), features, classes, fx.classOutputIsProbabilities(),
        out.skipped().size());
  }

  @Override
  public void close() {
    if (extractor != null) {
      extractor.close();
    }
    for (Path t : temps) {
      try {
        Files.deleteIfExists(t);
      } catch (IOException e) {
        // best effort; deleteOnExit is also set
      }
    }
  }
}
