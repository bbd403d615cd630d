package org.bgan.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TUint8;

/** Image GANs through the trainer: fed batches, sample grids, resume, export with images, the full-size presets. */
class ImageTrainingTest {
  @TempDir
  Path tmp;

  private static Trainer.Options quiet(boolean resume) {
    return new Trainer.Options(resume, new PrintStream(java.io.OutputStream.nullOutputStream()), false);
  }

  private Experiment tiny(String loss, Path out, long steps, String... extra) {
    List<String> sets = new ArrayList<>(List.of("loss=" + loss, "train.steps=" + steps, "train.output_dir=" + out,
        "train.export_dir=" + tmp.resolve("sm")));
    sets.addAll(List.of(extra));
    return ExperimentConfigs.fromText("""
        name: "img"
        data { images { format: RANDOM size: 12 channels: 3 random_examples: 40 } }
        generator { arch: DCGAN z_dim: 8 width: 4 }
        discriminator { arch: DCGAN width: 4 spectral_norm: true }
        mixing { gamma: 0.3 reuse: true }
        train { batch_size: 8 n_disc: 2 checkpoint_every: 3 summary_every: 1 sample_every: 3
                intra_op_threads: 1 inter_op_threads: 1 }
        eval { grid_samples: 9 }
        """, "test", sets);
  }

  @Test
  void imageRunEndToEndThroughExportAndReload() throws Exception {
    Path run = tmp.resolve("run");
    Trainer.Result r = Trainer.run(tiny("BGAN", run, 6), quiet(false));
    assertThat(r.exitCode()).isZero();
    assertThat(run.resolve("samples/step-000000003.png")).isRegularFile();
    assertThat(run.resolve("samples/step-000000006.png")).isRegularFile();
    var grid = javax.imageio.ImageIO.read(run.resolve("samples/step-000000006.png").toFile());
    assertThat(grid.getWidth()).isEqualTo(3 * 13 + 1);  // 3 x 3 grid of 12 px images, 1 px padding
    assertThat(Files.readAllLines(run.resolve("losses.csv"))).hasSize(1 + 6).first().isEqualTo("step,d_loss,g_loss");
    try (var s = Files.list(run.resolve("tb"))) {
      Path events = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).findFirst().orElseThrow();
      // The image summary is a PNG-encoded TensorBoard image under the tag "samples".
      assertThat(new String(Files.readAllBytes(events), java.nio.charset.StandardCharsets.ISO_8859_1)).contains("samples").contains("PNG");
    }
    assertThat(r.savedModel()).isEqualTo(tmp.resolve("sm/1"));
    try (SavedModelBundle b = SavedModelBundle.load(r.savedModel().toString(), "serve")) {
      float[] z = Tf.randn(3 * 8, 5, 1.0);
      try (TFloat32 zt = TFloat32.tensorOf(Shape.of(3, 8), DataBuffers.of(z));
          TFloat32 z1 = TFloat32.tensorOf(Shape.of(1, 8), DataBuffers.of(java.util.Arrays.copyOf(z, 8)));
          var out = b.function("serving_default").call(Map.of("z", zt));
          var one = b.function("serving_default").call(Map.of("z", z1))) {
        TFloat32 samples = (TFloat32) out.get("samples").orElseThrow();
        TUint8 images = (TUint8) out.get("images").orElseThrow();
        assertThat(samples.shape()).isEqualTo(Shape.of(3, 12, 12, 3));
        assertThat(images.shape()).isEqualTo(Shape.of(3, 12, 12, 3));
        float[] v = new float[(int) samples.size()];
        samples.copyTo(DataBuffers.of(v, false, false));
        byte[] px = new byte[(int) images.size()];
        images.copyTo(DataBuffers.of(px, false, false));
        for (int i = 0; i < v.length; i++) {
          assertThat(v[i]).isBetween(-1f, 1f);
          assertThat(px[i] & 0xff).isEqualTo(Math.round((v[i] + 1f) * 127.5f));
        }
        // Inference uses the batch-norm running averages: a sample does not depend on its batch.
        float[] v1 = new float[12 * 12 * 3];
        ((TFloat32) one.get("samples").orElseThrow()).copyTo(DataBuffers.of(v1, false, false));
        for (int i = 0; i < v1.length; i++) {
          assertThat(v1[i]).isCloseTo(v[i], org.assertj.core.api.Assertions.within(1e-5f));
        }
      }
    }
  }

  @Test
  void sampleCommandWritesGridsDirectoriesAndArraysForImageGenerators() throws Exception {
    Trainer.Result r = Trainer.run(tiny("MBGAN", tmp.resolve("run"), 2), quiet(false));
    String model = r.savedModel().toString();
    Path grid = tmp.resolve("grid.png");
    assertThat(org.bgan.cli.Main.run(new String[] {"sample", "--model", model, "--num", "10", "--out", grid.toString()})).isZero();
    var img = javax.imageio.ImageIO.read(grid.toFile());
    assertThat(img.getWidth()).isEqualTo(4 * 13 + 1);  // ceil(sqrt(10)) = 4 columns of 12 px + padding
    assertThat(img.getHeight()).isEqualTo(3 * 13 + 1);
    Path dir = tmp.resolve("each");
    assertThat(org.bgan.cli.Main.run(new String[] {"sample", "--model", model, "--num", "3", "--out", dir + "/"})).isZero();
    try (var st = Files.list(dir)) {
      assertThat(st.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("sample-00000.png", "sample-00001.png", "sample-00002.png");
    }
    // A second run into the same folder is refused before any work (fewer samples would leave the
    // earlier run's sample-00002.png beside the new ones); the earlier files are left as they were.
    long before = Files.getLastModifiedTime(dir.resolve("sample-00002.png")).toMillis();
    assertThat(org.bgan.cli.Main.run(new String[] {"sample", "--model", model, "--num", "2", "--out", dir.toString()})).isEqualTo(2);
    try (var st = Files.list(dir)) {
      assertThat(st.count()).isEqualTo(3);
    }
    assertThat(Files.getLastModifiedTime(dir.resolve("sample-00002.png")).toMillis()).isEqualTo(before);
    // Other files in the folder do not count: only this command's own names do.
    Path other = tmp.resolve("other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("notes.txt"), "x");
    assertThat(org.bgan.cli.Main.run(new String[] {"sample", "--model", model, "--num", "1", "--out", other + "/"})).isZero();
    assertThat(other.resolve("sample-00000.png")).exists();
    Path npy = tmp.resolve("s.npy");
    assertThat(org.bgan.cli.Main.run(new String[] {"sample", "--model", model, "--num", "2", "--out", npy.toString()})).isZero();
    String header = new String(Files.readAllBytes(npy), 10, 70, java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(header).contains("'shape': (2, 12, 12, 3)");
    // CSV makes no sense for images: a clear error, exit 2, nothing written.
    Path csv = tmp.resolve("s.csv");
    assertThat(org.bgan.cli.Main.run(new String[] {"sample", "--model", model, "--num", "2", "--out", csv.toString()})).isEqualTo(2);
    assertThat(csv).doesNotExist();
    // nor in a directory of its own: the refused command removes the directories it created for --out
    Path nested = tmp.resolve("new").resolve("deeper").resolve("s.csv");
    assertThat(org.bgan.cli.Main.run(new String[] {"sample", "--model", model, "--num", "2", "--out", nested.toString()})).isEqualTo(2);
    assertThat(tmp.resolve("new")).doesNotExist();
  }

  @Test
  void dataCommandWritesTheRealImagesAndRejectsTooManyOrNonImageData() throws Exception {
    Path preset = tmp.resolve("p.pbtxt");
    Files.writeString(preset, "data { images { format: RANDOM size: 8 channels: 1 random_examples: 6 } }\n"
        + "generator { arch: DCGAN } discriminator { arch: DCGAN }");
    Path dir = tmp.resolve("real");
    assertThat(org.bgan.cli.Main.run(new String[] {"data", preset.toString(), "--num", "5", "--out", dir + "/"})).isZero();
    try (var st = Files.list(dir)) {
      assertThat(st.count()).isEqualTo(5);
    }
    assertThat(org.bgan.cli.Main.run(new String[] {"data", preset.toString(), "--num", "2", "--out", dir + "/"})).isEqualTo(2);
    try (var st = Files.list(dir)) {
      assertThat(st.count()).isEqualTo(5);  // refused: the earlier image-*.png files are untouched
    }
    assertThat(org.bgan.cli.Main.run(new String[] {"data", preset.toString(), "--num", "7", "--out", tmp.resolve("x.png").toString()}))
        .isEqualTo(2);
    assertThat(tmp.resolve("x.png")).doesNotExist();
    assertThat(org.bgan.cli.Main.run(new String[] {"data", "graphs/grid2d_mlp_gan.pbtxt", "--num", "2", "--out", tmp.resolve("y.png").toString()}))
        .isEqualTo(2);
  }

  @Test
  void resumedImageRunSeesTheSameBatchesAsAnUninterruptedOne() throws Exception {
    Path full = tmp.resolve("full");
    Path part = tmp.resolve("part");
    assertThat(Trainer.run(tiny("MBGAN", full, 6), quiet(false)).exitCode()).isZero();
    assertThat(Trainer.run(tiny("MBGAN", part, 3), quiet(false)).exitCode()).isZero();
    assertThat(Trainer.run(tiny("MBGAN", part, 6), quiet(true)).exitCode()).isZero();
    List<String> a = Files.readAllLines(full.resolve("losses.csv"));
    List<String> b = Files.readAllLines(part.resolve("losses.csv"));
    // Exactly: the steps do not depend on thread scheduling (StepOrderTest), also with batch norm.
    assertThat(b).hasSameSizeAs(a).isEqualTo(a);
  }

  @Test
  void anArchitectureThatCannotTakeTheDataFailsBeforeAnythingIsWritten() {
    Path run = tmp.resolve("never");
    Experiment cfg = tiny("BGAN", run, 2, "generator.arch=SNCNN", "discriminator.arch=SNCNN");  // 12 px: not /8
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Trainer.run(cfg, quiet(false)))
        .isInstanceOf(org.bgan.util.UserException.class).hasMessageContaining("divisible by 8");
    assertThat(run).doesNotExist();
  }

  @Test
  void standardGanOnImagesTrainsToo() throws Exception {
    Trainer.Result r = Trainer.run(tiny("GAN", tmp.resolve("gan"), 2, "train.export=false"), quiet(false));
    assertThat(r.exitCode()).isZero();
    assertThat(r.savedModel()).isNull();
  }

  @Test
  void fullSizeCifar10PresetsBuildAndRunOnRandomDataOfTheRightShape() throws Exception {
    for (String preset : List.of("cifar10_sncnn_mbgan", "cifar10_sncnn_sngan")) {
      Experiment.Builder b = ExperimentConfigs.load(Path.of("graphs", preset + ".pbtxt"), List.of()).toBuilder();
      b.getDataBuilder().setImages(org.bgan.config.proto.Images.newBuilder()
          .setFormat(org.bgan.config.proto.Images.Format.RANDOM).setSize(32).setChannels(3).setRandomExamples(128));
      for (String s : List.of("train.steps=2", "train.output_dir=" + tmp.resolve(preset), "train.export=false",
          "train.sample_every=0", "eval.grid_samples=4")) {
        ExperimentConfigs.applyOverride(b, s);
      }
      Experiment cfg = b.build();
      ExperimentConfigs.validate(cfg);
      Trainer.Result r = Trainer.run(cfg, quiet(false));
      assertThat(r.exitCode()).as(preset).isZero();
      assertThat(r.step()).isEqualTo(2);
      assertThat(tmp.resolve(preset).resolve("samples/step-000000002.png")).isRegularFile();
    }
  }
}
