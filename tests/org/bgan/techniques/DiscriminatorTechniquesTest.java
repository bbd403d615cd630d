package org.bgan.techniques;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.layers.Dropout;
import org.bgan.layers.Phase;
import org.bgan.nets.Architectures;
import org.bgan.nets.Network;
import org.bgan.testing.Tf;
import org.bgan.train.Trainer;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** WGAN losses, the consistency term, mixup and dropout: values by hand, gradients, configs. */
class DiscriminatorTechniquesTest {
  @TempDir
  Path tmp;

  private static double softplus(double x) {
    return Math.log1p(Math.exp(x));
  }

  @Test
  void wassersteinLossesMatchHandValuesAndTheirGradients() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> real = tf.constant(new float[] {1f, 2f, 3f});
      Operand<TFloat32> fake = tf.constant(new float[] {-1f, 0.5f});
      // mean(fake) − mean(real) = −0.25 − 2 = −2.25; generator −mean(fake) = 0.25.
      assertThat(Tf.scalar(s, Wasserstein.criticLoss(tf, real, fake))).isCloseTo(-2.25f, within(1e-6f));
      assertThat(Tf.scalar(s, Wasserstein.generatorLoss(tf, fake))).isCloseTo(0.25f, within(1e-6f));
    }
    Tf.checkGradient(Shape.of(3), new float[] {1f, 2f, 3f}, x -> {
      Ops tf = Ops.create((org.tensorflow.Graph) x[0].env());
      return Wasserstein.criticLoss(tf, x[0], tf.constant(new float[] {-1f, 0.5f}));
    }, 1e-3, 1e-4, 1e-3);
    Tf.checkGradient(Shape.of(2), new float[] {-1f, 0.5f}, x -> {
      Ops tf = Ops.create((org.tensorflow.Graph) x[0].env());
      return Wasserstein.generatorLoss(tf, x[0]);
    }, 1e-3, 1e-4, 1e-3);
  }

  @Test
  void consistencyTermMatchesHandValuesAndItsGradient() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      // |d1 − d2| = 0.4, 0.05, 0.6; minus M' = 0.2 and clipped at 0: 0.2, 0, 0.4; mean 0.2; × λ₂ = 2: 0.4.
      Operand<TFloat32> ct = ConsistencyTerm.term(tf, tf.constant(new float[] {0.5f, 1f, -0.2f}),
          tf.constant(new float[] {0.1f, 1.05f, 0.4f}), 2f, 0.2f);
      assertThat(Tf.scalar(s, ct)).isCloseTo(0.4f, within(1e-6f));
    }
    // d/dd1 = λ₂/B · sign(d1 − d2) where the hinge is active, else 0 (points away from the kinks).
    Tf.checkGradient(Shape.of(3), new float[] {0.5f, 1f, -0.2f}, x -> {
      Ops tf = Ops.create((org.tensorflow.Graph) x[0].env());
      return ConsistencyTerm.term(tf, x[0], tf.constant(new float[] {0.1f, 1.05f, 0.4f}), 2f, 0.2f);
    }, 1e-3, 1e-4, 1e-3);
  }

  @Test
  void mixupMixesPerSampleAndItsLossIsTheCrossEntropyToTheRatio() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> lam = tf.constant(new float[] {0.25f, 0.9f});
      // Row 0: 0.25·(1, 1) + 0.75·(0, 2) = (0.25, 1.75); row 1: 0.9·(2, 0) + 0.1·(4, 10) = (2.2, 1).
      float[] mixed = Tf.flat(s, Mixup.mix(tf, tf.constant(new float[][] {{1f, 1f}, {2f, 0f}}),
          tf.constant(new float[][] {{0f, 2f}, {4f, 10f}}), lam));
      assertThat(mixed).containsExactly(new float[] {0.25f, 1.75f, 2.2f, 1f}, org.assertj.core.data.Offset.offset(1e-6f));
      double want = (0.25 * softplus(-1) + 0.75 * softplus(1) + 0.9 * softplus(2) + 0.1 * softplus(-2)) / 2;
      assertThat((double) Tf.scalar(s, Mixup.discriminatorLoss(tf, tf.constant(new float[] {1f, -2f}), lam)))
          .isCloseTo(want, within(1e-6));

      int n = 20000;
      float[] l = Tf.flat(s, Mixup.lambdas(tf, tf.constant(new long[] {3, 4}), n, 0.2f));
      double m = 0;
      double v = 0;
      for (float a : l) {
        assertThat(a).isBetween(0f, 1f);
        m += a / n;
      }
      for (float a : l) {
        v += (a - m) * (a - m) / (n - 1);
      }
      // Beta(0.2, 0.2): mean 1/2, variance 1/(4(2α + 1)) = 0.178571; s.e. of the mean sqrt(0.1786/20000)
      // = 0.003, of the variance about 0.001 (most mass near 0 and 1); bounds of ~5 s.e.
      assertThat(m).isCloseTo(0.5, within(0.015));
      assertThat(v).isCloseTo(0.178571, within(0.006));
      float[] again = Tf.flat(s, Mixup.lambdas(tf, tf.constant(new long[] {3, 4}), n, 0.2f));
      assertThat(again).containsExactly(l);
    }
    Tf.checkGradient(Shape.of(2), new float[] {1f, -2f}, x -> {
      Ops tf = Ops.create((org.tensorflow.Graph) x[0].env());
      return Mixup.discriminatorLoss(tf, x[0], tf.constant(new float[] {0.25f, 0.9f}));
    }, 1e-3, 1e-4, 1e-3);
  }

  @Test
  void dropoutKeepsTheExpectedFractionScalesTheKeptEntriesAndRepeatsWithItsSeed() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      int n = 10000;
      Operand<TFloat32> ones = tf.fill(tf.constant(new long[] {n}), tf.constant(1f));
      Operand<TInt64> seed = tf.constant(new long[] {1, 2});
      float[] a = Tf.flat(s, new Dropout(0.5f, seed).apply(tf, ones, 0));
      float[] b = Tf.flat(s, new Dropout(0.5f, seed).apply(tf, ones, 0));
      float[] c = Tf.flat(s, new Dropout(0.5f, seed).apply(tf, ones, 1));
      assertThat(a).containsExactly(b);
      assertThat(a).isNotEqualTo(c);
      int zeros = 0;
      for (float v : a) {
        assertThat(v).isIn(0f, 2f); // kept entries scaled by 1/(1 − 0.5)
        zeros += v == 0f ? 1 : 0;
      }
      // Binomial(10000, 1/2): s.e. 50; bound of 5 s.e.
      assertThat(zeros).isBetween(4750, 5250);
      assertThat(Tf.flat(s, new Dropout(0f, seed).apply(tf, ones, 0))).containsOnly(1f);
    }
    assertThatThrownBy(() -> new Dropout(1f, null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void discriminatorsWithoutDropoutAreUnchangedAndTwoDropoutSeedsGiveTwoPerturbations() {
    for (String arch : List.of("MLP", "DCGAN")) {
      Experiment cfg = ExperimentConfigs.parse("""
          data { images { format: RANDOM size: 8 channels: 1 } }
          generator { arch: %s z_dim: 4 width: 2 } discriminator { arch: %s width: 2 hidden: [8, 8] }
          loss: WGAN techniques { gradient_penalty: 10 }
          """.formatted(arch, arch), "test").build();
      long[] shape = arch.equals("MLP") ? new long[] {2} : new long[] {8, 8, 1};
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Network d = Architectures.discriminator(tf, cfg, shape);
        long per = arch.equals("MLP") ? 2 : 64;
        long[] dims = arch.equals("MLP") ? new long[] {4, 2} : new long[] {4, 8, 8, 1};
        Operand<TFloat32> x = tf.constant(Shape.of(dims), org.tensorflow.ndarray.buffer.DataBuffers.of(Tf.randn((int) (4 * per), 2, 1.0)));
        Operand<TFloat32> plain = d.apply(tf, x, 1, Phase.train());
        Operand<TFloat32> none = d.apply(tf, x, 1, Phase.train(), null);
        Operand<TFloat32> p1 = d.apply(tf, x, 1, Phase.train(), new Dropout(0.5f, tf.constant(new long[] {1, 1})));
        Operand<TFloat32> p2 = d.apply(tf, x, 1, Phase.train(), new Dropout(0.5f, tf.constant(new long[] {1, 2})));
        Operand<TFloat32> p1again = d.apply(tf, x, 1, Phase.train(), new Dropout(0.5f, tf.constant(new long[] {1, 1})));
        try (Session s = new Session(g)) {
          s.initialize();
          assertThat(Tf.flat(s, none)).as(arch).containsExactly(Tf.flat(s, plain));
          assertThat(Tf.flat(s, p1)).as(arch).containsExactly(Tf.flat(s, p1again));
          assertThat(Tf.flat(s, p1)).as(arch).isNotEqualTo(Tf.flat(s, p2));
        }
      }
    }
  }

  private Experiment cfg(String loss, String... sets) {
    List<String> all = new ArrayList<>(List.of("loss=" + loss,
        "train.output_dir=" + tmp.resolve(loss + sets.length + Math.abs(String.join("", sets).hashCode()))));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "t" data { synthetic2d { kind: RING train_size: 300 } }
        generator { hidden: [16] } discriminator { hidden: [16, 16] }
        train { batch_size: 8 n_disc: 2 steps: 3 checkpoint_every: 3 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { num_samples: 50 }
        """, "test", all);
  }

  @Test
  void configsSwitchingEachTechniqueOnBuildAndTrain() throws Exception {
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    List<Experiment> all = List.of(
        cfg("WGAN", "techniques.weight_clip=0.01", "d_optimizer.kind=RMSPROP", "g_optimizer.kind=RMSPROP",
            "d_optimizer.learning_rate=5e-5", "g_optimizer.learning_rate=5e-5"),
        cfg("WGAN", "techniques.gradient_penalty=10", "d_optimizer.beta1=0", "d_optimizer.beta2=0.9"),
        cfg("WGAN", "techniques.gradient_penalty=10", "techniques.consistency_weight=2"),
        cfg("GAN", "techniques.gradient_penalty=10"),
        cfg("GAN", "techniques.consistency_weight=2", "techniques.instance_noise=0.1"),
        cfg("GAN", "techniques.mixup_alpha=0.2"),
        cfg("GAN", "techniques.mixup_alpha=0.2", "techniques.gradient_penalty=1", "techniques.generator_loss=MINIMAX"));
    for (Experiment e : all) {
      Trainer.Result r = Trainer.run(e, new Trainer.Options(false, quiet, false));
      assertThat(r.exitCode()).as(e.getLoss() + " " + e.getTechniques()).isZero();
      assertThat(r.step()).isEqualTo(3);
    }
  }

  @Test
  void badValuesAndTechniquesThatDoNotApplyToTheLossAreRejectedNamingTheField() {
    assertThatThrownBy(() -> cfg("BGAN", "techniques.gradient_penalty=10")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.gradient_penalty").hasMessageContaining("BGAN");
    assertThatThrownBy(() -> cfg("MBGAN", "techniques.consistency_weight=2")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.consistency_weight");
    assertThatThrownBy(() -> cfg("GAN", "techniques.weight_clip=0.01")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.weight_clip").hasMessageContaining("WGAN");
    assertThatThrownBy(() -> cfg("WGAN", "techniques.mixup_alpha=0.2", "techniques.weight_clip=0.01"))
        .isInstanceOf(UserException.class).hasMessageContaining("techniques.mixup_alpha");
    assertThatThrownBy(() -> cfg("GAN", "techniques.mixup_alpha=-1")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.mixup_alpha");
    assertThatThrownBy(() -> cfg("GAN", "techniques.gradient_penalty=inf")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.gradient_penalty");
    assertThatThrownBy(() -> cfg("GAN", "techniques.consistency_weight=2", "techniques.consistency_dropout=1"))
        .isInstanceOf(UserException.class).hasMessageContaining("techniques.consistency_dropout");
    assertThatThrownBy(() -> cfg("GAN", "techniques.consistency_weight=2", "techniques.consistency_dropout=0"))
        .isInstanceOf(UserException.class).hasMessageContaining("techniques.consistency_dropout");
    assertThatThrownBy(() -> cfg("GAN", "techniques.consistency_margin=-0.1")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.consistency_margin");
    assertThatThrownBy(() -> cfg("WGAN")).isInstanceOf(UserException.class)
        .hasMessageContaining("Lipschitz").hasMessageContaining("techniques.weight_clip");
    assertThatThrownBy(() -> cfg("WGAN", "techniques.weight_clip=0.01", "techniques.real_label=0.9"))
        .isInstanceOf(UserException.class).hasMessageContaining("techniques.real_label");
    assertThatThrownBy(() -> cfg("GAN", "d_optimizer.rmsprop_decay=1")).isInstanceOf(UserException.class)
        .hasMessageContaining("d_optimizer.rmsprop_decay");
    assertThatThrownBy(() -> cfg("GAN", "g_optimizer.rmsprop_momentum=-0.5")).isInstanceOf(UserException.class)
        .hasMessageContaining("g_optimizer.rmsprop_momentum");
  }
  @Test
  void presetsMirrorTheirGanPresetWithThePublishedSettingsOfTheTechnique() {
    String[][] pairs = {
        {"grid2d_mlp_wgangp", "grid2d_mlp_gan"}, {"ring2d_mlp_wgangp", "ring2d_mlp_gan"},
        {"grid2d_mlp_mixup", "grid2d_mlp_gan"}, {"ring2d_mlp_mixup", "ring2d_mlp_gan"},
        {"fmnist_dcgan_wgangp", "fmnist_dcgan_gan"}};
    for (String[] p : pairs) {
      Experiment t = ExperimentConfigs.load(Path.of("graphs", p[0] + ".pbtxt"), List.of());
      Experiment gan = ExperimentConfigs.load(Path.of("graphs", p[1] + ".pbtxt"), List.of());
      assertThat(t.getData()).as(p[0]).isEqualTo(gan.getData());
      assertThat(t.getGenerator()).as(p[0]).isEqualTo(gan.getGenerator());
      assertThat(t.getDiscriminator()).as(p[0]).isEqualTo(gan.getDiscriminator());
      assertThat(t.getTrain().getBatchSize()).as(p[0]).isEqualTo(gan.getTrain().getBatchSize());
      assertThat(t.getTrain().getSteps()).as(p[0]).isEqualTo(gan.getTrain().getSteps());
      assertThat(t.getEval()).as(p[0]).isEqualTo(gan.getEval());
      if (p[0].contains("wgangp")) {
        // Gulrajani et al., Algorithm 1: λ = 10, n_critic = 5, Adam α = 1e-4, β1 = 0, β2 = 0.9.
        assertThat(t.getLoss()).isEqualTo(org.bgan.config.proto.LossKind.WGAN);
        assertThat(t.getTechniques().getGradientPenalty()).isEqualTo(GradientPenalty.DEFAULT_WEIGHT);
        assertThat(t.getTrain().getNDisc()).isEqualTo(5);
        for (var o : List.of(t.getGOptimizer(), t.getDOptimizer())) {
          assertThat(o.getKind()).isEqualTo(org.bgan.config.proto.Optimizer.Kind.ADAM);
          assertThat(o.getLearningRate()).isEqualTo(1e-4f);
          assertThat(o.getBeta1()).isZero();
          assertThat(o.getBeta2()).isEqualTo(0.9f);
        }
      } else {
        // mixup paper's GAN experiment: α = 0.2; everything else as the GAN preset (BGAN paper Fig. 3).
        assertThat(t.getLoss()).isEqualTo(org.bgan.config.proto.LossKind.GAN);
        assertThat(t.getTechniques().getMixupAlpha()).isEqualTo(Mixup.DEFAULT_ALPHA);
        assertThat(t.getGOptimizer()).isEqualTo(gan.getGOptimizer());
        assertThat(t.getDOptimizer()).isEqualTo(gan.getDOptimizer());
        assertThat(t.getTrain().getNDisc()).isEqualTo(gan.getTrain().getNDisc());
      }
    }
  }
  @Test
  void theTechniquesRandomnessIsAFunctionOfTheStepSeed() {
    // ε of the penalty, the dropout masks of the consistency term and mixup's λ are stateless draws from
    // the fed step seed: the same seed gives the same D loss (what makes a resumed run exact), another
    // seed another loss.
    for (Experiment cfg : List.of(cfg("WGAN", "techniques.gradient_penalty=10", "techniques.consistency_weight=2",
        "techniques.consistency_margin=0"), cfg("GAN", "techniques.mixup_alpha=0.2"))) {
      try (Graph g = new Graph()) {
        var tg = org.bgan.train.TrainGraph.build(g, cfg, org.bgan.data.DataSources.create(cfg.getData()));
        try (Session s = new Session(g)) {
          s.initialize();
          float a = dLoss(s, tg, 5);
          float b = dLoss(s, tg, 5);
          float c = dLoss(s, tg, 6);
          assertThat(a).as(cfg.getTechniques().toString()).isEqualTo(b).isNotEqualTo(c);
        }
      }
    }
  }

  private static float dLoss(Session s, org.bgan.train.TrainGraph tg, long counter) {
    try (TInt64 seed = TInt64.vectorOf(0, counter);
        org.tensorflow.Result r = s.runner().feed(tg.model.stepSeed(), seed).fetch(tg.model.dLoss()).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }
}
