package org.bgan.study;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.Images;
import org.bgan.config.proto.Study;
import org.bgan.data.DataSources;
import org.bgan.data.images.Idx;
import org.bgan.data.images.ImageDataset;
import org.bgan.data.images.ImageDatasets;
import org.bgan.eval.Classifiers;
import org.bgan.eval.GeneratorSampler;
import org.bgan.eval.StackedModes;
import org.bgan.export.GeneratorExporter;
import org.bgan.export.SavedModels;
import org.bgan.metrics.ActivationStats;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.Fid;
import org.bgan.metrics.FloatRows;
import org.bgan.metrics.InceptionScore;
import org.bgan.metrics.Kid;
import org.bgan.metrics.MomentAccumulator;
import org.bgan.train.Checkpoints;
import org.bgan.util.AtomicFiles;
import org.bgan.util.Json;
import org.bgan.util.UserException;

/**
 * The generator metrics of one finished study run, computed once and stored beside it in
 * {@value #FILE} (a resumed study reads them instead of computing them again). The run's generator is
 * exported from its last checkpoint to {@code <run>/generator/<version>} (studies train with
 * {@code train.export=false}), then:
 *
 * <ul>
 *   <li>2-D data: {@code eval.num_samples} samples (seed {@code eval.seed}) to {@value #SAMPLES_2D},
 *       for the side-by-side panels of {@code final_samples.png};
 *   <li>image data: FID, KID and IS of {@code eval_images} samples with the study's classifier against
 *       the reference (real images of the test split, or a statistics file), and for stacked data the
 *       mode count and KL to uniform over {@code mode_samples} samples ({@link StackedModes}).
 * </ul>
 * One instance per study process holds the classifier and the reference features, loaded on first use.
 */
final class RunEvaluation implements AutoCloseable {
  static final String FILE = "eval.json";
  static final String SAMPLES_2D = "final_samples.csv";

  private final Path studyFile;
  private final Study study;
  private final PrintStream log;
  private FeatureExtractor classifier;
  private Reference reference;

  /** Real features (null with a statistics file) and statistics, and where they came from. */
  record Reference(String key, float[] features, int count, ActivationStats stats, String description) {}

  RunEvaluation(Path studyFile, Study study, PrintStream log) {
    this.studyFile = studyFile;
    this.study = study;
    this.log = log;
  }

  static boolean isImages(Experiment e) {
    return e.getData().hasImages();
  }

  /** Checks, before anything trains, that what the image metrics need is there. */
  static void checkReady(Path studyFile, Study s, Iterable<Experiment> runs) {
    boolean images = false;
    for (Experiment e : runs) {
      images |= isImages(e);
    }
    if (!images || !s.getImageMetrics()) {
      return;
    }
    Path cls = Path.of(s.getClassifier());
    if (!Files.isRegularFile(cls.resolve("saved_model.pb"))) {
      throw new UserException(studyFile + ": field classifier: " + cls + " is not a classifier SavedModel (no"
          + " saved_model.pb); " + Classifiers.HOW_TO_TRAIN.replace("savedmodels/fmnist-classifier/1", cls.toString())
          + ", or set image_metrics: false");
    }
    if (s.getEvalImages() < 10 || s.getReferenceImages() < 2 || s.getModeSamples() < 1 || s.getKidSubsets() < 1) {
      throw new UserException(studyFile + ": eval_images must be >= 10 (IS uses 10 splits), reference_images >= 2,"
          + " mode_samples >= 1 and kid_subsets >= 1");
    }
    if (s.hasReferenceStats() && !Files.isRegularFile(Path.of(s.getReferenceStats()))) {
      throw new UserException(studyFile + ": field reference_stats: no such file " + s.getReferenceStats());
    }
  }

  /** Computes and stores the metrics of a finished run unless they are already stored. */
  void ensure(Experiment e, Path runDir) throws IOException {
    Path done = runDir.resolve(FILE);
    Path mf = runDir.resolve("metrics.json");
    if (Files.isRegularFile(done) || !Files.isRegularFile(mf)
        || Files.readString(mf, StandardCharsets.UTF_8).contains("\"diverged\"")) {
      return;
    }
    if (isImages(e) && !study.getImageMetrics()) {
      return;
    }
    Path gen = exportGenerator(e, runDir);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("generator", gen.toString());
    long t0 = System.nanoTime();
    try (GeneratorSampler sampler = new GeneratorSampler(gen, 0, "run " + runDir + ": generator")) {
      if (isImages(e)) {
        imageMetrics(e, sampler, m, true);
        if (study.getScoreEvery() > 0) {
          m.put("history", checkpointScores(e, runDir, m));
        }
      } else {
        int n = e.getEval().getNumSamples();
        float[][] x = sampler.drawAll(n, e.getEval().getSeed()).rows();
        StringBuilder sb = new StringBuilder();
        for (float[] p : x) {
          for (int k = 0; k < p.length; k++) {
            sb.append(k == 0 ? "" : ",").append(p[k]);
          }
          sb.append('\n');
        }
        AtomicFiles.writeString(runDir.resolve(SAMPLES_2D), sb.toString());
        m.put("final_samples", SAMPLES_2D);
        m.put("num_samples", n);
      }
    }
    m.put("seconds", (System.nanoTime() - t0) / 1e9);
    AtomicFiles.writeString(done, Json.write(m));
    log.printf(Locale.ROOT, "%s: evaluated (%s)%n", runDir, summary(m));
  }

  private static String summary(Map<String, Object> m) {
    StringBuilder sb = new StringBuilder();
    for (String k : new String[] {"fid", "kid_mean", "is_mean", "modes_found", "kl_to_uniform", "num_samples"}) {
      if (m.containsKey(k)) {
        sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(m.get(k) instanceof Double d
            ? String.format(Locale.ROOT, "%.4g", d) : m.get(k));
      }
    }
    return sb.toString();
  }

  /** {@code <run>/generator/<version>}: the existing export, or a new one from the last checkpoint. */
  static Path exportGenerator(Experiment e, Path runDir) throws IOException {
    Path base = runDir.resolve("generator");
    if (Files.isDirectory(base)) {
      try {
        return SavedModels.resolveVersion(base);
      } catch (UserException ignored) {
        // no complete version: export again
      }
    }
    var ck = Checkpoints.latest(runDir).orElseThrow(
        () -> new UserException("run " + runDir + ": no complete checkpoint to export the generator from"));
    return GeneratorExporter.export(e, DataSources.sampleShape(e.getData()), ck.prefix(), base);
  }

  private FeatureExtractor classifier() {
    if (classifier == null) {
      classifier = Classifiers.open(Path.of(study.getClassifier()), studyFile + ": field classifier:", 0, true);
    }
    return classifier;
  }

  /** The images config of the reference: the test split for IDX when it is there, limited to reference_images. */
  static Images referenceConfig(Images cfg, int n) {
    Images.Builder b = cfg.toBuilder().setLimit(n);
    if (cfg.getFormat() == Images.Format.IDX) {
      Path train = Idx.imagesFile(Path.of(cfg.getPath().isEmpty() ? ImageDatasets.DEFAULT_IDX_PATH : cfg.getPath()));
      String name = train.getFileName().toString();
      if (name.startsWith("train")) {
        Path test = train.resolveSibling("t10k" + name.substring("train".length()));
        if (Files.isRegularFile(test)) {
          b.setPath(test.toString());
        }
      }
    }
    return b.build();
  }

  private Reference reference(Experiment e) throws IOException {
    FeatureExtractor fx = classifier();
    if (study.hasReferenceStats()) {
      String key = "stats:" + study.getReferenceStats();
      if (reference == null || !reference.key().equals(key)) {
        ActivationStats st = ActivationStats.load(Path.of(study.getReferenceStats()));
        if (st.dim() != fx.featureDim()) {
          throw new UserException(studyFile + ": field reference_stats: " + study.getReferenceStats() + " has "
              + st.dim() + "-d statistics, the classifier's features are " + fx.featureDim() + "-d");
        }
        reference = new Reference(key, null, (int) st.count(), st, study.getReferenceStats());
      }
      return reference;
    }
    Images cfg = referenceConfig(e.getData().getImages(), study.getReferenceImages());
    String key = cfg.toString();
    if (reference != null && reference.key().equals(key)) {
      return reference;
    }
    ImageDataset ds = ImageDatasets.open(cfg, 0);
    int n = Math.min(study.getReferenceImages(), ds.size());
    int h = ds.height();
    int w = ds.width();
    int c = ds.channels();
    int per = h * w * c;
    int d = fx.featureDim();
    float[] feats = new float[n * d];
    MomentAccumulator acc = new MomentAccumulator(d);
    int chunk = 500;
    float[] px = new float[chunk * per];
    for (int i0 = 0; i0 < n; i0 += chunk) {
      int k = Math.min(chunk, n - i0);
      for (int i = 0; i < k; i++) {
        ds.copyTo(i0 + i, px, i * per);
      }
      float[] f = Classifiers.extract(fx, Classifiers.rgb(px, 0, k, h, w, c, -1), 250).features();
      System.arraycopy(f, 0, feats, i0 * d, k * d);
      acc.add(f, 0, k);
    }
    reference = new Reference(key, feats, n, acc.toStats(), n + " real images: " + ds.describe());
    log.printf(Locale.ROOT, "reference for the image metrics: %s%n", reference.description());
    return reference;
  }

  /**
   * FID, KID and IS of the generator at every {@code score_every} steps before the last, from the run's
   * checkpoints (each exported to a folder of its own under the run, removed after), then the final
   * generator's from {@code last}: one line each, for eval.json's "history". A checkpoint no longer
   * there (a run trained before score_every was set keeps only its last few) is left out, and said.
   */
  private java.util.List<Object> checkpointScores(Experiment e, Path runDir, Map<String, Object> last) throws IOException {
    java.util.List<Object> out = new java.util.ArrayList<>();
    long steps = e.getTrain().getSteps();
    java.util.List<Long> missing = new java.util.ArrayList<>();
    for (long step = study.getScoreEvery(); step < steps; step += study.getScoreEvery()) {
      var ck = Checkpoints.at(runDir, step);
      if (ck.isEmpty()) {
        missing.add(step);
        continue;
      }
      Path tmp = runDir.resolve("generator-at-step");
      AtomicFiles.deleteTree(tmp);
      try {
        Path gen = GeneratorExporter.export(e, DataSources.sampleShape(e.getData()), ck.get().prefix(), tmp);
        Map<String, Object> m = new LinkedHashMap<>();
        try (GeneratorSampler sampler = new GeneratorSampler(gen, 0, "run " + runDir + ": generator at step " + step)) {
          imageMetrics(e, sampler, m, false);
        }
        out.add(scoreLine(step, m));
      } finally {
        AtomicFiles.deleteTree(tmp);
      }
    }
    out.add(scoreLine(steps, last));
    if (!missing.isEmpty()) {
      log.printf(Locale.ROOT, "%s: no checkpoint left at step(s) %s to score (kept only when score_every is set"
          + " before the run trains)%n", runDir, missing);
    }
    return out;
  }

  private static Json.Raw scoreLine(long step, Map<String, Object> m) {
    StringBuilder sb = new StringBuilder("{ \"step\": ").append(step);
    for (String k : new String[] {"fid", "kid_mean", "is_mean"}) {
      if (m.get(k) instanceof Double d && Double.isFinite(d)) {
        sb.append(", \"").append(k).append("\": ").append(d);
      }
    }
    return new Json.Raw(sb.append(" }").toString());
  }

  private void imageMetrics(Experiment e, GeneratorSampler sampler, Map<String, Object> m, boolean withModes)
      throws IOException {
    FeatureExtractor fx = classifier();
    Reference ref = reference(e);
    int n = study.getEvalImages();
    int d = fx.featureDim();
    int k = fx.classCount();
    float[] feats = new float[n * d];
    float[] logits = new float[n * k];
    MomentAccumulator acc = new MomentAccumulator(d);
    sampler.draw(n, e.getEval().getSeed(), (chunk, first) -> {
      long[] sh = chunk.shape();
      FeatureExtractor.Output o = Classifiers.extract(fx, Classifiers.rgb(chunk.values(), 0, chunk.count(),
          (int) sh[1], (int) sh[2], (int) sh[3], -1), 250);
      System.arraycopy(o.features(), 0, feats, first * d, chunk.count() * d);
      System.arraycopy(o.classes(), 0, logits, first * k, chunk.count() * k);
      acc.add(o.features(), 0, chunk.count());
    });
    ActivationStats gs = acc.toStats();
    m.put("classifier", study.getClassifier());
    m.put("reference", ref.description());
    m.put("images", n);
    m.put("fid", Fid.compute(ref.stats(), gs).fid());
    if (ref.features() != null) {
      Kid.Result kid = Kid.compute(FloatRows.of(ref.features(), ref.count(), d), FloatRows.of(feats, n, d),
          study.getKidSubsets(), Kid.DEFAULT_SUBSET_SIZE, e.getEval().getSeed());
      m.put("kid_mean", kid.mean());
      m.put("kid_std", kid.std());
      m.put("kid_subset_size", kid.subsetSize());
    }
    InceptionScore.Result is = InceptionScore.compute(FloatRows.of(logits, n, k), fx.classOutputIsProbabilities(),
        InceptionScore.DEFAULT_SPLITS);
    m.put("is_mean", is.mean());
    m.put("is_std", is.std());
    if (withModes && e.getData().getImages().getStacked()) {
      StackedModes.Result r = StackedModes.evaluate(sampler, fx, study.getModeSamples(), e.getEval().getSeed() + 1);
      m.put("mode_samples", r.samples());
      m.put("modes_found", r.modesFound());
      m.put("modes_total", r.modesTotal());
      m.put("kl_to_uniform", r.klToUniform());
    }
  }

  @Override
  public void close() {
    if (classifier != null) {
      classifier.close();
    }
  }
}
