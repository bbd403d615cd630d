package org.bgan.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.Study;
import org.bgan.data.images.ImageDataset;
import org.bgan.data.images.ImageDatasets;
import org.bgan.eval.EvalModels;
import org.bgan.eval.GeneratorSampler;
import org.bgan.metrics.ActivationStats;
import org.bgan.metrics.Fid;
import org.bgan.metrics.MomentAccumulator;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny image study end to end: stacked random 12x12 data, two arms, two seeds, two training steps,
 * scored with a brightness "classifier" built here whose features are the (grey) pixels and whose class
 * is 9 × the mean brightness, rounded, so that both can be recomputed from the generator's samples
 * without TensorFlow's help.
 */
class ImageStudyTest {
  @TempDir
  Path tmp;

  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());
  private static final int SIDE = 12;

  private Path studyFile(Path out, Path classifier) throws Exception {
    Files.writeString(tmp.resolve("img.pbtxt"), """
        name: "img"
        data { images { format: RANDOM size: 12 channels: 1 random_examples: 40 stacked: true } }
        generator { arch: DCGAN z_dim: 8 width: 4 }
        discriminator { arch: DCGAN width: 4 }
        mixing { gamma: 0.3 }
        train { batch_size: 8 n_disc: 1 steps: 2 checkpoint_every: 2 summary_every: 1
                intra_op_threads: 1 inter_op_threads: 1 }
        eval { grid_samples: 4 }
        """);
    Path f = tmp.resolve("study.pbtxt");
    Files.writeString(f, """
        name: "imgs" output_dir: "%s" seeds: [1, 2]
        classifier: "%s" eval_images: 40 reference_images: 30 mode_samples: 200 kid_subsets: 5
        arm { name: "gan" preset: "img.pbtxt" set: "loss=GAN" }
        arm { name: "mbgan" preset: "img.pbtxt" set: "loss=MBGAN" }
        """.formatted(out, classifier));
    return f;
  }

  private static double number(String json, String key) {
    var m = java.util.regex.Pattern.compile("\"" + key + "\": (-?[0-9.eE+-]+)").matcher(json);
    assertThat(m.find()).as(key + " in " + json).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static int quantise(float x) {
    return (int) Math.max(0, Math.min(255, Math.round((x + 1.0) * 127.5)));
  }

  /** Grey features as the scorer computes them: ITU-R 601 luma of the 8-bit RGB pixels, over 255. */
  private static double[] lumaFeatures(float[] nhwc, int n) {
    int hw = SIDE * SIDE;
    double[] f = new double[n * hw];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < hw; p++) {
        int o = (i * hw + p) * 3;
        f[i * hw + p] = (0.2989 * quantise(nhwc[o]) + 0.587 * quantise(nhwc[o + 1]) + 0.114 * quantise(nhwc[o + 2])) / 255;
      }
    }
    return f;
  }

  private static ActivationStats stats(double[] f, int n) {
    MomentAccumulator acc = new MomentAccumulator(SIDE * SIDE);
    acc.add(f, n);
    return acc.toStats();
  }

  /** FID of 40 generated images against the first 30 real stacked images, from luma features computed here. */
  private static double fidAgainstReal(Experiment e, float[] gen) throws Exception {
    ImageDataset real = ImageDatasets.open(e.getData().getImages().toBuilder().setLimit(30).build(), 0);
    float[] rx = new float[30 * SIDE * SIDE * 3];
    for (int i = 0; i < 30; i++) {
      real.copyTo(i, rx, i * SIDE * SIDE * 3);
    }
    return Fid.compute(stats(lumaFeatures(rx, 30), 30), stats(lumaFeatures(gen, 40), 40)).fid();
  }

  @Test
  void scoresEveryRunAndTabulatesFidKidIsAndStackedModes() throws Exception {
    Path cls = tmp.resolve("cls");
    EvalModels.brightnessClassifier(cls, SIDE);
    Path out = tmp.resolve("out");
    Path f = studyFile(out, cls);
    Study s = StudyRunner.load(f);
    assertThat(StudyRunner.run(f, s, QUIET, false)).isZero();

    String md = Files.readString(out.resolve("results.md"));
    assertThat(md).contains("| FID | KID | IS | stacked modes | stacked KL |")
        .doesNotContain("modes captured");
    String main = md.substring(0, md.indexOf("\n## "));  // the means table; the per-seed one follows
    assertThat(main.lines().filter(l -> l.startsWith("| gan | 2 |") || l.startsWith("| mbgan | 2 |"))).hasSize(2);
    assertThat(md).contains("## Per seed\n\n| method | seed | FID | KID | IS | stacked modes | stacked KL |");
    String json = Files.readString(out.resolve("results.json"));
    assertThat(json).contains("\"fid\"").contains("\"kid_mean\"").contains("\"is_mean\"").contains("\"modes_found\"");

    Path run = out.resolve("mbgan/seed-2");
    String ev = Files.readString(run.resolve("eval.json"), StandardCharsets.UTF_8);
    Experiment e = StudyRunner.experiment(f, s, s.getArm(1), 2);
    try (GeneratorSampler g = new GeneratorSampler(run.resolve("generator"), 1, "test")) {
      // Stacked modes recomputed by hand: channel c's class is the k minimising (9·m − k)², m the mean of
      // its quantised pixels over 255 times 0.9999 (the grey conversion's weights sum to 0.9999).
      // Same draw as the study's: mode_samples samples with seed eval.seed + 1.
      int n = 200;
      float[] x = g.drawAll(n, e.getEval().getSeed() + 1).values();
      long[] hist = new long[1000];
      for (int i = 0; i < n; i++) {
        int mode = 0;
        for (int c = 0; c < 3; c++) {
          double sum = 0;
          for (int p = 0; p < SIDE * SIDE; p++) {
            sum += quantise(x[(i * SIDE * SIDE + p) * 3 + c]);
          }
          double m = 0.9999 * sum / (SIDE * SIDE) / 255;
          int best = 0;
          for (int k = 1; k < 10; k++) {
            if (Math.pow(9 * m - k, 2) < Math.pow(9 * m - best, 2)) {
              best = k;
            }
          }
          mode = mode * 10 + best;
        }
        hist[mode]++;
      }
      int found = 0;
      double kl = 0;
      for (long h : hist) {
        if (h > 0) {
          found++;
          kl += (double) h / n * Math.log(1000.0 * h / n);
        }
      }
      assertThat(number(ev, "modes_found")).isEqualTo(found);
      assertThat(number(ev, "kl_to_uniform")).isCloseTo(kl, within(1e-9));

      // FID from features recomputed here (luma pixels of the 40 generated images, seed eval.seed; of
      // the first 30 real stacked images), through the project's FID (checked against scipy in
      // tests/org/bgan/metrics). 144-d from 30-40 images: singular covariances; float32 features in the
      // pipeline against float64 here differ by ~1e-7 relative, so 1e-4 relative is generous.
      double fid = fidAgainstReal(e, g.drawAll(40, e.getEval().getSeed()).values());
      assertThat(number(ev, "fid")).isCloseTo(fid, within(1e-4 * fid));
    }
    double is = number(ev, "is_mean");
    assertThat(is).isBetween(1.0, 10.0);  // IS lies in [1, number of classes]

    // Metrics are stored beside each run: a second run of the finished study recomputes nothing.
    Set<String> before = new HashSet<>();
    for (String arm : new String[] {"gan", "mbgan"}) {
      for (int seed = 1; seed <= 2; seed++) {
        Path p = out.resolve(arm + "/seed-" + seed + "/eval.json");
        before.add(p + "@" + Files.getLastModifiedTime(p).toMillis() + ":" + Files.readString(p));
      }
    }
    Thread.sleep(20);
    assertThat(StudyRunner.run(f, s, QUIET, false)).isZero();
    Set<String> after = new HashSet<>();
    for (String arm : new String[] {"gan", "mbgan"}) {
      for (int seed = 1; seed <= 2; seed++) {
        Path p = out.resolve(arm + "/seed-" + seed + "/eval.json");
        after.add(p + "@" + Files.getLastModifiedTime(p).toMillis() + ":" + Files.readString(p));
      }
    }
    assertThat(after).isEqualTo(before);
    assertThat(Files.readString(out.resolve("results.md"))).isEqualTo(md);
  }

  @Test
  void scoreEveryScoresTheCheckpointsAndPlotsTheScoresAgainstTheStep() throws Exception {
    Path cls = tmp.resolve("cls");
    EvalModels.brightnessClassifier(cls, SIDE);
    Path out = tmp.resolve("hist");
    Path f = studyFile(out, cls);
    // 6 steps, a checkpoint every step, scored every 2: steps 2 and 4 from their checkpoints (the
    // default keep_checkpoints, 3, would have pruned step 2's), 6 as the final generator
    Files.writeString(f, Files.readString(f).replace("seeds: [1, 2]", "seeds: [1, 2] score_every: 2")
        .replace("kid_subsets: 5", "kid_subsets: 5 set: \"train.steps=6\" set: \"train.checkpoint_every=1\""));
    Study s = StudyRunner.load(f);
    Experiment e = StudyRunner.experiment(f, s, s.getArm(0), 1);
    assertThat(e.getTrain().getKeepCheckpoints()).isEqualTo(7);
    assertThat(StudyRunner.run(f, s, QUIET, false)).isZero();

    Path run = out.resolve("gan/seed-1");
    String ev = Files.readString(run.resolve("eval.json"), StandardCharsets.UTF_8);
    String history = ev.substring(ev.indexOf("\"history\": ["));
    java.util.List<String> lines = history.lines().filter(l -> l.contains("\"step\":")).map(String::trim).toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(2)).startsWith("{ \"step\": 6, \"fid\": ");
    // the final entry is the final generator's score; the step-2 entry that of the step-2 checkpoint,
    // recomputed here: its generator exported by the test, 40 images of seed eval.seed, luma features
    assertThat(number(lines.get(2), "fid")).isEqualTo(number(ev, "fid"));
    assertThat(number(lines.get(2), "is_mean")).isEqualTo(number(ev, "is_mean"));
    Path gen = org.bgan.export.GeneratorExporter.export(e, org.bgan.data.DataSources.sampleShape(e.getData()),
        org.bgan.train.Checkpoints.at(run, 2).orElseThrow().prefix(), tmp.resolve("gen-at-2"));
    double fid2;
    try (GeneratorSampler g = new GeneratorSampler(gen, 1, "test")) {
      fid2 = fidAgainstReal(e, g.drawAll(40, e.getEval().getSeed()).values());
    }
    assertThat(lines.get(0)).startsWith("{ \"step\": 2, ");
    assertThat(number(lines.get(0), "fid")).isCloseTo(fid2, within(1e-4 * fid2));
    assertThat(number(lines.get(0), "fid")).isNotEqualTo(number(ev, "fid"));  // another generator
    assertThat(lines.get(1)).startsWith("{ \"step\": 4, ").contains("\"kid_mean\": ");
    assertThat(run.resolve("generator-at-step")).doesNotExist();

    // the study plots them against the step, the mean over the seeds
    String json = Files.readString(out.resolve("results.json"));
    String fidCurves = json.substring(json.indexOf("\"fid\": {", json.indexOf("\"history\"")));
    String gan = fidCurves.substring(fidCurves.indexOf("\"gan\""));
    double[] perSeed2 = new double[2];
    for (int seed = 1; seed <= 2; seed++) {
      String h = Files.readString(out.resolve("gan/seed-" + seed + "/eval.json"));
      perSeed2[seed - 1] = number(h.substring(h.indexOf("{ \"step\": 2,")), "fid");
    }
    String mean = gan.substring(gan.indexOf("\"mean\": [") + 9, gan.indexOf(']', gan.indexOf("\"mean\": [")));
    assertThat(Double.parseDouble(mean.split(",")[0].trim())).isCloseTo((perSeed2[0] + perSeed2[1]) / 2, within(1e-9));
    for (String png : new String[] {"fid.png", "kid_mean.png", "is_mean.png"}) {
      assertThat(javax.imageio.ImageIO.read(out.resolve(png).toFile()).getWidth()).as(png).isEqualTo(900);
    }

    // bad values name the field
    for (String[] bad : java.util.List.of(new String[] {"score_every: 3", "not a multiple of arm 'gan''s train.checkpoint_every 2"},
        new String[] {"score_every: -2", "score_every must be positive"})) {
      Path g = tmp.resolve("bad.pbtxt");
      Files.writeString(g, Files.readString(studyFile(tmp.resolve("b"), cls)).replace("seeds: [1, 2]", "seeds: [1, 2] " + bad[0]));
      Study bs = StudyRunner.load(g);
      assertThatThrownBy(() -> StudyRunner.experiment(g, bs, bs.getArm(0), 1)).as(bad[0]).isInstanceOf(UserException.class)
          .hasMessageContaining(g + ": ").hasMessageContaining(bad[1]);
    }
  }

  @Test
  void aMissingClassifierIsReportedBeforeAnythingTrains() throws Exception {
    Path out = tmp.resolve("out2");
    Path f = studyFile(out, tmp.resolve("no-classifier"));
    Study s = StudyRunner.load(f);
    assertThatThrownBy(() -> StudyRunner.run(f, s, QUIET, false)).isInstanceOf(UserException.class)
        .hasMessageContaining("field classifier").hasMessageContaining("tools/inception-score train-fmnist")
        .hasMessageContaining("image_metrics: false");
    assertThat(out.resolve("gan")).doesNotExist();
  }
}
