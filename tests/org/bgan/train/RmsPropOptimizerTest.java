package org.bgan.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.testing.Tf;
import org.bgan.techniques.WeightClip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** RMSProp against a plain-Java recomputation, WGAN weight clipping, and both in checkpoints and training. */
class RmsPropOptimizerTest {
  @TempDir
  Path tmp;

  @Test
  void threeStepsMatchThePlainJavaUpdate() {
    float lr = 0.01f;
    float rho = 0.9f;
    float mu = 0.5f;
    float eps = 1e-8f;
    float[] w = {0.5f, -1f, 2f};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> v = org.bgan.layers.Vars.create(tf, "w", tf.constant(w.clone()));
      // loss = Σ w³/3 + 0.3·Σ w: gradient w² + 0.3 (Mul, not Square on a Variable: see TFJAVA.md).
      Operand<TFloat32> loss = tf.math.add(
          tf.reduceSum(tf.math.mul(tf.math.mul(v, v), tf.math.div(v, tf.constant(3f))), tf.constant(0)),
          tf.math.mul(tf.constant(0.3f), tf.reduceSum(v, tf.constant(0))));
      Op step = RmsPropOptimizer.apply(tf, "opt", org.bgan.config.proto.Optimizer.newBuilder()
          .setKind(org.bgan.config.proto.Optimizer.Kind.RMSPROP).setLearningRate(lr).setRmspropDecay(rho)
          .setRmspropMomentum(mu).setEpsilon(eps).build(), List.of(v), tf.gradients(loss, List.of(v)));
      s.initialize();
      double[] ms = new double[3];
      double[] mom = new double[3];
      double[] x = {w[0], w[1], w[2]};
      for (int t = 0; t < 3; t++) {
        s.run(step);
        for (int i = 0; i < 3; i++) {
          double grad = x[i] * x[i] + 0.3;
          ms[i] = rho * ms[i] + (1 - rho) * grad * grad;
          mom[i] = mu * mom[i] + lr * grad / Math.sqrt(ms[i] + eps);
          x[i] -= mom[i];
        }
        float[] got = Tf.flat(s, v);
        for (int i = 0; i < 3; i++) {
          assertThat((double) got[i]).as("step %d entry %d", t + 1, i).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-5));
        }
      }
    }
  }

  @Test
  void clippingRunsAfterTheUpdateAndBoundsEveryWeight() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> a = org.bgan.layers.Vars.create(tf, "a", tf.constant(new float[] {0.005f, -0.005f, 0f}));
      Variable<TFloat32> b = org.bgan.layers.Vars.create(tf, "b", tf.constant(new float[] {1f}));
      // An update that moves a by (+0.5, −0.002, +0.004) and b by −3: clipped afterwards to
      // (0.01, −0.007, 0.004) and −0.01 (entries inside [−c, c] untouched).
      Op update = tf.withControlDependencies(List.of(
          tf.assignAdd(a, tf.constant(new float[] {0.5f, -0.002f, 0.004f})),
          tf.assignAdd(b, tf.constant(new float[] {-3f})))).noOp();
      Op clipped = WeightClip.after(tf, update, List.of(a, b), 0.01f);
      s.initialize();
      s.run(clipped);
      assertThat(Tf.flat(s, a)).containsExactly(new float[] {0.01f, -0.007f, 0.004f}, org.assertj.core.data.Offset.offset(1e-7f));
      assertThat(Tf.flat(s, b)).containsExactly(-0.01f);
    }
  }

  private Experiment wgan(String... extra) {
    List<String> sets = new ArrayList<>(List.of("train.output_dir=" + tmp.resolve("wgan" + extra.length)));
    sets.addAll(List.of(extra));
    return ExperimentConfigs.fromText("""
        name: "w" data { synthetic2d { kind: GRID train_size: 300 } }
        generator { hidden: [16] } discriminator { hidden: [16, 16] }
        loss: WGAN techniques { weight_clip: 0.01 }
        d_optimizer { kind: RMSPROP learning_rate: 5e-5 } g_optimizer { kind: RMSPROP learning_rate: 5e-5 }
        train { batch_size: 8 n_disc: 5 steps: 4 checkpoint_every: 2 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { num_samples: 50 }
        """, "test", sets);
  }

  private static List<Float> all(Session s, List<Variable<TFloat32>> vars) {
    List<Float> out = new ArrayList<>();
    for (var v : vars) {
      for (float f : Tf.flat(s, v)) {
        out.add(f);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static float[] named(Session s, Graph g, String name) {
    return Tf.flat(s, (Operand<TFloat32>) g.output(name));
  }

  @Test
  void aWganCriticStepLeavesEveryCriticWeightInTheClipRangeAndCheckpointsKeepTheRmsPropState() throws Exception {
    Experiment cfg = wgan();
    try (Graph g = new Graph()) {
      TrainGraph tg = TrainGraph.build(g, cfg, DataSources.create(cfg.getData()));
      try (Session s = new Session(g)) {
        s.initialize();
        // Glorot initial weights of a 16-unit MLP reach ~0.4: well outside [−0.01, 0.01] before the step.
        assertThat(all(s, tg.model.dVars())).anyMatch(v -> Math.abs(v) > 0.1f);
        try (TInt64 seed = TInt64.vectorOf(0, 1)) {
          s.runner().feed(tg.model.stepSeed(), seed).addTarget(tg.dTrain).run();
        }
        List<Float> d = all(s, tg.model.dVars());
        assertThat(d).allMatch(v -> v >= -0.01f && v <= 0.01f).anyMatch(v -> Math.abs(v) == 0.01f);
        Checkpoints.Checkpoint ck = Checkpoints.save(s, tmp.resolve("ck"), 1, 1);
        float[] ms = named(s, g, "d_optimizer/discriminator.layer_0.kernel.ms");
        double sum = 0;
        for (float v : ms) {
          sum += v;
        }
        assertThat(sum).as("RMSProp mean squares after one step").isPositive();
        try (Graph g2 = new Graph()) {
          TrainGraph.build(g2, cfg, DataSources.create(cfg.getData()));
          try (Session s2 = new Session(g2)) {
            s2.restore(ck.prefix().toString());
            float[] restored = named(s2, g2, "d_optimizer/discriminator.layer_0.kernel.ms");
            assertThat(restored).containsExactly(ms);
          }
        }
      }
    }
  }

  @Test
  void wganAndWganGpTrainOnTheConvolutionalDiscriminatorsWithSpectralNorm() throws Exception {
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    for (String arch : List.of("DCGAN", "SNCNN")) {
      Experiment cfg = ExperimentConfigs.fromText("""
          name: "img" data { images { format: RANDOM size: 16 channels: 1 random_examples: 40 } }
          generator { arch: %s z_dim: 8 width: 2 } discriminator { arch: %s width: 2 spectral_norm: true }
          loss: WGAN techniques { gradient_penalty: 10 consistency_weight: 2 }
          d_optimizer { learning_rate: 1e-4 beta1: 0 beta2: 0.9 } g_optimizer { learning_rate: 1e-4 beta1: 0 beta2: 0.9 }
          train { batch_size: 4 n_disc: 2 steps: 2 checkpoint_every: 2 intra_op_threads: 1 inter_op_threads: 1 export: false }
          eval { grid_samples: 4 }
          """.formatted(arch, arch), "test", List.of("train.output_dir=" + tmp.resolve("img" + arch)));
      Trainer.Result r = Trainer.run(cfg, new Trainer.Options(false, quiet, false));
      assertThat(r.exitCode()).as(arch).isZero();
      assertThat(r.step()).isEqualTo(2);
    }
  }
}
