package org.bgan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.bgan.testing.Script;
import org.bgan.testing.Script.Ran;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tools/study2d's argument errors: exit 2 and a message, before any build or run (so nothing is written). */
class Study2dScriptTest {
  @TempDir
  Path tmp;

  private static Ran study2d(String... args) throws Exception {
    return Script.run("tools/study2d", args);
  }

  @Test
  void badArgumentsExitTwoAndWriteNothing() throws Exception {
    Path dir = tmp.resolve("study");
    // a descending range was an empty seed list: xargs then ran 'bgan train graphs/bash.pbtxt' once (exit 1)
    Ran r = study2d("--seeds", "5-2", "--dir", dir.toString(), "grid2d_mlp_bgan");
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("--seeds 5-2: the range is empty");
    r = study2d("--seeds", "0-99999999999999999999", "--dir", dir.toString(), "grid2d_mlp_bgan");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--seeds takes A-B or a comma list");
    // a flag without its value was bash's "$2: unbound variable" (exit 1)
    r = study2d("grid2d_mlp_bgan", "--dir");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("study2d: --dir needs a value").doesNotContain("unbound");
    r = study2d("grid2d_mlp_bgan", "--seeds");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--seeds needs a value");
    r = study2d("--summary", "--dir", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no study directory");
    assertThat(dir).doesNotExist();
  }

  @Test
  void helpIsTheHeaderCommentOnly() throws Exception {
    Ran r = study2d("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("study2d: the SPEC").contains("Exit codes: 0 done")
        .doesNotContain("set -euo pipefail").doesNotContain("here=");
  }
}
