package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.bgan.metrics.ActivationStats;
import org.bgan.metrics.Fid;
import org.bgan.metrics.FloatRows;
import org.bgan.metrics.InceptionScore;
import org.bgan.metrics.Kid;
import org.bgan.metrics.MomentAccumulator;
import org.bgan.metrics.NpyFloatFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scores folders end to end through the CLI with a tiny SavedModel whose function is known
 * (features = 4x4 average pools of the [0,1] pixels, logits = features · W), and checks every number
 * against features computed here in plain Java from the decoded pixels.
 */
class ScorerEndToEndTest {
  @TempDir static Path tmp;
  static Path model;
  static Path a;
  static Path b;

  @BeforeAll
  static void setUp() throws IOException {
    model = tmp.resolve("model");
    TestModels.featureModel(model, "serving_default");
    a = tmp.resolve("a");
    b = tmp.resolve("b");
    writeImages(a, 37, 1, 0.0);
    writeImages(b, 29, 2, 0.3);
  }

  /** n 8x8 PNG images of mixed kinds (RGB, grey, RGBA) in nested folders. */
  static void writeImages(Path dir, int n, long seed, double shift) throws IOException {
    Random rng = new Random(seed);
    for (int i = 0; i < n; i++) {
      int kind = i % 3;
      BufferedImage img = new BufferedImage(8, 8, kind == 0 ? BufferedImage.TYPE_3BYTE_BGR
          : kind == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_ARGB);
      for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
          int r = (int) Math.min(255, 255 * (rng.nextDouble() * 0.7 + shift * x / 8));
          int g = rng.nextInt(256);
          int bl = (int) (255 * Math.min(1, rng.nextDouble() + shift));
          if (kind == 1) {
            img.getRaster().setSample(x, y, 0, r);
          } else {
            img.setRGB(x, y, (rng.nextInt(256) << 24) | (r << 16) | (g << 8) | bl);
          }
        }
      }
      Path f = dir.resolve("d" + (i % 4)).resolve(String.format("img%03d.png", i));
      Files.createDirectories(f.getParent());
      ImageIO.write(img, "png", f.toFile());
    }
  }

  /** Independent features: 4x4 block means of pixel/255 in (row, col, channel) order; and logits. */
  static float[][] features(Path dir) throws Exception {
    List<Path> files = ImageFolder.list(dir);
    float[] f = new float[files.size() * 12];
    float[] l = new float[files.size() * 5];
    float[] w = TestModels.weights();
    for (int i = 0; i < files.size(); i++) {
      BufferedImage img = ImageIO.read(files.get(i).toFile());
      for (int by = 0; by < 2; by++) {
        for (int bx = 0; bx < 2; bx++) {
          for (int c = 0; c < 3; c++) {
            double s = 0;
            for (int y = by * 4; y < by * 4 + 4; y++) {
              for (int x = bx * 4; x < bx * 4 + 4; x++) {
                int v = img.getType() == BufferedImage.TYPE_BYTE_GRAY ? img.getRaster().getSample(x, y, 0)
                    : (img.getRGB(x, y) >> (16 - 8 * c)) & 0xff;
                s += v / 255.0;
              }
            }
            f[i * 12 + (by * 2 + bx) * 3 + c] = (float) (s / 16);
          }
        }
      }
      for (int c = 0; c < 5; c++) {
        double s = 0;
        for (int k = 0; k < 12; k++) {
          s += f[i * 12 + k] * w[k * 5 + c];
        }
        l[i * 5 + c] = (float) s;
      }
    }
    return new float[][] {f, l};
  }

  static ActivationStats stats(float[] f, int d) {
    MomentAccumulator acc = new MomentAccumulator(d);
    acc.add(f, 0, f.length / d);
    return acc.toStats();
  }

  @Test
  void statsAndScoreMatchIndependentlyComputedNumbers() throws Exception {
    float[][] fa = features(a);
    float[][] fb = features(b);
    ActivationStats sa = stats(fa[0], 12);
    ActivationStats sb = stats(fb[0], 12);

    Path npz = tmp.resolve("a.npz");
    Path npy = tmp.resolve("a.npy");
    CliRun st = CliRun.of("stats", "--model", model.toString(), "--images", a.toString(), "--out", npz.toString(),
        "--save-features", npy.toString(), "--input-range", "0,1", "--quiet", "--batch-size", "8");
    assertThat(st.code()).as(st.err()).isZero();
    ActivationStats loaded = ActivationStats.load(npz);
    for (int i = 0; i < 144; i++) {
      assertThat(loaded.sigma()[i]).isCloseTo(sa.sigma()[i], org.assertj.core.data.Offset.offset(1e-6));
    }
    try (NpyFloatFile saved = NpyFloatFile.open(npy)) {
      assertThat(saved.rows()).isEqualTo(37);
      float[] row = new float[12];
      saved.row(36, row, 0);
      for (int k = 0; k < 12; k++) {
        assertThat(row[k]).isCloseTo(fa[0][36 * 12 + k], org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
    // refuses to overwrite
    CliRun again = CliRun.of("stats", "--model", model.toString(), "--images", a.toString(), "--out", npz.toString(),
        "--input-range", "0,1", "--quiet");
    assertThat(again.code()).isEqualTo(3);
    assertThat(again.err()).contains("refusing to overwrite");

    CliRun sc = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--ref", b.toString(),
        "--input-range", "0,1", "--json", "--splits", "5", "--kid-subsets", "10", "--kid-subset-size", "20",
        "--seed", "3", "--quiet", "--threads", "3", "--batch-size", "5");
    assertThat(sc.code()).as(sc.err()).isZero();
    double fid = Fid.compute(sa, sb).fid();
    assertThat(Math.abs(sc.json("frechet_inception_distance") - fid) / fid).isLessThan(1e-5);
    InceptionScore.Result is = InceptionScore.compute(FloatRows.of(fa[1], 37, 5), false, 5);
    assertThat(sc.json("inception_score_mean")).isCloseTo(is.mean(), org.assertj.core.data.Offset.offset(1e-5));
    assertThat(sc.json("inception_score_std")).isCloseTo(is.std(), org.assertj.core.data.Offset.offset(1e-5));
    Kid.Result kid = Kid.compute(FloatRows.of(fa[0], 37, 12), FloatRows.of(fb[0], 29, 12), 10, 20, 3);
    assertThat(sc.json("kernel_inception_distance_mean")).isCloseTo(kid.mean(), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(sc.json("images")).isEqualTo(37);
    // fewer images than the 12 feature dimensions: a warning, not an error
    assertThat(sc.err()).doesNotContain("warning");

    // fid between a folder and the saved statistics of the same folder is 0
    CliRun self = CliRun.of("fid", a.toString(), npz.toString(), "--model", model.toString(), "--input-range", "0,1",
        "--quiet", "--json");
    assertThat(self.code()).as(self.err()).isZero();
    assertThat(Math.abs(self.json("frechet_inception_distance"))).isLessThan(1e-9);
  }

  @Test
  void badInputsGetClearMessagesAndExitCodes() throws Exception {
    Path c = tmp.resolve("c");
    writeImages(c, 10, 5, 0.1);
    Files.writeString(c.resolve("d0/notes.txt"), "hello");
    byte[] png = Files.readAllBytes(c.resolve("d1/img001.png"));
    Files.write(c.resolve("d1/broken.png"), java.util.Arrays.copyOf(png, 20));
    CliRun strict = CliRun.of("stats", "--model", model.toString(), "--images", c.toString(), "--out",
        tmp.resolve("c.npz").toString(), "--input-range", "0,1", "--quiet");
    assertThat(strict.code()).isEqualTo(3);
    assertThat(strict.err()).contains("notes.txt").contains("--skip-bad").doesNotContain("Exception");
    assertThat(Files.exists(tmp.resolve("c.npz"))).isFalse();
    CliRun skip = CliRun.of("score", "--model", model.toString(), "--images", c.toString(), "--input-range", "0,1",
        "--skip-bad", "--json", "--quiet", "--splits", "2");
    assertThat(skip.code()).as(skip.err()).isZero();
    assertThat(skip.json("skipped_files")).isEqualTo(2);
    assertThat(skip.json("images")).isEqualTo(10);
    assertThat(skip.err()).contains("skipped").contains("broken.png").contains("notes.txt");
    // 10 images < 12 dimensions: warned
    assertThat(skip.err()).contains("warning").contains("singular");

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    CliRun e = CliRun.of("score", "--model", model.toString(), "--images", empty.toString(), "--input-range", "0,1");
    assertThat(e.code()).isEqualTo(3);
    assertThat(e.err()).contains("contains no files");
    // an empty --ref fails before the --images are run through the model (their features not saved)
    Path feats = tmp.resolve("feats.npy");
    CliRun er = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--ref", empty.toString(),
        "--input-range", "0,1", "--save-features", feats.toString());
    assertThat(er.code()).isEqualTo(3);
    assertThat(er.err()).contains(empty.toString()).contains("contains no files");
    assertThat(feats).doesNotExist();

    Path one = tmp.resolve("one");
    writeImages(one, 1, 9, 0);
    CliRun o = CliRun.of("score", "--model", model.toString(), "--images", one.toString(), "--input-range", "0,1",
        "--quiet", "--splits", "1");
    assertThat(o.code()).isEqualTo(3);
    assertThat(o.err()).contains("at least 2");

    CliRun noRange = CliRun.of("score", "--model", model.toString(), "--images", a.toString());
    assertThat(noRange.code()).isEqualTo(2);
    assertThat(noRange.err()).contains("--input-range");

    Path bad = tmp.resolve("unusable");
    TestModels.unusableModel(bad);
    // inspect lists the model, then fails with the reason on stderr (it said so on stdout with exit 0)
    CliRun ins = CliRun.of("inspect", "--model", bad.toString());
    assertThat(ins.code()).isEqualTo(4);
    assertThat(ins.out()).contains("input  vec: DT_FLOAT [-1, 3]").doesNotContain("cannot use");
    assertThat(ins.err()).contains("error: the scorer cannot use it as is: " + bad + ": cannot tell which input")
        .doesNotContain("the model has:");
    CliRun insNoRange = CliRun.of("inspect", "--model", model.toString());
    assertThat(insNoRange.code()).isEqualTo(2);
    assertThat(insNoRange.err()).contains("--input-range");
    CliRun good = CliRun.of("inspect", "--model", model.toString(), "--input-range", "0,1");
    assertThat(good.code()).as(good.err()).isZero();
    assertThat(good.out()).contains("scorer would use: model ");
    CliRun u = CliRun.of("score", "--model", bad.toString(), "--images", a.toString(), "--input-range", "0,1");
    assertThat(u.code()).isEqualTo(4);
    assertThat(u.err()).contains("signature 'serving_default'").contains("input  vec").contains("output scaled")
        .doesNotContain("Exception");
    CliRun notModel = CliRun.of("score", "--model", a.toString(), "--images", a.toString(), "--input-range", "0,1");
    assertThat(notModel.code()).isEqualTo(4);
    assertThat(notModel.err()).contains("not a SavedModel");
  }

  /** Options that cannot work fail at once, with exit 2 or 3, a message naming them and no stack trace. */
  @Test
  void badOutputsAndSizesFailBeforeAnyWork() throws Exception {
    // the model's input is fixed at 8x8: another --input-size is a usage error, not a TensorFlow crash
    CliRun size = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--input-size", "16x16", "--quiet");
    assertThat(size.code()).as(size.err()).isEqualTo(2);
    assertThat(size.err()).contains("--input-size 16x16").contains("takes 8x8 images only").doesNotContain("\tat ");
    CliRun huge = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--input-size", "99999x99999", "--quiet");
    assertThat(huge.code()).isEqualTo(2);
    assertThat(huge.err()).contains("--input-size").contains("1..4096");

    // an output whose directory is a file, missing or unwritable is refused before the images are read
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    CliRun underFile = CliRun.of("stats", "--model", model.toString(), "--images", a.toString(), "--input-range",
        "0,1", "--out", file.resolve("s.npz").toString(), "--quiet");
    assertThat(underFile.code()).isEqualTo(3);
    assertThat(underFile.err()).contains("s.npz: directory").contains("is not a directory").doesNotContain("images in");
    CliRun noDir = CliRun.of("stats", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--out", tmp.resolve("no-such-dir/s.npz").toString(), "--quiet");
    assertThat(noDir.code()).isEqualTo(3);
    assertThat(noDir.err()).contains("does not exist").doesNotContain("images in");
    CliRun saveFeat = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range",
        "0,1", "--save-features", file.resolve("f.npy").toString(), "--quiet");
    assertThat(saveFeat.code()).isEqualTo(3);
    assertThat(saveFeat.err()).contains("f.npy").doesNotContain("images in");
    CliRun empty = CliRun.of("stats", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--out", "", "--quiet");
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("--out needs a value");
    // directory outputs (created with their parents) are checked before training or building a model
    CliRun ri = CliRun.of("random-inception", "--out", file.resolve("m/1").toString());
    assertThat(ri.code()).isEqualTo(3);
    assertThat(ri.err()).contains("cannot be created").contains("is not a directory");
    assertThat(file.getParent().resolve("plain-file")).isRegularFile();
    CliRun tf = CliRun.of("train-fmnist", "--out", file.resolve("c/1").toString(), "--data", tmp.toString());
    assertThat(tf.code()).isEqualTo(3);
    assertThat(tf.err()).contains("cannot be created").doesNotContain("epoch");
    // a --data folder without the files names what it looked for, .gz included
    Path noData = Files.createDirectories(tmp.resolve("no-fmnist"));
    CliRun missing = CliRun.of("train-fmnist", "--out", tmp.resolve("c3/1").toString(), "--data", noData.toString());
    assertThat(missing.code()).isEqualTo(3);
    assertThat(missing.err()).contains(noData.resolve("train-images-idx3-ubyte") + "[.gz]: no such file")
        .doesNotContain("\tat ");
    assertThat(tmp.resolve("c3")).doesNotExist();

    // values outside their meaning
    CliRun acc = CliRun.of("train-fmnist", "--out", tmp.resolve("c2").toString(), "--min-accuracy", "2");
    assertThat(acc.code()).isEqualTo(2);
    assertThat(acc.err()).contains("--min-accuracy").contains("[0, 1]");
    assertThat(tmp.resolve("c2")).doesNotExist();
    CliRun torch = CliRun.of("bench", "--torch", "maybe");
    assertThat(torch.code()).isEqualTo(2);
    assertThat(torch.err()).contains("--torch: expected on or off, got 'maybe'");
  }

  /**
   * score's --images takes a folder (a .npz gave "images: 0", a .npz with --ref-features a
   * NullPointerException, a .npy ignored --save-features); reference files are checked against the
   * model before any image is run (they failed after the whole extraction); options the combination
   * would not use are refused; two outputs with one name are refused before any work (the features
   * were left behind under the --out name).
   */
  @Test
  void scoreRefusesWhatItWouldGetWrongBeforeAnyWork() throws Exception {
    Path feats = tmp.resolve("ref12.npy");
    try (NpyFloatFile.Writer w = new NpyFloatFile.Writer(feats, 12)) {
      float[] x = new float[5 * 12];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) Math.sin(i);
      }
      w.append(x, 5);
      w.commit(false);
    }
    Path stats = tmp.resolve("ref3.npz");
    stats(new float[] {1, 2, 3, 4, 0, 1, 5, 5, 1, 1, 1, 2}, 3).save(stats);
    Path f4 = tmp.resolve("f4.npz");
    stats(new float[] {1, 2, 3, 4, 0, 1, 5, 5, 1, 1, 1, 2}, 4).save(f4);

    for (String input : new String[] {stats.toString(), feats.toString()}) {
      CliRun r = CliRun.of("score", "--model", model.toString(), "--images", input, "--input-range", "0,1",
          "--ref-features", feats.toString(), "--quiet");
      assertThat(r.code()).as(r.err()).isEqualTo(2);
      assertThat(r.err()).contains("--images takes a folder").contains("fid and kid commands")
          .doesNotContain("Exception");
    }
    // a reference of another dimension (another model) or a missing one fails before the images are read
    Path saved = tmp.resolve("never.npy");
    for (String[] ref : new String[][] {{"--ref-stats", f4.toString()}, {"--ref-stats", tmp.resolve("no.npz").toString()},
        {"--ref-features", tmp.resolve("no.npy").toString()}}) {
      CliRun r = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
          ref[0], ref[1], "--save-features", saved.toString(), "--quiet");
      assertThat(r.code()).as(r.err()).isEqualTo(3);
      assertThat(r.err()).contains(ref[1]).doesNotContain("images in").doesNotContain("Exception");
      assertThat(saved).doesNotExist();
    }
    CliRun dim = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--ref-stats", f4.toString(), "--quiet");
    assertThat(dim.err()).contains("4-d features, but the model's feature output has 12");
    CliRun dirRef = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--ref-features", b.toString(), "--quiet");
    assertThat(dirRef.code()).isEqualTo(2);
    assertThat(dirRef.err()).contains("--ref-features takes a file; use --ref");
    // a usable --ref-features still works
    CliRun ok = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--ref-features", feats.toString(), "--kid-subset-size", "5", "--quiet", "--json");
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.json("kid_subset_size")).isEqualTo(5);

    // options this combination would silently drop
    String[][] unused = {{"--num", "10"}, {"--kid-subsets", "5"}, {"--kid-subset-size", "5"}, {"--seed", "3"}};
    for (String[] u : unused) {
      CliRun r = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
          u[0], u[1], "--quiet");
      assertThat(r.code()).as(u[0]).isEqualTo(2);
      assertThat(r.err()).as(u[0]).contains(u[0]).doesNotContain("images in");
    }

    // one file for two outputs
    Path same = tmp.resolve("same.npz");
    CliRun st = CliRun.of("stats", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--out", same.toString(), "--save-features", same.toString(), "--quiet");
    assertThat(st.code()).isEqualTo(2);
    assertThat(st.err()).contains("--out and --save-features name the same file").doesNotContain("images in");
    assertThat(same).doesNotExist();
    CliRun sc = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--save-stats", same.toString(), "--save-features", tmp.resolve(".").resolve("same.npz").toString(), "--quiet");
    assertThat(sc.code()).isEqualTo(2);
    assertThat(sc.err()).contains("name the same file");
    assertThat(same).doesNotExist();
  }

  /**
   * A statistics file records the model and preprocessing that computed it; used as a reference with
   * another (here another --resize; a retrained model has other weights), it is refused, not compared.
   */
  @Test
  void statisticsOfAnotherModelAreRefused() throws Exception {
    Path npz = tmp.resolve("tagged.npz");
    CliRun st = CliRun.of("stats", "--model", model.toString(), "--images", b.toString(), "--out", npz.toString(),
        "--input-range", "0,1", "--quiet");
    assertThat(st.code()).as(st.err()).isZero();
    assertThat(ActivationStats.savedModel(npz)).startsWith("model sha256 ")
        .endsWith("features 'features' (12), input 8x8, range 0..1, resize tf-bilinear");
    CliRun same = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--ref-stats", npz.toString(), "--quiet", "--json");
    assertThat(same.code()).as(same.err()).isZero();
    assertThat(same.err()).doesNotContain("note:");
    CliRun other = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--ref-stats", npz.toString(), "--resize", "area", "--quiet");
    assertThat(other.code()).isEqualTo(3);
    assertThat(other.err()).contains(npz + ": statistics computed with another model or preprocessing")
        .contains("resize tf-bilinear").contains("this run uses").contains("resize area").doesNotContain("images in");
    CliRun fid = CliRun.of("fid", a.toString(), npz.toString(), "--model", model.toString(), "--input-range", "0,255",
        "--quiet");
    assertThat(fid.code()).isEqualTo(3);
    assertThat(fid.err()).contains("another model or preprocessing");
    // a model copied elsewhere is the same model
    Path copy = tmp.resolve("copy/model");
    Files.createDirectories(copy.resolve("variables"));
    try (java.util.stream.Stream<Path> s = Files.walk(model)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        Files.copy(p, copy.resolve(model.relativize(p).toString()));
      }
    }
    CliRun copied = CliRun.of("fid", a.toString(), npz.toString(), "--model", copy.toString(), "--input-range", "0,1",
        "--quiet");
    assertThat(copied.code()).as(copied.err()).isZero();
    // statistics written elsewhere record nothing: used, with a note
    Path plain = tmp.resolve("plain.npz");
    ActivationStats.load(npz).save(plain);
    CliRun untagged = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--ref-stats", plain.toString(), "--quiet");
    assertThat(untagged.code()).as(untagged.err()).isZero();
    assertThat(untagged.err()).contains("note: " + plain + " does not record the model");
    // two statistics files of different preprocessing
    Path area = tmp.resolve("area.npz");
    assertThat(CliRun.of("stats", "--model", model.toString(), "--images", b.toString(), "--out", area.toString(),
        "--input-range", "0,1", "--resize", "area", "--quiet").code()).isZero();
    CliRun two = CliRun.of("fid", npz.toString(), area.toString());
    assertThat(two.code()).isEqualTo(3);
    assertThat(two.err()).contains("were computed with different models or preprocessing");
  }

  /** Results that cannot be written to stdout (full disk, closed pipe) fail; they gave exit 0. */
  @Test
  void aFailedWriteToStdoutIsAnError() throws Exception {
    Path feats = tmp.resolve("stdout.npy");
    try (NpyFloatFile.Writer w = new NpyFloatFile.Writer(feats, 2)) {
      w.append(new float[] {1, 2, 3, 5, 0, 1}, 3);
      w.commit(false);
    }
    java.io.OutputStream full = new java.io.OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("No space left on device");
      }
    };
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code = new ScorerMain(org.bgan.util.StdoutStream.over(full), new java.io.PrintStream(err, true))
        .run(new String[] {"fid", feats.toString(), feats.toString()});
    assertThat(code).isEqualTo(3);
    // the OS's reason, not a guess ("disk full or closed pipe?")
    assertThat(err.toString()).contains("could not be written to standard output (No space left on device)");
    // model options with two feature files would be silently ignored: refused
    CliRun withModel = CliRun.of("fid", feats.toString(), feats.toString(), "--model", model.toString());
    assertThat(withModel.code()).isEqualTo(2);
    assertThat(withModel.err()).contains("--model is for image folders");
    CliRun kidRange = CliRun.of("kid", feats.toString(), feats.toString(), "--input-range", "0,1");
    assertThat(kidRange.code()).isEqualTo(2);
    assertThat(kidRange.err()).contains("--input-range is for image folders");
  }

  /** The logits as features (one tensor for both outputs) works: it was an internal error from TF Java. */
  @Test
  void oneOutputAsFeaturesAndLogits() throws Exception {
    CliRun r = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--features-output", "logits", "--splits", "5", "--json", "--quiet");
    assertThat(r.code()).as(r.err()).isZero();
    float[] logits = features(a)[1];
    InceptionScore.Result is = InceptionScore.compute(FloatRows.of(logits, 37, 5), false, 5);
    assertThat(r.json("inception_score_mean")).isCloseTo(is.mean(), org.assertj.core.data.Offset.offset(1e-5));
    Path npy = tmp.resolve("logit-features.npy");
    CliRun st = CliRun.of("stats", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--features-output", "logits", "--out", tmp.resolve("logit-stats.npz").toString(), "--save-features",
        npy.toString(), "--quiet");
    assertThat(st.code()).as(st.err()).isZero();
    try (NpyFloatFile f = NpyFloatFile.open(npy)) {
      assertThat(f.cols()).isEqualTo(5);
      float[] row = new float[5];
      f.row(36, row, 0);
      for (int c = 0; c < 5; c++) {
        assertThat(row[c]).isCloseTo(logits[36 * 5 + c], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  /** Too few images for the IS splits, or logits named as probabilities: the message names the flag. */
  @Test
  void inceptionScoreErrorsNameTheirFlag() {
    CliRun few = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--splits", "38", "--quiet");
    assertThat(few.code()).isEqualTo(3);
    assertThat(few.err()).contains("--splits 38").contains(a + " has 37 files").doesNotContain("images in");
    CliRun probs = CliRun.of("score", "--model", model.toString(), "--images", a.toString(), "--input-range", "0,1",
        "--probs-output", "logits", "--quiet");
    assertThat(probs.code()).isEqualTo(3);
    assertThat(probs.err()).contains(a.toString()).contains("not a probability vector").contains("--logits-output");
  }

  @Test
  void aNonFiniteFeatureNamesItsFile() throws Exception {
    Path good = tmp.resolve("good.npy");
    Path nan = tmp.resolve("nan.npy");
    try (NpyFloatFile.Writer w = new NpyFloatFile.Writer(good, 3)) {
      w.append(new float[] {1, 2, 3, 4, 5, 7, 0, 1, 1}, 3);
      w.commit(false);
    }
    try (NpyFloatFile.Writer w = new NpyFloatFile.Writer(nan, 3)) {
      w.append(new float[] {1, 2, 3, 4, Float.NaN, 7, 0, 1, 1}, 3);
      w.commit(false);
    }
    CliRun r = CliRun.of("fid", good.toString(), nan.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(3);
    assertThat(r.err()).contains("nan.npy: feature value is not finite").contains("row 1, column 1");
    // KID reads the features without reducing them to a covariance, and checks them all the same
    CliRun k = CliRun.of("kid", good.toString(), nan.toString(), "--subset-size", "3", "--subsets", "2");
    assertThat(k.code()).as(k.err()).isEqualTo(3);
    assertThat(k.err()).contains("nan.npy: feature value is not finite").contains("row 1, column 1");
    // 3 rows of 3-d features: FID warns that the covariance is singular; KID, which has none, does not
    CliRun fid = CliRun.of("fid", good.toString(), good.toString());
    assertThat(fid.code()).as(fid.err()).isZero();
    assertThat(fid.err()).contains("covariance is singular");
    CliRun kid = CliRun.of("kid", good.toString(), good.toString(), "--subset-size", "3", "--subsets", "2");
    assertThat(kid.code()).as(kid.err()).isZero();
    assertThat(kid.err()).doesNotContain("covariance");
    assertThat(kid.out()).contains("+-");
  }
}
