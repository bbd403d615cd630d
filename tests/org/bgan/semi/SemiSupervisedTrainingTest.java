package org.bgan.semi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.data.FedImages;
import org.bgan.data.RealSource;
import org.bgan.data.images.Idx;
import org.bgan.data.images.ImageDataset;
import org.bgan.train.Checkpoints;
import org.bgan.train.TrainGraph;
import org.bgan.train.Trainer;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Semi-supervised K+1 training end to end on tiny IDX fixtures: the config switches it on, the
 * D step's loss is wired as specified, the run trains and reports the test accuracy, a resumed run
 * feeds the same labelled batches, and user errors name the field or file.
 */
class SemiSupervisedTrainingTest {
  @TempDir
  Path tmp;

  static final int SIDE = 12;
  static final int K = 3;

  /**
   * Example i of class c = i mod 3: background bytes 20 + (37·i + 11·p) mod 40, and a bright
   * vertical band (byte 230) over columns 4c .. 4c+3: each class is one band, so the classes are
   * easy to tell apart and a few steps of supervised training suffice.
   */
  static byte[] pixels(int n, int offset) {
    byte[] d = new byte[n * SIDE * SIDE];
    for (int i = 0; i < n; i++) {
      int c = (i + offset) % K;
      for (int p = 0; p < SIDE * SIDE; p++) {
        int col = p % SIDE;
        int v = col / 4 == c ? 230 : 20 + (37 * (i + offset) + 11 * p) % 40;
        d[i * SIDE * SIDE + p] = (byte) v;
      }
    }
    return d;
  }

  static int[] labels(int n, int offset) {
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = (i + offset) % K;
    }
    return y;
  }

  static void writeIdx(Path file, int magic, int[] dims, byte[] data) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(b); DataOutputStream out = new DataOutputStream(gz)) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    }
    Files.createDirectories(file.getParent());
    Files.write(file, b.toByteArray());
  }

  static byte[] labelBytes(int[] y) {
    byte[] b = new byte[y.length];
    for (int i = 0; i < y.length; i++) {
      b[i] = (byte) y[i];
    }
    return b;
  }

  /** A Fashion-MNIST-like directory: 30 training and 15 test images of 12x12 with labels (t10k offset by 1). */
  static Path fixture(Path dir, boolean trainLabels, boolean testLabels) throws Exception {
    writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), Idx.IMAGES_MAGIC, new int[] {30, SIDE, SIDE}, pixels(30, 0));
    writeIdx(dir.resolve("t10k-images-idx3-ubyte.gz"), Idx.IMAGES_MAGIC, new int[] {15, SIDE, SIDE}, pixels(15, 1));
    if (trainLabels) {
      writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), Idx.LABELS_MAGIC, new int[] {30}, labelBytes(labels(30, 0)));
    }
    if (testLabels) {
      writeIdx(dir.resolve("t10k-labels-idx1-ubyte.gz"), Idx.LABELS_MAGIC, new int[] {15}, labelBytes(labels(15, 1)));
    }
    return dir;
  }

  private Experiment cfg(Path data, Path out, long steps, String... extra) {
    List<String> sets = new ArrayList<>(List.of("train.steps=" + steps, "train.output_dir=" + out));
    sets.addAll(List.of(extra));
    return ExperimentConfigs.fromText(config(data), "test", sets);
  }

  /** The tiny semi-supervised config over the IDX fixture in {@code data} (steps and output set by the caller). */
  static String config(Path data) {
    return """
        name: "semi"
        data { images { format: IDX path: "%s" size: 12 } }
        generator { arch: DCGAN z_dim: 8 width: 4 }
        discriminator { arch: DCGAN width: 4 }
        loss: GAN
        semi_supervised { classes: 3 labels_per_class: 3 labelled_batch_size: 6 seed: 5 }
        g_optimizer { learning_rate: 0.002 beta1: 0.5 }
        d_optimizer { learning_rate: 0.002 beta1: 0.5 }
        train { batch_size: 8 n_disc: 1 checkpoint_every: 10 summary_every: 1 eval_every: 10
                intra_op_threads: 1 inter_op_threads: 1 export: false seed: 3 }
        eval { grid_samples: 4 }
        """.formatted(data);
  }

  private static Trainer.Options quiet(boolean resume, ByteArrayOutputStream progress) {
    return new Trainer.Options(resume, new PrintStream(progress, true, StandardCharsets.UTF_8), false);
  }

  /** D's class logits on the first n images of ds through the eval view of g (plain fetch). */
  private static float[][] classLogits(Session s, SemiSupervisedGraph g, ImageDataset ds, int n) {
    int per = ds.height() * ds.width() * ds.channels();
    float[] px = new float[n * per];
    for (int i = 0; i < n; i++) {
      ds.copyTo(i, px, i * per);
    }
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, ds.height(), ds.width(), ds.channels()), DataBuffers.of(px, true, false));
        var r = s.runner().feed(g.evalImages(), x).fetch(g.evalClassLogits()).run()) {
      return org.tensorflow.ndarray.StdArrays.array2dCopyOf((TFloat32) r.get(0));
    }
  }

  @Test
  void configSwitchesItOnTrainsAndReportsTheTestAccuracyOfTheSavedDiscriminator() throws Exception {
    Path data = fixture(tmp.resolve("fm"), true, true);
    Path run = tmp.resolve("run");
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    Experiment c = cfg(data, run, 30);
    Trainer.Result r = Trainer.run(c, quiet(false, progress));
    assertThat(r.exitCode()).isZero();
    assertThat(progress.toString(StandardCharsets.UTF_8))
        .contains("step 10: test accuracy").contains("step 30: test accuracy").contains("(15 test examples, 9 labelled)");
    double reported = (Double) r.finalMetrics().get("test_accuracy");
    assertThat(r.finalMetrics()).containsEntry("test_examples", 15).containsEntry("labelled_examples", 9);
    String json = Files.readString(run.resolve("metrics.json"));
    assertThat(json).contains("\"test_accuracy\": " + reported).contains("\"test_accuracy_per_class\"");
    List<String> history = Files.readAllLines(run.resolve("metrics_history.jsonl"));
    assertThat(history).hasSize(3);
    assertThat(history.get(0)).startsWith("{ \"step\": 10, \"test_accuracy\":");
    assertThat(history.get(2)).startsWith("{ \"step\": 30, \"test_accuracy\": " + reported);

    // Independently: rebuild the graph, restore the final checkpoint, fetch D's class logits on the
    // 15 test images, take the argmax in Java and compare with the test labels.
    try (Graph g = new Graph()) {
      RealSource src = DataSources.forGraph(c.getData());
      TrainGraph tg = TrainGraph.build(g, c, src);
      SemiSupervisedGraph sg = tg.model.semi();
      assertThat(sg.evalClassLogits().shape().size(1)).isEqualTo(K);  // D's final dense layer has K outputs
      try (Session s = new Session(g)) {
        s.restore(Checkpoints.latest(run).orElseThrow().prefix().toString());
        ImageDataset test = org.bgan.data.images.LabelledIdx.test(c.getData().getImages(), "", 0).images();
        int[] pred = Accuracy.argmax(classLogits(s, sg, test, 15));
        int right = 0;
        int[] y = labels(15, 1);
        for (int i = 0; i < 15; i++) {
          right += pred[i] == y[i] ? 1 : 0;
        }
        assertThat(reported).isEqualTo(right / 15.0);
        // chunked prediction (chunks of 4) gives the same classes
        assertThat(SemiSupervisedRun.predict(s, sg, test, 15, 4)).containsExactly(pred);
      }
    }
    // The bands are learnt from 9 labelled examples: well above chance (1/3). Deterministic seeds, one thread.
    assertThat(reported).isGreaterThanOrEqualTo(0.8);
  }

  @Test
  void theDiscriminatorStepIsSupervisedPlusWeightedGanLossOnLogsumexpLogits() throws Exception {
    Path data = fixture(tmp.resolve("fm"), true, true);
    Experiment c = cfg(data, tmp.resolve("unused"), 1, "semi_supervised.unsupervised_weight=0.5");
    RealSource src = DataSources.create(c.getData());
    SemiSupervisedRun semi = SemiSupervisedRun.open(c, src);
    ImageDataset train = ((FedImages) src).dataset();
    try (Graph g = new Graph()) {
      TrainGraph tg = TrainGraph.build(g, c, src);
      SemiSupervisedGraph sg = tg.model.semi();
      try (Session s = new Session(g)) {
        s.initialize();
        float[] real = new float[8 * SIDE * SIDE];
        for (int i = 0; i < 8; i++) {
          train.copyTo(i, real, i * SIDE * SIDE);
        }
        var sc = tg.model.dScalars();
        try (SemiSupervisedRun.Feed f = semi.feed(sg, 0);
            TInt64 seed = TInt64.vectorOf(3, 0);
            TFloat32 rb = TFloat32.tensorOf(tg.model.realBatch().shape(), DataBuffers.of(real, true, false));
            var res = f.addTo(s.runner().feed(tg.model.stepSeed(), seed).feed(tg.model.realBatch(), rb))
                .fetch(tg.model.dLoss()).fetch(sc.get("d/supervised_loss")).fetch(sc.get("d/unsupervised_loss"))
                .fetch(sc.get("d/prob_real_on_real")).run()) {
          double dLoss = ((TFloat32) res.get(0)).getFloat();
          double sup = ((TFloat32) res.get(1)).getFloat();
          double unsup = ((TFloat32) res.get(2)).getFloat();
          double probReal = ((TFloat32) res.get(3)).getFloat();
          assertThat(dLoss).isCloseTo(sup + 0.5 * unsup, within(1e-5));
          // the supervised part, from the class logits of labelled batch 0 fetched through the eval view
          // (D has no batch norm and no spectral norm here, so both views compute the same function)
          var lb = semi.batches().batch(0);
          float[][] l;
          try (TFloat32 x = TFloat32.tensorOf(Shape.of(6, SIDE, SIDE, 1), DataBuffers.of(lb.pixels(), true, false));
              var r2 = s.runner().feed(sg.evalImages(), x).fetch(sg.evalClassLogits()).run()) {
            l = org.tensorflow.ndarray.StdArrays.array2dCopyOf((TFloat32) r2.get(0));
          }
          double ce = 0;
          for (int i = 0; i < 6; i++) {
            double z = 0;
            for (float v : l[i]) {
              z += Math.exp(v);
            }
            ce += (Math.log(z) - l[i][lb.labels()[i]]) / 6;
          }
          assertThat(sup).isCloseTo(ce, within(1e-5));
          // D(x) = Z/(Z+1) on the real batch, from its class logits
          float[][] lr = classLogits(s, sg, train, 8);
          double meanD = 0;
          for (float[] row : lr) {
            double z = 0;
            for (float v : row) {
              z += Math.exp(v);
            }
            meanD += z / (z + 1) / 8;
          }
          assertThat(probReal).isCloseTo(meanD, within(1e-5));
        }
      }
    }
  }

  @Test
  void resumedRunFeedsTheSameLabelledBatchesAsAnUninterruptedOne() throws Exception {
    Path data = fixture(tmp.resolve("fm"), true, true);
    Path full = tmp.resolve("full");
    Path part = tmp.resolve("part");
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    // n_disc 2: labelled batch j = step·2 + k must continue at 2·step after the resume
    // Adam's first step moves every weight by ±lr whatever its gradient's size, so TF's run-to-run
    // float noise (~1e-7) in near-zero gradients would flip whole steps; a larger epsilon damps that.
    String[] x = {"train.n_disc=2", "train.checkpoint_every=3", "train.eval_every=3", "d_optimizer.epsilon=0.01",
        "g_optimizer.epsilon=0.01"};
    Trainer.Result a = Trainer.run(cfg(data, full, 6, x), quiet(false, p));
    assertThat(Trainer.run(cfg(data, part, 3, x), quiet(false, p)).exitCode()).isZero();
    Trainer.Result b = Trainer.run(cfg(data, part, 6, x), quiet(true, p));
    List<String> la = Files.readAllLines(full.resolve("losses.csv"));
    List<String> lb = Files.readAllLines(part.resolve("losses.csv"));
    // Exactly: the steps do not depend on thread scheduling (StepOrderTest).
    assertThat(lb).hasSameSizeAs(la).isEqualTo(la);
    assertThat(b.finalMetrics().get("test_accuracy")).isEqualTo(a.finalMetrics().get("test_accuracy"));
    assertThat(Files.readAllLines(part.resolve("metrics_history.jsonl"))).hasSize(2);  // steps 3 and 6
  }

  @Test
  void missingLabelFilesAreUserErrorsNamingTheFileBeforeAnythingIsWritten() throws Exception {
    Path noTrain = fixture(tmp.resolve("a"), false, true);
    Path run = tmp.resolve("never");
    assertThatThrownBy(() -> Trainer.run(cfg(noTrain, run, 2), quiet(false, new ByteArrayOutputStream())))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("data.images.path")
        .hasMessageContaining(noTrain.resolve("train-labels-idx1-ubyte").toString());
    assertThat(run).doesNotExist();
    Path noTest = fixture(tmp.resolve("b"), true, false);
    assertThatThrownBy(() -> Trainer.run(cfg(noTest, run, 2), quiet(false, new ByteArrayOutputStream())))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("semi_supervised.test_path")
        .hasMessageContaining(noTest.resolve("t10k-labels-idx1-ubyte").toString());
    assertThat(run).doesNotExist();
    // a class with fewer examples than labels_per_class (10 of each class in the fixture)
    assertThatThrownBy(() -> Trainer.run(cfg(fixture(tmp.resolve("c"), true, true), run, 2, "semi_supervised.labels_per_class=11"),
        quiet(false, new ByteArrayOutputStream())))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("semi_supervised.labels_per_class is 11 but class 0 has only 10 examples");
    assertThat(run).doesNotExist();
  }

  @Test
  void theCommandLineReportsAMissingLabelsFileWithExitCode2AndNoStackTrace() throws Exception {
    Path noTrain = fixture(tmp.resolve("a"), false, true);
    Path preset = tmp.resolve("p.pbtxt");
    Files.writeString(preset, ExperimentConfigs.toText(cfg(noTrain, tmp.resolve("never"), 2)));
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = org.bgan.cli.Main.run(new String[] {"train", preset.toString()});
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("error: data.images.path: no labels file " + noTrain.resolve("train-labels-idx1-ubyte"))
        .doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void configValidationNamesTheField() {
    String base = """
        name: "semi"
        data { images { format: IDX size: 12 } }
        generator { arch: DCGAN } discriminator { arch: DCGAN }
        loss: GAN
        semi_supervised { }
        """;
    Map<String, String> bad = new java.util.LinkedHashMap<>();
    bad.put("loss=BGAN", "semi_supervised needs loss: GAN, got BGAN");
    bad.put("loss=MBGAN", "mixed-batch target");
    bad.put("data.images.format=RANDOM", "semi_supervised needs labelled IDX image data");
    bad.put("data.images.stacked=true", "data.images.stacked");
    bad.put("semi_supervised.classes=1", "semi_supervised.classes must be in [2, 256] (IDX labels are bytes), got 1");
    bad.put("semi_supervised.labels_per_class=0", "semi_supervised.labels_per_class must be positive, got 0");
    bad.put("semi_supervised.labelled_batch_size=0", "semi_supervised.labelled_batch_size must be positive, got 0");
    bad.put("semi_supervised.test_limit=-1", "semi_supervised.test_limit must not be negative, got -1");
    bad.put("semi_supervised.unsupervised_weight=-1", "semi_supervised.unsupervised_weight must be finite and >= 0");
    for (var e : bad.entrySet()) {
      assertThatThrownBy(() -> ExperimentConfigs.fromText(base, "t", List.of(e.getKey())))
          .as(e.getKey()).isInstanceOf(UserException.class).hasMessageContaining(e.getValue());
    }
    // 2-D data
    assertThatThrownBy(() -> ExperimentConfigs.fromText("data { synthetic2d { } } loss: GAN semi_supervised { }", "t", List.of()))
        .isInstanceOf(UserException.class).hasMessageContaining("got synthetic2d data");
    // the defaults (Fashion-MNIST: 10 classes, 100 labels each, batches of 64)
    Experiment ok = ExperimentConfigs.fromText(base, "t", List.of());
    assertThat(ok.getSemiSupervised().getClasses()).isEqualTo(10);
    assertThat(ok.getSemiSupervised().getLabelsPerClass()).isEqualTo(100);
    assertThat(ok.getSemiSupervised().getLabelledBatchSize()).isEqualTo(64);
    assertThat(ok.getSemiSupervised().getUnsupervisedWeight()).isEqualTo(1f);
  }

  @Test
  void presetsBuildWithoutReadingTheDataAndDifferOnlyInLabelsPerClass() throws Exception {
    Experiment gan = ExperimentConfigs.load(Path.of("graphs/fmnist_dcgan_gan.pbtxt"), List.of());
    for (int n : new int[] {100, 10}) {
      Experiment e = ExperimentConfigs.load(Path.of("graphs/fmnist_dcgan_semi" + n + ".pbtxt"), List.of());
      assertThat(e.getName()).isEqualTo("fmnist_dcgan_semi" + n);
      assertThat(e.getSemiSupervised().getLabelsPerClass()).isEqualTo(n);
      assertThat(e.getSemiSupervised().getClasses()).isEqualTo(10);
      // the rest mirrors the GAN preset (except the name and the accuracy evaluations)
      Experiment.Builder b = e.toBuilder().clearSemiSupervised().setName(gan.getName());
      b.getTrainBuilder().clearEvalEvery();
      assertThat(b.build()).isEqualTo(gan);
      try (Graph g = new Graph()) {
        TrainGraph tg = TrainGraph.build(g, e, DataSources.forGraph(e.getData()));
        assertThat(tg.model.semi().evalClassLogits().shape().size(1)).isEqualTo(10);
        assertThat(tg.model.semi().labelledBatch().shape()).isEqualTo(Shape.of(64, 28, 28, 1));
      }
    }
  }
}
