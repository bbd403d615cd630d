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
    CliRun badInt = CliRun.of("score", "--model", "m", "--images", "i", "--batch-size", "zero");
    assertThat(badInt.code()).isEqualTo(2);
    assertThat(badInt.err()).contains("--batch-size");
    CliRun oneArg = CliRun.of("fid", "a.npz");
    assertThat(oneArg.code()).isEqualTo(2);
    assertThat(CliRun.of("nonsense").code()).isEqualTo(2);
    // the process has not mapped any TensorFlow native library
    String maps = Files.readString(Path.of("/proc/self/maps"));
    assertThat(maps).doesNotContain("tensorflow");
  }
}
