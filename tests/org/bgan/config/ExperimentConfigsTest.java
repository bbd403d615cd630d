package org.bgan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.LossKind;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentConfigsTest {
  @TempDir
  Path tmp;

  @Test
  void settingsWithoutEffectAreNamed() {
    String base = "name: \"t\" data { synthetic2d { kind: GRID } } ";
    assertThat(ExperimentConfigs.ineffective(ExperimentConfigs.fromText(base + "loss: GAN mixing { gamma: 0.2 }", "t", List.of())))
        .singleElement().asString().contains("'mixing' has no effect with loss: GAN");
    assertThat(ExperimentConfigs.ineffective(ExperimentConfigs.fromText(base + "loss: WGAN techniques { gradient_penalty: 10 }",
        "t", List.of("discriminator.equivariant=false")))).singleElement().asString()
        .contains("discriminator.equivariant has no effect with loss: WGAN");
    assertThat(ExperimentConfigs.ineffective(ExperimentConfigs.fromText(base + "loss: BGAN mixing { beta_a: 2 }", "t", List.of())))
        .singleElement().asString().contains("SMOOTHING prior");
    assertThat(ExperimentConfigs.ineffective(ExperimentConfigs.fromText(base + "loss: MBGAN mixing { prior: BETA gamma: 0.3 }",
        "t", List.of()))).singleElement().asString().contains("mixing.gamma has no effect with the BETA prior");
    assertThat(ExperimentConfigs.ineffective(ExperimentConfigs.fromText(base, "t",
        List.of("techniques.instance_noise_steps=100", "train.sample_every=10"))))
        .hasSize(2).anyMatch(n -> n.contains("instance_noise_steps")).anyMatch(n -> n.contains("sample_every"));
    // the same settings where they act: nothing to say
    assertThat(ExperimentConfigs.ineffective(ExperimentConfigs.fromText(base + "loss: BGAN mixing { gamma: 0.2 }", "t",
        List.of("techniques.instance_noise=0.5", "techniques.instance_noise_steps=100")))).isEmpty();
    assertThat(ExperimentConfigs.ineffective(ExperimentConfigs.fromText(base + "loss: MBGAN mixing { prior: BETA beta_a: 2 }",
        "t", List.of()))).isEmpty();
  }

  @Test
  void everyPresetInGraphsLoadsAndValidates() throws Exception {
    try (Stream<Path> s = Files.list(Path.of("graphs"))) {
      List<Path> all = s.filter(p -> p.toString().endsWith(".pbtxt")).sorted().toList();
      List<Path> presets = all.stream().filter(p -> !p.getFileName().toString().startsWith("study_")).toList();
      assertThat(presets).hasSizeGreaterThanOrEqualTo(15);
      for (Path p : presets) {
        Experiment e = ExperimentConfigs.load(p, List.of());
        assertThat(e.getName()).as(p.toString()).isEqualTo(p.getFileName().toString().replace(".pbtxt", "")
            .replace("demo_grid2d_mlp_bgan", "demo"));
        // The paper's 2-D setup uses 5 D steps per G step; its image presets 1 (SPEC §5); WGAN's
        // n_critic is 5 (Arjovsky et al.; Gulrajani et al.).
        assertThat(e.getTrain().getNDisc()).as(p.toString())
            .isEqualTo(e.getData().hasSynthetic2D() || e.getLoss() == LossKind.WGAN ? 5 : 1);
        // and sets nothing that has no effect
        assertThat(ExperimentConfigs.ineffective(e)).as(p.toString()).isEmpty();
      }
      // Study files: every arm of every seed resolves to a valid experiment.
      for (Path p : all.stream().filter(p -> p.getFileName().toString().startsWith("study_")).toList()) {
        var study = org.bgan.study.StudyRunner.load(p);
        for (var arm : study.getArmList()) {
          for (long seed : org.bgan.study.StudyRunner.seeds(study)) {
            assertThat(org.bgan.study.StudyRunner.experiment(p, study, arm, seed).getTrain().getSeed()).isEqualTo(seed);
          }
        }
      }
    }
    Experiment bgan = ExperimentConfigs.load(Path.of("graphs/grid2d_mlp_bgan.pbtxt"), List.of());
    assertThat(bgan.getLoss()).isEqualTo(LossKind.BGAN);
    assertThat(bgan.getMixing().getGamma()).isEqualTo(0.3f);
    assertThat(ExperimentConfigs.hidden(bgan.getDiscriminator())).containsExactly(512, 512, 512);
  }

  @Test
  void overridesReplaceScalarsRepeatedFieldsAndEnums() {
    Experiment.Builder b = ExperimentConfigs.parse("name: \"x\" data { synthetic2d {} } train { plot_at: [1, 2] }", "t");
    ExperimentConfigs.applyOverride(b, "train.steps=42");
    ExperimentConfigs.applyOverride(b, "loss=MBGAN");
    ExperimentConfigs.applyOverride(b, "train.plot_at=5,6,7");
    ExperimentConfigs.applyOverride(b, "train.output_dir=some dir/with \"quotes\"");
    ExperimentConfigs.applyOverride(b, "mixing.gamma=0.25");
    Experiment e = b.build();
    assertThat(e.getTrain().getSteps()).isEqualTo(42);
    assertThat(e.getLoss()).isEqualTo(LossKind.MBGAN);
    assertThat(e.getTrain().getPlotAtList()).containsExactly(5L, 6L, 7L);
    assertThat(e.getTrain().getOutputDir()).isEqualTo("some dir/with \"quotes\"");
    assertThat(e.getMixing().getGamma()).isEqualTo(0.25f);
    assertThat(e.getMixing().getReuse()).isTrue(); // defaults stay
  }

  @Test
  void aByteOrderMarkIsDroppedAndABinaryFileIsNamedAsSuch() throws Exception {
    Path bom = tmp.resolve("bom.pbtxt");
    Files.writeString(bom, "\uFEFF" + Files.readString(Path.of("graphs/grid2d_mlp_bgan.pbtxt")));
    assertThat(ExperimentConfigs.load(bom, List.of()).getName()).isEqualTo("grid2d_mlp_bgan");
    Path bin = Files.write(tmp.resolve("graph.pb"), new byte[] {0x0a, (byte) 0xff, (byte) 0xfe, 0x00, 0x12});
    assertThatThrownBy(() -> ExperimentConfigs.load(bin, List.of())).isInstanceOf(UserException.class)
        .hasMessage("config file " + bin + " is not UTF-8 text (a binary file?); it should be protobuf text format");
    assertThatThrownBy(() -> ExperimentConfigs.load(tmp, List.of())).isInstanceOf(UserException.class)
        .hasMessageStartingWith("cannot read config file " + tmp);
  }

  @Test
  void unknownFieldsNameTheFileAndLine() throws Exception {
    Path f = tmp.resolve("bad.pbtxt");
    Files.writeString(f, "name: \"x\"\ndata { synthetic2d {} }\ntrain {\n  stepz: 3\n}\n");
    assertThatThrownBy(() -> ExperimentConfigs.load(f, List.of()))
        .isInstanceOf(UserException.class)
        .hasMessage(f + ":4:3: unknown field 'stepz' in bgan.Train");
    assertThatThrownBy(() -> ExperimentConfigs.load(tmp.resolve("missing.pbtxt"), List.of()))
        .isInstanceOf(UserException.class).hasMessageContaining("not found").hasMessageContaining("missing.pbtxt");
    assertThatThrownBy(() -> ExperimentConfigs.applyOverride(Experiment.newBuilder(), "train.nope=1"))
        .hasMessageContaining("unknown field 'nope'");
    assertThatThrownBy(() -> ExperimentConfigs.applyOverride(Experiment.newBuilder(), "train.steps"))
        .hasMessageContaining("key=value");
    assertThatThrownBy(() -> ExperimentConfigs.applyOverride(Experiment.newBuilder(), "train.steps=many"))
        .isInstanceOf(UserException.class).hasMessageContaining("train.steps=many");
    // a study file given where an experiment config goes: the parser's error, then what the file is
    Path study = Path.of("graphs", "study_2d_ring.pbtxt");
    assertThatThrownBy(() -> ExperimentConfigs.load(study, List.of())).isInstanceOf(UserException.class)
        .hasMessageContaining(study + ":").hasMessageContaining("this is a study (arms x seeds)")
        .hasMessageContaining("tools/bgan study " + study);
    // ... and not for a broken experiment config
    assertThatThrownBy(() -> ExperimentConfigs.load(f, List.of())).hasMessageNotContaining("study");
  }

  private static void invalid(String override, String message) {
    Experiment.Builder b = ExperimentConfigs.parse("name: \"x\" data { synthetic2d {} }", "t");
    ExperimentConfigs.applyOverride(b, override);
    assertThatThrownBy(() -> ExperimentConfigs.validate(b.build()))
        .as(override).isInstanceOf(UserException.class).hasMessageContaining(message);
  }

  @Test
  void learningRateDecayIsAdamOnly() {
    Experiment.Builder b = ExperimentConfigs.parse("name: \"x\" data { synthetic2d {} }", "t");
    ExperimentConfigs.applyOverride(b, "d_optimizer.kind=RMSPROP");
    ExperimentConfigs.applyOverride(b, "d_optimizer.final_lr_fraction=0.5");
    assertThatThrownBy(() -> ExperimentConfigs.validate(b.build())).isInstanceOf(UserException.class)
        .hasMessageContaining("d_optimizer.final_lr_fraction").hasMessageContaining("ADAM");
  }

  @Test
  void mixGanRejectsOptionsItsStepsDoNotWire() {
    for (String other : List.of("techniques.feature_matching=true", "techniques.historical_averaging=0.1",
        "techniques.minibatch_discrimination=true")) {
      Experiment.Builder b = ExperimentConfigs.parse("name: \"x\" loss: GAN data { synthetic2d {} }", "t");
      ExperimentConfigs.applyOverride(b, "techniques.mix_components=2");
      ExperimentConfigs.applyOverride(b, other);
      String field = other.substring(0, other.indexOf('='));
      assertThatThrownBy(() -> ExperimentConfigs.validate(b.build()))
          .as(other).isInstanceOf(UserException.class).hasMessageContaining(field).hasMessageContaining("MIX+GAN");
    }
  }

  @Test
  void badValuesNameTheirField() {
    invalid("train.batch_size=0", "train.batch_size must be positive");
    invalid("train.batch_size=-5", "train.batch_size must be positive");
    invalid("train.n_disc=0", "train.n_disc");
    invalid("mixing.gamma=0.6", "mixing.gamma must be in [0, 0.5]");
    invalid("mixing.gamma=-0.1", "mixing.gamma must be in [0, 0.5]");
    invalid("mixing.gamma=nan", "mixing.gamma");
    invalid("train.batch_size=1", "at least 2");
    invalid("d_optimizer.learning_rate=0", "d_optimizer.learning_rate");
    invalid("g_optimizer.final_lr_fraction=0", "g_optimizer.final_lr_fraction");
    invalid("d_optimizer.final_lr_fraction=1.5", "d_optimizer.final_lr_fraction");
    invalid("generator.hidden=64,0", "generator.hidden");
    invalid("name=a/b", "name");
    invalid("train.plot_at=-1", "plot_at");
    // Sizes past what TensorFlow or the JVM can allocate: refused by name, not a JVM crash or an OutOfMemoryError.
    invalid("eval.num_samples=2000000000", "eval.num_samples must be at most 1,000,000");
    invalid("train.batch_size=100000000", "train.batch_size must be at most 65,536");
    invalid("generator.z_dim=2000000000", "generator.z_dim must be at most 8,192");
    invalid("discriminator.hidden=512,100000", "discriminator.hidden has a width 100000");
    invalid("eval.grid_samples=1000000", "eval.grid_samples must be at most 10,000");
    invalid("data.synthetic2d.train_size=2000000000", "data.synthetic2d.train_size must be at most 10,000,000");
    invalid("g_optimizer.epsilon=inf", "g_optimizer.epsilon");
    // '~' after --set key= is not expanded by the shell: it made a directory named '~' in the working directory
    invalid("train.output_dir=~/runs/x", "train.output_dir '~/runs/x' starts with '~'");
    invalid("train.export_dir=~", "train.export_dir '~' starts with '~'");
    Experiment.Builder inside = ExperimentConfigs.parse("name: \"x\" data { synthetic2d {} }", "t");
    ExperimentConfigs.applyOverride(inside, "train.output_dir=/tmp/~x/y");  // only a leading '~' is refused
    ExperimentConfigs.validate(inside.build());
    Experiment.Builder tilde = ExperimentConfigs.parse("name: \"x\" data { images { path: \"~/fashion-mnist\" } }", "t");
    assertThatThrownBy(() -> ExperimentConfigs.validate(tilde.build())).hasMessageContaining("data.images.path '~/fashion-mnist'");
    Experiment.Builder images = ExperimentConfigs.parse("name: \"x\" data { images { format: RANDOM prefetch: 1000000000 } }", "t");
    assertThatThrownBy(() -> ExperimentConfigs.validate(images.build())).hasMessageContaining("data.images.prefetch must be at most 256");
    Experiment.Builder noData = ExperimentConfigs.parse("name: \"x\"", "t");
    assertThatThrownBy(() -> ExperimentConfigs.validate(noData.build())).hasMessageContaining("'data' is required");
    Experiment.Builder beta = ExperimentConfigs.parse("name: \"x\" data { synthetic2d {} } mixing { prior: BETA beta_a: 0 }", "t");
    assertThatThrownBy(() -> ExperimentConfigs.validate(beta.build())).hasMessageContaining("beta_a");
  }
}
