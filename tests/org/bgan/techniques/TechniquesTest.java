package org.bgan.techniques;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.losses.Losses;
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

/** SPEC §6 techniques: one-sided label smoothing, the minimax generator loss, instance noise. */
class TechniquesTest {
  @TempDir
  Path tmp;

  private static double softplus(double x) {
    return Math.log1p(Math.exp(x));
  }

  @Test
  void oneSidedLabelSmoothingMatchesHandValuesAndReducesToTheStandardLoss() {
    float[] real = {2f, -1f, 0.5f};
    float[] fake = {-3f, 1f};
    // 0.9·softplus(−o) + 0.1·softplus(o) averaged over real, plus mean softplus(o) over fake.
    double want = 0;
    for (float o : real) {
      want += (0.9 * softplus(-o) + 0.1 * softplus(o)) / 3;
    }
    for (float o : fake) {
      want += softplus(o) / 2;
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> r = tf.constant(real);
      Operand<TFloat32> f = tf.constant(fake);
      assertThat((double) Tf.scalar(s, Losses.ganDiscriminatorSmoothed(tf, r, f, 0.9f))).isCloseTo(want, within(1e-6));
      assertThat(Tf.scalar(s, Losses.ganDiscriminatorSmoothed(tf, r, f, 1f)))
          .isCloseTo(Tf.scalar(s, Losses.ganDiscriminator(tf, r, f)), within(1e-6f));
    }
  }

  @Test
  void labelSmoothingGradient() {
    Tf.checkGradient(Shape.of(4), new float[] {1.5f, -0.5f, 3f, -2f}, x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return Losses.ganDiscriminatorSmoothed(tf, x[0], tf.constant(new float[] {0.3f, -1f}), 0.9f);
    }, 1e-3, 1e-4, 1e-3);
  }

  @Test
  void minimaxGeneratorLossMatchesHandValuesAndItsGradientSaturates() {
    float[] fake = {-4f, 0f, 2f};
    double want = -(softplus(-4) + softplus(0) + softplus(2)) / 3;  // mean log(1 − σ(o))
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      assertThat((double) Tf.scalar(s, Losses.ganGeneratorMinimax(tf, tf.constant(fake)))).isCloseTo(want, within(1e-6));

    }
    Tf.checkGradient(Shape.of(3), fake, x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return Losses.ganGeneratorMinimax(tf, x[0]);
    }, 1e-3, 1e-4, 1e-3);
  }

  @Test
  void instanceNoiseIsAnnealedLinearlyToZeroAndHasTheScheduledStandardDeviation() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      int nDisc = 4;
      // counter = step·(n_disc + 1) + k
      float[] expect = {0.5f, 0.5f * 0.75f, 0.25f, 0f, 0f};
      long[] steps = {0, 25, 50, 100, 150};
      for (int i = 0; i < steps.length; i++) {
        Operand<org.tensorflow.types.TInt64> seed = tf.constant(new long[] {7, steps[i] * (nDisc + 1) + 3});
        assertThat(Tf.scalar(s, InstanceNoise.sigma(tf, seed, nDisc, 0.5f, 100))).as("step %d", steps[i])
            .isCloseTo(expect[i], within(1e-6f));
      }
      Operand<org.tensorflow.types.TInt64> seed = tf.constant(new long[] {7, 3});
      Operand<TFloat32> x = tf.fill(tf.constant(new long[] {20000}), tf.constant(1f));
      float[] y = Tf.flat(s, InstanceNoise.add(tf, x, tf.constant(0.5f), seed));
      double m = 0;
      double v = 0;
      for (float a : y) {
        m += a / y.length;
      }
      for (float a : y) {
        v += (a - m) * (a - m) / (y.length - 1);
      }
      // 20,000 draws: s.e. of the mean 0.5/sqrt(20000) = 0.0035, of the sd about 0.0025; bounds of ~5 s.e.
      assertThat(m).isCloseTo(1.0, within(0.018));
      assertThat(Math.sqrt(v)).isCloseTo(0.5, within(0.013));
    }
  }

  private Experiment cfg(String loss, String... sets) {
    List<String> all = new java.util.ArrayList<>(List.of("loss=" + loss,
        "train.output_dir=" + tmp.resolve(loss + sets.length + String.join("", sets).hashCode())));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "t" data { synthetic2d { kind: RING train_size: 300 } }
        generator { hidden: [16] } discriminator { hidden: [16] }
        mixing { gamma: 0.3 }
        train { batch_size: 8 n_disc: 2 steps: 3 checkpoint_every: 3 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { num_samples: 50 }
        """, "test", all);
  }

  @Test
  void configsSwitchingEachTechniqueOnBuildAndTrain() throws Exception {
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    List<Experiment> all = List.of(
        cfg("GAN", "techniques.real_label=0.9"),
        cfg("GAN", "techniques.generator_loss=MINIMAX"),
        cfg("GAN", "techniques.instance_noise=0.1"),
        cfg("MBGAN", "techniques.instance_noise=0.2", "techniques.instance_noise_steps=2"),
        cfg("GAN", "techniques.real_label=0.9", "techniques.generator_loss=MINIMAX", "techniques.instance_noise=0.1"));
    for (Experiment e : all) {
      Trainer.Result r = Trainer.run(e, new Trainer.Options(false, quiet, false));
      assertThat(r.exitCode()).as(e.getTechniques().toString()).isZero();
      assertThat(r.step()).isEqualTo(3);
    }
  }

  @Test
  void techniquesThatDoNotApplyToTheLossAreRejected() {
    assertThatThrownBy(() -> cfg("BGAN", "techniques.real_label=0.9")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.real_label");
    assertThatThrownBy(() -> cfg("MBGAN", "techniques.generator_loss=MINIMAX")).isInstanceOf(UserException.class)
        .hasMessageContaining("MINIMAX");
    assertThatThrownBy(() -> cfg("GAN", "techniques.real_label=1.5")).isInstanceOf(UserException.class)
        .hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> cfg("GAN", "techniques.instance_noise=-1")).isInstanceOf(UserException.class)
        .hasMessageContaining("instance_noise");
  }
}
