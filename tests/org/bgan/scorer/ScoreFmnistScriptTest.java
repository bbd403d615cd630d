package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import org.bgan.testing.Script;
import org.bgan.testing.Script.Ran;
import org.junit.jupiter.api.Test;

/** tools/score-fmnist's argument handling and help (before any classifier is trained or file written). */
class ScoreFmnistScriptTest {
  private static Ran scoreFmnist(String... args) throws Exception {
    return Script.run("tools/score-fmnist", args);
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
