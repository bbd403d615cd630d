package org.bgan.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.bgan.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stacked mode count: the histogram arithmetic, then end to end through tiny SavedModels. */
class StackedModesTest {
  @TempDir
  Path tmp;

  @Test
  void countsAndKlByHand() {
    // 4 samples in modes {0, 0, 0, 999}: 2 modes; p = (3/4, 1/4);
    // KL = 3/4·log(1000·3/4) + 1/4·log(1000/4) = 0.75·log 750 + 0.25·log 250.
    StackedModes.Result r = StackedModes.fromModes(new int[] {0, 0, 999, 0}, 10);
    assertThat(r.modesTotal()).isEqualTo(1000);
    assertThat(r.modesFound()).isEqualTo(2);
    assertThat(r.klToUniform()).isCloseTo(0.75 * Math.log(750) + 0.25 * Math.log(250), within(1e-12));
    assertThat(r.histogram()[0]).isEqualTo(3);
    // one sample per mode: uniform, KL 0; everything in one mode: log 1000
    int[] all = new int[1000];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    assertThat(StackedModes.fromModes(all, 10).klToUniform()).isCloseTo(0, within(1e-12));
    assertThat(StackedModes.fromModes(all, 10).modesFound()).isEqualTo(1000);
    assertThat(StackedModes.fromModes(new int[] {5, 5, 5}, 10).klToUniform()).isCloseTo(Math.log(1000), within(1e-12));
  }

  @Test
  void aModelThatIsNotAClassifierIsRefusedWithoutSuggestingTheScorersFlags() throws Exception {
    // bgan modes / birthday / study open the classifier with fixed settings: the scorer's hints
    // (--input NAME, --features-output, --signature, --input-range) would name flags they lack.
    Path gen = tmp.resolve("gen");
    EvalModels.stackedGenerator(gen, 4);
    assertThatThrownBy(() -> Classifiers.open(gen, "--classifier", 1, true))
        .isInstanceOf(org.bgan.util.UserException.class)
        .hasMessageStartingWith("--classifier " + gen)
        .hasMessageContaining("train-fmnist")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("--input", "--features-output", "--signature"));
  }

  @Test
  void classifiesEachChannelOfAGeneratorsSamples() throws Exception {
    Path cls = tmp.resolve("cls");
    EvalModels.brightnessClassifier(cls, 4);
    Path gen = tmp.resolve("gen");
    EvalModels.stackedGenerator(gen, 4);
    try (var fx = Classifiers.open(cls, "--classifier", 1, true);
        GeneratorSampler g = new GeneratorSampler(gen, 1, "--generator")) {
      // 1000 samples = two calls of 500 (GeneratorSampler.CHUNK); in each, sample i has classes
      // (i mod 10, ⌊i/10⌋ mod 10, 0): all 100 pairs 5 times per call, 10 times in all.
      // 100 modes found of 1000; p = 1/100 each: KL = log(1000/100) = log 10.
      StackedModes.Result r = StackedModes.evaluate(g, fx, 1000, 3);
      assertThat(r.modesFound()).isEqualTo(100);
      assertThat(r.klToUniform()).isCloseTo(Math.log(10), within(1e-9));
      assertThat(r.histogram()[(7 * 10 + 3) * 10]).isEqualTo(10);  // R = 7, G = 3, B = 0
      assertThat(r.histogram()[1]).isZero();                        // B = 1 never happens
      // 750 samples = 500 + 250: the second call's i = 0..249 has ⌊i/10⌋ = 0..24, so G = 0..4 appear
      // 3 times per R and G = 5..9 twice: counts 5 + 3 = 8 for 50 modes and 5 + 2 = 7 for the other 50.
      // KL = 50·(8/750)·log(1000·8/750) + 50·(7/750)·log(1000·7/750) (= 2.30481 by numpy)
      StackedModes.Result r2 = StackedModes.evaluate(g, fx, 750, 3);
      double p8 = 8.0 / 750;
      double p7 = 7.0 / 750;
      assertThat(r2.modesFound()).isEqualTo(100);
      assertThat(r2.klToUniform()).isCloseTo(50 * p8 * Math.log(1000 * p8) + 50 * p7 * Math.log(1000 * p7), within(1e-9));
      assertThat(r2.histogram()[(2 * 10 + 4) * 10]).isEqualTo(8);
      assertThat(r2.histogram()[(2 * 10 + 5) * 10]).isEqualTo(7);
    }
  }

  @Test
  void commandLineAndItsErrors() throws Exception {
    Path cls = tmp.resolve("cls");
    EvalModels.brightnessClassifier(cls, 4);
    Path gen = tmp.resolve("gen");
    EvalModels.stackedGenerator(gen, 4);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
    try {
      int code = Main.run(new String[] {"modes", "--generator", gen.toString(), "--classifier", cls.toString(),
          "--num", "1000", "--json", "--threads", "1"});
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains("\"modes_found\": 100").contains("\"modes_total\": 1000")
          .contains("\"kl_to_uniform\": 2.302585");
      assertThat(err.toString()).doesNotContain("resized");  // the classifier's own size: nothing to say
      // a generator of another size: its images are resized to the classifier's (constant images stay
      // constant, so the count is the same), and stderr says so once
      Path big = tmp.resolve("gen6");
      EvalModels.stackedGenerator(big, 6);
      out.reset();
      err.reset();
      code = Main.run(new String[] {"modes", "--generator", big.toString(), "--classifier", cls.toString(),
          "--num", "1000", "--json", "--threads", "1"});
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).contains("\"modes_found\": 100");
      assertThat(err.toString().lines().filter(l -> l.contains("resized")).toList())
          .containsExactly("note: classifier " + cls + ": 6x6 images resized to the model's 4x4 input (tf-bilinear)");
      err.reset();
      code = Main.run(new String[] {"modes", "--generator", gen.toString(), "--classifier", tmp.resolve("none").toString()});
      assertThat(code).isEqualTo(2);
      assertThat(err.toString()).contains("--classifier").contains("train-fmnist").doesNotContain("at org.");
      err.reset();
      code = Main.run(new String[] {"modes", "--generator", cls.toString(), "--classifier", cls.toString()});
      assertThat(code).isEqualTo(2);
      assertThat(err.toString()).contains("--generator").contains("'sample' signature").doesNotContain("at org.");
      err.reset();
      Path grey = tmp.resolve("grey");
      EvalModels.finiteSupportGenerator(grey, 5, 4);
      code = Main.run(new String[] {"modes", "--generator", grey.toString(), "--classifier", cls.toString(), "--num", "10"});
      assertThat(code).isEqualTo(2);
      assertThat(err.toString()).contains("3-channel images").doesNotContain("at org.");
      err.reset();
      code = Main.run(new String[] {"modes", "--classifier", cls.toString()});
      assertThat(code).isEqualTo(2);
      assertThat(err.toString()).contains("--generator DIR is required");
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
