package org.bgan.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.train.Trainer;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drawing many samples: chunked through the generator, and refused when they cannot fit in memory. */
class SavedModelsTest {
  @TempDir
  Path tmp;

  private Path tinyGenerator() throws Exception {
    Experiment.Builder b = ExperimentConfigs.parse(
        "name: \"t\" data { synthetic2d { kind: GRID train_size: 500 } } loss: BGAN mixing { gamma: 0.3 }", "test");
    for (String s : List.of("train.steps=3", "train.output_dir=" + tmp.resolve("run"), "train.export_dir=" + tmp.resolve("sm"),
        "generator.hidden=16,16", "discriminator.hidden=16,16", "train.batch_size=16", "train.n_disc=1",
        "train.checkpoint_every=3", "eval.num_samples=100", "train.intra_op_threads=1", "train.inter_op_threads=1")) {
      ExperimentConfigs.applyOverride(b, s);
    }
    Experiment cfg = b.build();
    ExperimentConfigs.validate(cfg);
    Trainer.Result r = Trainer.run(cfg, new Trainer.Options(false, new PrintStream(java.io.OutputStream.nullOutputStream()), false));
    assertThat(r.exitCode()).isZero();
    return r.savedModel();
  }

  @Test
  void chunkedSamplesAreTheSamplesOfOneCall() throws Exception {
    Path sm = tinyGenerator();
    SavedModels.Samples one = SavedModels.sampleArray(sm, 50, 7, 50);
    // 50 samples in chunks of 7 (the last one of 1): z drawn once by the 'sample' signature's own op, then
    // serving_default on each chunk
    SavedModels.Samples chunked = SavedModels.sampleArray(sm, 50, 7, 7);
    assertThat(chunked.shape()).containsExactly(50, 2);
    assertThat(one.shape()).containsExactly(50, 2);
    for (int i = 0; i < one.values().length; i++) {
      assertThat(chunked.values()[i]).as("value %d", i)
          .isCloseTo(one.values()[i], org.assertj.core.data.Offset.offset(1e-5f));
    }
    assertThat(SavedModels.sampleArray(sm, 50, 8, 7).values()).isNotEqualTo(chunked.values());
    // the default chunk: a count just over it still comes back whole, its first rows those of a small call
    SavedModels.Samples big = SavedModels.sampleArray(sm, SavedModels.CHUNK + 3, 7);
    assertThat(big.shape()).containsExactly(SavedModels.CHUNK + 3, 2);
    for (int i = 0; i < 100; i++) {
      assertThat(big.values()[i]).isCloseTo(one.values()[i], org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void aSavedModelWithoutItsVariablesOrAFileInsteadOfItsDirectoryIsAUserError() throws Exception {
    Path sm = tinyGenerator();
    // saved_model.pb copied without variables/: TensorFlow loads it and fails only when it runs
    Path bare = tmp.resolve("bare/1");
    java.nio.file.Files.createDirectories(bare);
    java.nio.file.Files.copy(sm.resolve("saved_model.pb"), bare.resolve("saved_model.pb"));
    assertThatThrownBy(() -> SavedModels.sampleArray(bare, 3, 0)).isInstanceOf(UserException.class)
        .hasMessageContaining("--model " + bare).hasMessageContaining("no variables/ directory")
        .hasMessageContaining("uninitialized value");
    assertThatThrownBy(() -> {
      try (org.bgan.eval.GeneratorSampler g = new org.bgan.eval.GeneratorSampler(tmp.resolve("bare"), 1, "--generator")) {
        g.drawAll(3, 0);
      }
    }).isInstanceOf(UserException.class).hasMessageContaining("--generator " + bare).hasMessageContaining("no variables/ directory");
    // the model's file instead of its directory
    assertThatThrownBy(() -> SavedModels.resolveVersion(sm.resolve("saved_model.pb"))).isInstanceOf(UserException.class)
        .hasMessageContaining("is a file, not a directory").hasMessageContaining("(" + sm + ")");
    // the complete model still samples
    assertThat(SavedModels.sampleArray(sm, 3, 0).count()).isEqualTo(3);
  }

  @Test
  void samplesThatCannotFitInTheHeapAreRefusedWithTheirSize() {
    long gb4 = 4L << 30;
    // 10 million 28x28 images: 31.4 GB of floats
    String msg = SavedModels.tooManyForHeap(new long[] {28, 28, 1}, 10_000_000, gb4);
    assertThat(msg).contains("--num 10000000").contains("28x28x1").contains("31.4 GB").contains("BGAN_JAVA_OPTS");
    // 10 million 2-D points (80 MB) fit; so do 1000 images
    assertThat(SavedModels.tooManyForHeap(new long[] {2}, 10_000_000, gb4)).isNull();
    assertThat(SavedModels.tooManyForHeap(new long[] {28, 28, 1}, 1000, gb4)).isNull();
    // beyond a Java array even with a huge heap; an unknown dimension is not judged
    assertThat(SavedModels.tooManyForHeap(new long[] {256, 256, 3}, 20_000, Long.MAX_VALUE)).isNotNull();
    assertThat(SavedModels.tooManyForHeap(new long[] {-1, 3}, 10_000_000, gb4)).isNull();
  }
}
