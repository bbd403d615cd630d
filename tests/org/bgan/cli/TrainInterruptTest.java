package org.bgan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bgan.testing.TestJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bgan train} stopped by a signal (Ctrl-C, {@code kill}) says where the run stands: before, the
 * progress line just ended. A child JVM trains a small 2-D run and is sent SIGTERM once it has written
 * a checkpoint; then {@code --resume} continues from the checkpoint the note names.
 */
class TrainInterruptTest {
  @TempDir
  Path tmp;

  private ProcessBuilder bgan(String... args) {
    List<String> cmd = new ArrayList<>(List.of(TestJvm.java(),
        "--add-modules", "jdk.incubator.vector", "-cp", TestJvm.classPath(), Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).directory(tmp.toFile());
  }

  @Test
  void aSignalledRunNamesItsLastCheckpointAndResumes() throws Exception {
    Path cfg = tmp.resolve("tiny.pbtxt");
    Files.writeString(cfg, """
        name: "tiny"
        data { synthetic2d { kind: RING train_size: 500 } }
        generator { hidden: [16, 16] }
        discriminator { hidden: [16, 16] }
        train { steps: 1000000 batch_size: 16 n_disc: 1 checkpoint_every: 50 keep_checkpoints: 2
                eval_every: 0 plot_at: [] intra_op_threads: 1 inter_op_threads: 1 export: false }
        """);
    Path run = tmp.resolve("run");
    Path errFile = tmp.resolve("stderr.txt");
    // (to a file: destroying a process closes the streams a reader thread would be reading)
    Process p = bgan("train", cfg.toString(), "--out", run.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(errFile.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(run.resolve("checkpoints/latest")) && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(100);
      }
      assertThat(Files.exists(run.resolve("checkpoints/latest"))).as("a checkpoint within 120 s").isTrue();
      p.destroy(); // SIGTERM, as kill does; Ctrl-C's SIGINT runs the same shutdown hooks
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    String text = Files.readString(errFile);
    assertThat(p.exitValue()).as(text).isEqualTo(143);
    assertThat(text).containsPattern("bgan: " + java.util.regex.Pattern.quote(run.toString())
        + " interrupted at step \\d+ of 1000000; its last complete checkpoint is step \\d*[05]0 \\(")
        .contains("the same command with --out " + run + " --resume continues from it").doesNotContain("\tat ");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("checkpoint is step (\\d+)").matcher(text);
    assertThat(m.find()).isTrue();
    long named = Long.parseLong(m.group(1));

    // the step it names is where --resume starts
    Process r = bgan("train", cfg.toString(), "--out", run.toString(), "--resume", "--set", "train.steps=" + (named + 5))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile()).start();
    assertThat(r.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String resumed = Files.readString(errFile);
    assertThat(r.exitValue()).as(resumed).isZero();
    assertThat(resumed).contains("at step " + named).doesNotContain("interrupted");
  }
}
