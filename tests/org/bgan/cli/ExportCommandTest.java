package org.bgan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.testing.StdCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code bgan export} (and training's own export) into a directory that is not a model base. */
class ExportCommandTest {
  @TempDir Path tmp;
  @RegisterExtension final StdCapture std = new StdCapture();
  private final ByteArrayOutputStream err = std.err;

  /** A served version directory: savedmodels/grid/1 with its saved_model.pb. */
  private Path versionDir() throws Exception {
    Path v1 = Files.createDirectories(tmp.resolve("savedmodels/grid/1"));
    Files.writeString(v1.resolve("saved_model.pb"), "");
    Files.createDirectories(v1.resolve("variables"));
    return v1;
  }

  @Test
  void exportIntoAVersionDirectoryIsRefusedNotNested() throws Exception {
    // a run with a config and a checkpoint that `latest` names (the refusal comes before restoring it)
    Path run = Files.createDirectories(tmp.resolve("run"));
    Files.copy(Path.of("graphs/grid2d_mlp_bgan.pbtxt"), run.resolve("config.pbtxt"));
    Path step = Files.createDirectories(run.resolve("checkpoints/step-000000002"));
    Files.writeString(step.resolve("model.index"), "");
    Files.writeString(run.resolve("checkpoints/latest"), "step-000000002\n");
    Path v1 = versionDir();

    // it used to write savedmodels/grid/1/1/, which no server looks at
    assertThat(Main.run(new String[] {"export", "--run", run.toString(), "--out", v1.toString()})).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("bgan export: error: --out " + v1 + " holds a saved_model.pb itself: it is a"
        + " version directory, not a base directory of versions; give its parent (" + v1.getParent()
        + ") to export the next version beside it\n");
    try (var files = Files.list(v1)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("saved_model.pb", "variables");
    }
  }

  @Test
  void trainingWhoseExportDirIsAVersionDirectoryIsRefusedBeforeItTrains() throws Exception {
    Path v1 = versionDir();
    Path run = tmp.resolve("run");
    assertThat(Main.run(new String[] {"train", "graphs/grid2d_mlp_bgan.pbtxt", "--quiet", "--out", run.toString(),
        "--set", "train.export_dir=" + v1, "--set", "train.steps=2", "--set", "eval.num_samples=100",
        "--set", "train.intra_op_threads=1", "--set", "train.inter_op_threads=1"})).isEqualTo(2);
    assertThat(err.toString()).contains("train.export_dir " + v1 + " holds a saved_model.pb itself");
    assertThat(run.resolve("checkpoints")).doesNotExist();
    assertThat(v1.resolve("1")).doesNotExist();
  }
}
