package org.bgan.semi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bgan.study.StudyRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study of semi-supervised runs reports each run's test accuracy and compares it seed by seed. */
class SemiSupervisedStudyTest {
  @TempDir
  Path tmp;

  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

  /** The final test accuracy a run wrote to its metrics.json ("final" comes before "history"). */
  private static double finalAccuracy(Path run) throws Exception {
    Matcher m = Pattern.compile("\"test_accuracy\": ([0-9.eE+-]+)").matcher(Files.readString(run.resolve("metrics.json")));
    assertThat(m.find()).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void theTableHasEachRunsTestAccuracyAndTheSeedBySeedDifference() throws Exception {
    Path data = SemiSupervisedTrainingTest.fixture(tmp.resolve("idx"), true, true);
    Files.writeString(tmp.resolve("semi.pbtxt"), SemiSupervisedTrainingTest.config(data));
    Path out = tmp.resolve("out");
    Path f = tmp.resolve("study.pbtxt");
    Files.writeString(f, """
        name: "s" output_dir: "%s" seeds: [1, 2] image_metrics: false baseline: "sup"
        set: "train.steps=6" set: "train.eval_every=3"
        arm { name: "sup" preset: "semi.pbtxt" set: "semi_supervised.unsupervised_weight=0" }
        arm { name: "semi" preset: "semi.pbtxt" }
        """.formatted(out));
    assertThat(StudyRunner.run(f, StudyRunner.load(f), QUIET, false)).isZero();
    double[][] acc = new double[2][2];
    String[] arms = {"sup", "semi"};
    for (int a = 0; a < 2; a++) {
      for (int k = 0; k < 2; k++) {
        acc[a][k] = finalAccuracy(out.resolve(arms[a]).resolve("seed-" + (k + 1)));
        // 15 test images: the accuracy is a multiple of 1/15
        assertThat(Math.abs(acc[a][k] * 15 - Math.rint(acc[a][k] * 15))).isLessThan(1e-9);
      }
    }
    String md = Files.readString(out.resolve("results.md"));
    assertThat(md).contains("test accuracy |").contains("Test accuracy (semi-supervised runs)");
    // every run's own value in the per-seed table, and each arm's mean in the main one
    for (int a = 0; a < 2; a++) {
      for (int k = 0; k < 2; k++) {
        assertThat(md).contains(String.format(Locale.ROOT, "| %s | %d | %.4f |", arms[a], k + 1, acc[a][k]));
      }
      double mean = (acc[a][0] + acc[a][1]) / 2;
      assertThat(md).contains(String.format(Locale.ROOT, "| %s | 2 | %.4f ± %.4f |", arms[a], mean,
          Math.abs(acc[a][0] - acc[a][1]) / 2));
    }
    // semi − sup seed by seed: mean and standard error of the two differences, and the seeds it was higher
    double d1 = acc[1][0] - acc[0][0];
    double d2 = acc[1][1] - acc[0][1];
    int better = (d1 > 0 ? 1 : 0) + (d2 > 0 ? 1 : 0);
    assertThat(md).contains("## Against sup, seed by seed").contains(String.format(Locale.ROOT,
        "| semi | 2 | %+.4f ± %.4f (better in %d of 2) |", (d1 + d2) / 2, Math.abs(d1 - d2) / 2, better));
    assertThat(Files.readString(out.resolve("results.json"))).contains("\"test_accuracy\"");
  }
}
