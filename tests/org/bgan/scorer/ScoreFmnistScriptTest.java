package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** tools/score-fmnist's argument handling and help (before any classifier is trained or file written). */
class ScoreFmnistScriptTest {
  private record Ran(int code, String out, String err) {}

  private static Ran scoreFmnist(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", "tools/score-fmnist"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("tools/score-fmnist " + String.join(" ", args) + " did not finish");
    }
    return new Ran(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void helpHasExitCodesAndAMissingValueIsAUsageError() throws Exception {
    Ran help = scoreFmnist("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("usage: tools/score-fmnist").contains("Exit codes: 0 success; 2 usage error")
        .contains("recomputed when the classifier changes").doesNotContain("set -euo");
    // '--num' as the last word was bash's "$2: unbound variable" with exit 1
    Ran num = scoreFmnist("--num");
    assertThat(num.code()).isEqualTo(2);
    assertThat(num.err()).contains("score-fmnist: --num needs a value").doesNotContain("unbound");
    Ran none = scoreFmnist();
    assertThat(none.code()).isEqualTo(2);
  }
}
