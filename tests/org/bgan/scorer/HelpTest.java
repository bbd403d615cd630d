package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** --help and argument errors: documented exit codes, no stack traces, TensorFlow never loaded. */
class HelpTest {
  @Test
  void helpAndUsageErrorsDoNotLoadTensorFlow() throws IOException {
    for (String cmd : new String[] {"score", "stats", "fid", "kid", "inspect", "import-graphdef", "train-fmnist",
        "random-inception", "bench"}) {
      CliRun r = CliRun.of(cmd, "--help");
      assertThat(r.code()).as(cmd).isZero();
      assertThat(r.out()).as(cmd).contains("Exit codes: 0 success").contains("inception-score " + cmd);
    }
    assertThat(CliRun.of("score", "--help").out()).contains("resize method changes FID");
    CliRun top = CliRun.of("--help");
    assertThat(top.code()).isZero();
    assertThat(top.out()).contains("import-graphdef").contains("Exit codes");
    CliRun unknown = CliRun.of("score", "--model", "m", "--images", "i", "--frobnicate");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("--frobnicate").doesNotContain("Exception");
    CliRun both = CliRun.of("score", "--model", "m", "--images", "i", "--generator", "g");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("exactly one of --images");
    // a repeated option is refused: only its first value was used
    CliRun twice = CliRun.of("score", "--model", "m", "--images", "i", "--splits", "5", "--splits", "2");
    assertThat(twice.code()).isEqualTo(2);
    assertThat(twice.err()).contains("--splits given more than once (5, 2)");
    assertThat(CliRun.of("kid", "a.npy", "b.npy", "--seed", "1", "--seed=1").err()).contains("--seed given more than once");
    // a reversed range scored every image as its negative
    CliRun reversed = CliRun.of("score", "--model", "m", "--images", "i", "--input-range", "1,0");
    assertThat(reversed.code()).isEqualTo(2);
    assertThat(reversed.err()).contains("--input-range: LO must be below HI").contains("'1,0'");
    CliRun badInt = CliRun.of("score", "--model", "m", "--images", "i", "--batch-size", "zero");
    assertThat(badInt.code()).isEqualTo(2);
    assertThat(badInt.err()).contains("--batch-size");
    // an option the command would ignore is refused, not silently dropped
    CliRun isOnly = CliRun.of("kid", "a.npy", "b.npy", "--logits-output", "logits");
    assertThat(isOnly.code()).isEqualTo(2);
    assertThat(isOnly.err()).contains("--logits-output").doesNotContain("Exception");
    assertThat(CliRun.of("kid", "--help").out()).doesNotContain("--probs-output").contains("--batch-size");
    CliRun runOnly = CliRun.of("inspect", "--model", "m", "--batch-size", "8");
    assertThat(runOnly.code()).isEqualTo(2);
    assertThat(runOnly.err()).contains("--batch-size");
    assertThat(CliRun.of("inspect", "--help").out()).contains("--logits-output").doesNotContain("--batch-size <N>");
    CliRun oneArg = CliRun.of("fid", "a.npz");
    assertThat(oneArg.code()).isEqualTo(2);
    assertThat(CliRun.of("nonsense").code()).isEqualTo(2);
    CliRun badWhat = CliRun.of("bench", "--what", "fid,gemms");
    assertThat(badWhat.code()).isEqualTo(2);
    assertThat(badWhat.err()).contains("--what").contains("'gemms'").doesNotContain("Exception");
    assertThat(badWhat.out()).isEmpty();
    // the process has not mapped any TensorFlow native library
    String maps = Files.readString(Path.of("/proc/self/maps"));
    assertThat(maps).doesNotContain("tensorflow");
  }

  /** bench --what gemm: one line with the product's time and GFLOPS (a small size, so it is quick). */
  @Test
  void gemmBenchReportsOneLine() {
    CliRun r = CliRun.of("bench", "--what", "gemm", "--dim", "96", "--repeats", "3", "--threads", "1");
    assertThat(r.code()).as(r.err()).isZero();
    String line = r.out().strip();
    assertThat(line).startsWith("bench=gemm impl=java kernel=").contains(" n=96 threads=1 ").contains(" repeats=3");
    double gflops = Double.parseDouble(line.replaceAll(".* gflops=([0-9.]+) .*", "$1"));
    double kernel = Double.parseDouble(line.replaceAll(".* kernel_cached_gflops_1thread=([0-9.]+) .*", "$1"));
    assertThat(gflops).isPositive();
    assertThat(kernel).isPositive();
  }
}
