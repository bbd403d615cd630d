package org.bgan.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.exceptions.TFResourceExhaustedException;

/** Checkpoints written under a temporary name; a failed write (a full disk) keeps the last complete one. */
class CheckpointsTest {
  @TempDir
  Path tmp;

  /** What Session.save writes: an index and a data file. */
  private static void complete(String prefix) {
    try {
      Files.writeString(Path.of(prefix + ".index"), "index");
      Files.writeString(Path.of(prefix + ".data-00000-of-00001"), "data");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aCheckpointThatCannotBeWrittenIsRemovedNamedAndTheLastCompleteOneKept() throws Exception {
    Path run = tmp.resolve("run");
    Checkpoints.save(run, 40, 3, CheckpointsTest::complete);
    // TensorFlow's Save op on a full disk: part of the data file written, then RESOURCE_EXHAUSTED.
    // This was an internal error with a stack trace (exit 1), and the 12 MB partial file stayed in
    // checkpoints/.step-000000080.tmp, holding the space.
    assertThatThrownBy(() -> Checkpoints.save(run, 80, 3, prefix -> {
      try {
        Files.writeString(Path.of(prefix + ".data-00000-of-00001.tempstate123"), "partial");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new TFResourceExhaustedException(prefix + ".data-00000-of-00001.tempstate123; No space left on device\n\t [[{{node save/Save}}]]");
    }))
        .isInstanceOf(UserException.class)
        .hasMessageStartingWith("cannot write the checkpoint " + run.resolve("checkpoints/step-000000080") + ": ")
        .hasMessageContaining("; No space left on device;")
        .hasMessageEndingWith("the last complete checkpoint is " + run.resolve("checkpoints/step-000000040")
            + " (--resume continues from it)")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    try (var s = Files.list(run.resolve(Checkpoints.DIR))) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("latest", "step-000000040");
    }
    assertThat(Checkpoints.latest(run)).get().extracting(Checkpoints.Checkpoint::step).isEqualTo(40L);
  }
}
