package org.bgan.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The birthday-paradox support estimate: pieces by hand, then a generator with a known support. */
class BirthdayTest {
  @TempDir
  Path tmp;

  @Test
  void closestPairAndThresholdByHand() {
    // 1-D features 0, 1, 3, 7: closest pair (0, 1) at distance 1; nearest-neighbour distances 1, 1, 2, 4.
    float[] f = {0, 1, 3, 7};
    double[] cp = Birthday.closestPair(f, 4, 1);
    assertThat(cp).containsExactly(1.0, 0.0, 1.0);
    assertThat(Birthday.nearestNeighbourDistances(f, 4, 1)).containsExactly(1.0, 1.0, 2.0, 4.0);
    // sorted 1, 1, 2, 4; quantile q takes the ⌊3q⌋-th: q = 0 → 1, q = 0.7 → index 2 → 2, q = 1 → 4
    assertThat(Birthday.thresholdFromReal(f, 4, 1, 0)).isEqualTo(1.0);
    assertThat(Birthday.thresholdFromReal(f, 4, 1, 0.7)).isEqualTo(2.0);
    assertThat(Birthday.thresholdFromReal(f, 4, 1, 1)).isEqualTo(4.0);
    // 2-D: (0,0), (3,4), (3,5): closest (1, 2) at distance 1
    assertThat(Birthday.closestPair(new float[] {0, 0, 3, 4, 3, 5}, 3, 2)).containsExactly(1.0, 1.0, 2.0);
  }

  @Test
  void noRepeatProbabilityAndTheMle() {
    // P(no repeat | s = 3, M = 10) = (1 − 1/10)(1 − 2/10) = 0.72
    assertThat(Math.exp(Birthday.logNoRepeat(3, 10))).isCloseTo(0.72, within(1e-12));
    assertThat(Birthday.logNoRepeat(11, 10)).isEqualTo(Double.NEGATIVE_INFINITY);
    // With duplicate counts equal to their expectations under M = 100 (exact P(s)·1000, rounded), the MLE
    // is M = 100 up to the rounding of the counts.
    int[] sizes = {6, 10, 14, 20};
    int[] dups = new int[sizes.length];
    for (int k = 0; k < sizes.length; k++) {
      dups[k] = (int) Math.round(1000 * -Math.expm1(Birthday.logNoRepeat(sizes[k], 100)));
    }
    assertThat(Birthday.supportMle(sizes, dups, 1000)).isCloseTo(100, within(1.0));
    assertThat(Birthday.supportMle(sizes, new int[4], 1000)).isInfinite();
  }

  @Test
  void findsTheSupportOfAGeneratorWithOneHundredImages() throws Exception {
    int m = 100;
    Path cls = tmp.resolve("cls");
    EvalModels.brightnessClassifier(cls, 4);
    Path gen = tmp.resolve("gen");
    EvalModels.finiteSupportGenerator(gen, m, 4);
    int[] sizes = {4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
    int trials = 100;
    Birthday.Result r;
    try (var fx = Classifiers.open(cls, "--classifier", 1, false);
        GeneratorSampler g = new GeneratorSampler(gen, 1, "--generator")) {
      // Distinct table images are far apart in feature space (random pixels); repeats are at distance 0.
      r = Birthday.run(g, fx, new Birthday.Options(sizes, trials, 5, false, 8), 1e-3, null);
    }
    for (int k = 0; k < sizes.length; k++) {
      // exact P(repeat | s) for M = 100 equally likely images; the estimate over 100 trials has a binomial
      // standard error <= 0.05: 4.5 of them is 0.225 (a fixed seed, so this is not flaky either way)
      double exact = -Math.expm1(Birthday.logNoRepeat(sizes[k], m));
      assertThat(r.probability(k)).as("s = " + sizes[k]).isCloseTo(exact, within(0.225));
    }
    // exact P is 0.497 at s = 12 and 0.615 at s = 14: the first even size with P >= 1/2 is 14; with
    // sampling noise 12 or 16 are possible.
    assertThat(r.smallestS()).isBetween(12, 16);
    // The MLE over the 14 sizes x 100 trials: its spread for M = 100 (300 simulated repetitions of these
    // sizes and trials with numpy's binomial, maximised on a grid) is 3.8 % standard deviation, range
    // 90-111: a 15 % bound is about 4 standard deviations.
    assertThat(r.supportMle()).isCloseTo(m, within(15.0));
    // every kept pair is an exact repeat
    assertThat(r.closest()).hasSize(8).allSatisfy(p -> {
      assertThat(p.distance()).isZero();
      assertThat(p.a()).containsExactly(p.b());
    });
  }

  @Test
  void commandLineWritesPairsAndUsesRealImagesForTheThreshold() throws Exception {
    Path cls = tmp.resolve("cls");
    EvalModels.brightnessClassifier(cls, 4);
    Path gen = tmp.resolve("gen");
    EvalModels.finiteSupportGenerator(gen, 50, 4);
    // real images: 20 distinct 4x4 PNGs of random grey pixels
    Path real = tmp.resolve("real");
    Files.createDirectories(real);
    java.util.Random rnd = new java.util.Random(3);
    for (int i = 0; i < 20; i++) {
      var img = new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
          int v = rnd.nextInt(256);
          img.setRGB(x, y, (v << 16) | (v << 8) | v);
        }
      }
      javax.imageio.ImageIO.write(img, "png", real.resolve(String.format("r%02d.png", i)).toFile());
    }
    Path out = tmp.resolve("out");
    Object[] r = run("birthday", "--generator", gen.toString(), "--classifier", cls.toString(),
        "--real", real.toString(), "--quantile", "0.05", "--batch-sizes", "5,10,20", "--trials", "10",
        "--pairs", "4", "--out", out.toString(), "--threads", "1");
    assertThat(r[0]).as((String) r[2]).isEqualTo(0);
    assertThat((String) r[1]).contains("threshold: ").contains("batch_size 20: p_duplicate")
        .contains("support_mle_uniform");
    String json = Files.readString(out.resolve("birthday.json"));
    assertThat(json).contains("\"threshold_from\": \"quantile 0.05").contains("\"closest_pairs\"");
    // 4 pairs, 2 per row, 4x4 images with 1 px padding: 2·5 + 1 = 11 wide, 4·5 + 1 = 21 high
    var png = javax.imageio.ImageIO.read(out.resolve("pairs.png").toFile());
    assertThat(png.getWidth()).isEqualTo(11);
    assertThat(png.getHeight()).isEqualTo(21);

    r = run("birthday", "--generator", gen.toString(), "--classifier", cls.toString());
    assertThat(r[0]).isEqualTo(2);
    assertThat((String) r[2]).contains("--threshold").contains("--real");
    r = run("birthday", "--generator", gen.toString(), "--classifier", cls.toString(),
        "--threshold", "1", "--batch-sizes", "10,5");
    assertThat(r[0]).isEqualTo(2);
    assertThat((String) r[2]).contains("--batch-sizes must increase");
  }

  /** Writes {@code n} PNGs of {@code side}×{@code side} random pixels (grey, or colour) into a new folder. */
  private static Path realImages(Path dir, int n, int side, boolean colour, long seed) throws Exception {
    Files.createDirectories(dir);
    java.util.Random rnd = new java.util.Random(seed);
    for (int i = 0; i < n; i++) {
      var img = new java.awt.image.BufferedImage(side, side,
          colour ? java.awt.image.BufferedImage.TYPE_INT_RGB : java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          int v = rnd.nextInt(256);
          img.setRGB(x, y, colour ? rnd.nextInt(1 << 24) : (v << 16) | (v << 8) | v);
        }
      }
      javax.imageio.ImageIO.write(img, "png", dir.resolve(String.format("r%02d.png", i)).toFile());
    }
    return dir;
  }

  /** Runs the command line; returns {exit code, stdout, stderr}. */
  private static Object[] run(String... args) {
    ByteArrayOutputStream so = new ByteArrayOutputStream();
    ByteArrayOutputStream se = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(so, true));
    System.setErr(new PrintStream(se, true));
    try {
      int code = Main.run(args);
      return new Object[] {code, so.toString(), se.toString()};
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private static String thresholdLine(String stdout) {
    return stdout.lines().filter(l -> l.startsWith("threshold: ")).findFirst().orElseThrow();
  }

  @Test
  void realImagesAreEmbeddedAsTheGeneratorsSamplesAreAndMismatchesAreRefused() throws Exception {
    Path cls = tmp.resolve("cls");
    EvalModels.brightnessClassifier(cls, 4);
    Path gen = tmp.resolve("gen");
    EvalModels.finiteSupportGenerator(gen, 50, 4);  // grey 4x4 samples
    Path real = realImages(tmp.resolve("real"), 20, 4, false, 3);
    String[] base = {"birthday", "--generator", gen.toString(), "--classifier", cls.toString(), "--quantile", "0.5",
        "--batch-sizes", "5", "--trials", "2", "--threads", "1"};

    // --per-channel changes nothing for a grey generator (its samples have one channel): the real images'
    // threshold must not change either (it was sqrt(3) times larger: each grey image embedded three times)
    Object[] plain = run(concat(base, "--real", real.toString()));
    Object[] perChannel = run(concat(base, "--real", real.toString(), "--per-channel"));
    assertThat(plain[0]).as((String) plain[2]).isEqualTo(0);
    assertThat(perChannel[0]).as((String) perChannel[2]).isEqualTo(0);
    assertThat(thresholdLine((String) perChannel[1])).isEqualTo(thresholdLine((String) plain[1]));

    // real images of another size than the generator's samples
    Path real5 = realImages(tmp.resolve("real5"), 20, 5, false, 4);
    Object[] r = run(concat(base, "--real", real5.toString()));
    assertThat(r[0]).isEqualTo(2);
    assertThat((String) r[2]).contains("--real " + real5).contains("5x5").contains("4x4");

    // colour real images for a grey generator
    Path colour = realImages(tmp.resolve("colour"), 20, 4, true, 5);
    r = run(concat(base, "--real", colour.toString()));
    assertThat(r[0]).isEqualTo(2);
    assertThat((String) r[2]).contains("r00.png").contains("colour");

    // duplicated real images give a threshold of 0, under which no pair can ever fall: refused
    Path dups = tmp.resolve("dups");
    Files.createDirectories(dups);
    for (int i = 0; i < 20; i++) {
      Files.copy(real.resolve(String.format("r%02d.png", i / 2)), dups.resolve(String.format("d%02d.png", i)));
    }
    r = run(concat(base, "--real", dups.toString()));
    assertThat(r[0]).isEqualTo(2);
    assertThat((String) r[2]).contains("threshold from the real images is 0").contains("20 of 20");
    assertThat((String) r[2]).doesNotContain("Exception");

    r = run("birthday", "--generator", gen.toString(), "--classifier", cls.toString(), "--threshold", "0");
    assertThat(r[0]).isEqualTo(2);
    assertThat((String) r[2]).contains("--threshold must be greater than 0");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
