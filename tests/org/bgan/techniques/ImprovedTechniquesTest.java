package org.bgan.techniques;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.layers.Phase;
import org.bgan.layers.Vars;
import org.bgan.model.GanModel;
import org.bgan.model.GanModelBuilder;
import org.bgan.nets.Network;
import org.bgan.testing.Checkpointed;
import org.bgan.testing.Tf;
import org.bgan.train.Checkpoints;
import org.bgan.train.TrainGraph;
import org.bgan.train.Trainer;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Salimans et al. 2016's techniques as config options: feature matching, historical averaging,
 * minibatch discrimination and virtual batch normalisation through the model builder, the trainer,
 * checkpoints and export. (The layers' own values and gradients: MinibatchDiscriminationTest,
 * VirtualBatchNormTest.)
 */
class ImprovedTechniquesTest {
  @TempDir
  Path tmp;

  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

  private static Trainer.Options quiet(boolean resume) {
    return new Trainer.Options(resume, QUIET, false);
  }

  // ---- feature matching ----

  @Test
  void featureMatchingLossIsTheSquaredDistanceOfTheBatchMeans() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      // Means: real (2, 3), fake (1, 0); distance² = 1² + 3² = 10.
      Operand<TFloat32> real = tf.constant(new float[][] {{1, 2}, {3, 4}});
      Operand<TFloat32> fake = tf.constant(new float[][] {{0, 1}, {2, -1}});
      assertThat(Tf.scalar(s, FeatureMatching.loss(tf, real, fake))).isCloseTo(10f, within(1e-6f));
      // Feature maps are flattened: [2, 1, 1, 2] is the same as [2, 2].
      assertThat(Tf.scalar(s, FeatureMatching.loss(tf, tf.reshape(real, tf.constant(new long[] {2, 1, 1, 2})),
          tf.reshape(fake, tf.constant(new long[] {2, 1, 1, 2}))))).isCloseTo(10f, within(1e-6f));
    }
  }

  @Test
  void featureMatchingGradient() {
    float[] real = Tf.randn(4 * 3, 1, 1.0);
    Tf.checkGradient(Shape.of(5, 3), Tf.randn(15, 2, 1.0), f -> {
      Ops tf = Ops.create((Graph) f[0].env());
      return FeatureMatching.loss(tf, tf.constant(Shape.of(4, 3), DataBuffers.of(real)), f[0]);
    }, 1e-3, 1e-3, 1e-3);
  }

  // ---- historical averaging ----

  @Test
  void historicalAveragingPenalisesTheDistanceToTheRunningMeanOfPastValues() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> v = Vars.create(tf, "v", tf.constant(new float[] {1f, 2f}));
      Variable<TFloat32> w = Vars.create(tf.withSubScope("net"), "w", tf.constant(new float[][] {{0.5f}}));
      HistoricalAveraging.Penalty p = HistoricalAveraging.create(tf, "d", List.of(v, w), 0.5f);
      var grad = tf.gradients(p.value(), List.of(v));
      assertThat(p.averages().get(1).op().name()).isEqualTo("historical_averaging_d/net/w");
      try (Session s = new Session(g)) {
        s.initialize();
        // The values θ_t the "optimiser" leaves before each step t = 1, 2, 3 (w stays 0.5).
        float[][] values = {{1f, 2f}, {3f, 0f}, {-1f, 4f}};
        // Means of θ_1..θ_t: (1, 2), (2, 1), (1, 2); penalty 0.5·||θ_t − mean_t||² = 0, 0.5·2 = 1, 0.5·8 = 4.
        float[] penalties = {0f, 1f, 4f};
        float[][] means = {{1f, 2f}, {2f, 1f}, {1f, 2f}};
        for (int t = 0; t < 3; t++) {
          s.runner().addTarget(tf.assign(v, tf.constant(values[t]))).run();
          assertThat(Tf.scalar(s, p.value())).as("penalty at step %d", t + 1).isCloseTo(penalties[t], within(1e-5f));
          // Gradient 2λ(θ_t − mean_t), the mean held constant.
          float[] gv = Tf.flat(s, grad.dy(0));
          for (int i = 0; i < 2; i++) {
            assertThat(gv[i]).isCloseTo(values[t][i] - means[t][i], within(1e-5f));
          }
          s.runner().addTarget(p.update()).run();
          assertThat(Tf.flat(s, p.averages().get(0))).containsExactly(means[t], within(1e-6f));
          assertThat(Tf.flat(s, p.averages().get(1))).containsExactly(new float[] {0.5f}, within(1e-6f));
        }
        try (var r = s.runner().fetch(p.count()).run()) {
          assertThat(((TInt64) r.get(0)).getLong()).isEqualTo(3);
        }
      }
    }
  }

  @Test
  void historicalAverageIsTakenBeforeTheOptimiserStepThatRunsWithIt() {
    // Gradient descent on the penalty alone with lr 0.1, λ = 1: in the same run as the average's
    // update (as TrainGraph runs a player's step with its updates). θ_{t+1} = θ_t − 0.1·2·(θ_t − m_t),
    // m_t the mean of θ_1..θ_t; the stored mean must be that of the values before each step.
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> v = Vars.create(tf, "v", tf.constant(new float[] {0f}));
      HistoricalAveraging.Penalty p = HistoricalAveraging.create(tf, "g", List.of(v), 1f);
      Operand<TFloat32> grad = tf.gradients(p.value(), List.of(v)).dy(0);
      var step = tf.train.applyGradientDescent(v, tf.constant(0.1f), grad);
      try (Session s = new Session(g)) {
        s.initialize();
        double sum = 0;
        s.runner().addTarget(tf.assign(v, tf.constant(new float[] {4f}))).run();
        double x = 4;
        for (int t = 0; t < 6; t++) {
          assertThat((double) Tf.flat(s, v)[0]).as("θ before step %d", t + 1).isCloseTo(x, within(1e-5));
          sum += x;
          double mean = sum / (t + 1);
          x = x - 0.1 * 2 * (x - mean);
          if (t == 2) {
            x += 3;  // a jump, so that the steps differ
            s.runner().addTarget(step).addTarget(p.update()).run();
            s.runner().addTarget(tf.assignAdd(v, tf.constant(new float[] {3f}))).run();
          } else {
            s.runner().addTarget(step).addTarget(p.update()).run();
          }
          assertThat((double) Tf.flat(s, p.averages().get(0))[0]).as("mean after step %d", t + 1).isCloseTo(mean, within(1e-5));
        }
      }
    }
  }

  @Test
  void historicalAveragingPenaltyGradient() {
    float[] avg = Tf.randn(6, 3, 1.0);
    Tf.checkGradient(Shape.of(2, 3), Tf.randn(6, 4, 1.0), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return HistoricalAveraging.penalty(tf, List.of(x[0]), List.of(tf.constant(Shape.of(2, 3), DataBuffers.of(avg))), 0.7f);
    }, 1e-2, 2e-3, 1e-3);
  }

  // ---- configs ----

  private Experiment cfg(String loss, String... sets) {
    List<String> all = new ArrayList<>(List.of("loss=" + loss,
        "train.output_dir=" + tmp.resolve("r" + loss + String.join("", sets).hashCode())));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "t" data { synthetic2d { kind: RING train_size: 300 } }
        generator { hidden: [16, 16] } discriminator { hidden: [16, 16] }
        mixing { gamma: 0.3 }
        train { batch_size: 8 n_disc: 2 steps: 3 checkpoint_every: 3 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { num_samples: 50 }
        """, "test", all);
  }

  private Experiment image(String loss, Path out, long steps, String... sets) {
    List<String> all = new ArrayList<>(List.of("loss=" + loss, "train.steps=" + steps, "train.output_dir=" + out,
        "train.export_dir=" + tmp.resolve("sm-" + out.getFileName())));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "img"
        data { images { format: RANDOM size: 8 channels: 1 random_examples: 40 } }
        generator { arch: DCGAN z_dim: 8 width: 4 }
        discriminator { arch: DCGAN width: 4 }
        train { batch_size: 6 n_disc: 1 checkpoint_every: 3 summary_every: 1 intra_op_threads: 1 inter_op_threads: 1 }
        eval { grid_samples: 4 }
        """, "test", all);
  }

  /**
   * A discriminator with minibatch discrimination starts by ignoring o(x): the last layer's weights on
   * the K minibatch features are zero at initialisation, so sample 0's logit is the same whether the
   * rest of its set is spread out or sits on sample 0 itself (o large), for the MLP and the
   * convolutional discriminator. With random weights on o, a collapsed set's o of about B per kernel
   * gave logits of tens at step 0 and a random sign for "many close samples", which on the 2-D data
   * pulled the generator together instead of apart. One training step later the logit does depend
   * on the set.
   */
  @Test
  void minibatchFeaturesStartWithZeroWeightAndAreLearnt() {
    int b = 8;
    for (Experiment cfg : List.of(cfg("GAN", "techniques.minibatch_discrimination=true"),
        image("GAN", tmp.resolve("mbd-init"), 1, "techniques.minibatch_discrimination=true"))) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        boolean flat = cfg.getData().hasSynthetic2D();
        long[] sample = flat ? new long[] {2} : new long[] {8, 8, 1};
        int size = flat ? 2 : 64;
        Network d = org.bgan.nets.Architectures.discriminator(tf, cfg, sample);
        float[] spread = Tf.randn(b * size, 21, 1.0);
        float[] collapsed = new float[b * size];
        for (int i = 0; i < b; i++) {
          System.arraycopy(spread, 0, collapsed, i * size, size);
        }
        long[] shape = new long[sample.length + 1];
        shape[0] = b;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        Operand<TFloat32> ySpread = d.apply(tf, tf.constant(Shape.of(shape), DataBuffers.of(spread)), 1, Phase.train());
        Operand<TFloat32> yCollapsed = d.apply(tf, tf.constant(Shape.of(shape), DataBuffers.of(collapsed)), 1,
            Phase.train());
        // One plain gradient step on the set's mean logit, to see that o's weights are trainable.
        List<Variable<TFloat32>> vars = d.variables();
        Operand<TFloat32> objective = tf.math.sub(tf.math.mean(yCollapsed, tf.constant(new int[] {0, 1})),
            tf.math.mean(ySpread, tf.constant(new int[] {0, 1})));
        var grads = tf.gradients(objective, vars);
        List<Operand<?>> updates = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
          updates.add(tf.assignSub(vars.get(i), tf.math.mul(grads.dy(i), tf.constant(0.5f))));
        }
        s.initialize();
        String kind = flat ? "MLP" : "DCGAN";
        float before = Tf.flat(s, ySpread)[0];
        assertThat(Tf.flat(s, yCollapsed)[0]).as("%s at initialisation", kind).isCloseTo(before, within(1e-5f));
        var run = s.runner();
        updates.forEach(run::addTarget);
        run.run();
        assertThat(Math.abs(Tf.flat(s, yCollapsed)[0] - Tf.flat(s, ySpread)[0])).as("%s after one step", kind)
            .isGreaterThan(1e-3f);
      }
    }
  }

  @Test
  void badValuesAndLossesTheTechniquesDoNotApplyToAreRejectedNamingTheField() {
    assertThatThrownBy(() -> cfg("BGAN", "techniques.minibatch_discrimination=true")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.minibatch_discrimination").hasMessageContaining("loss: GAN");
    assertThatThrownBy(() -> cfg("MBGAN", "techniques.minibatch_discrimination=true")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.minibatch_discrimination");
    assertThatThrownBy(() -> cfg("GAN", "techniques.minibatch_kernels=0")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.minibatch_kernels");
    assertThatThrownBy(() -> cfg("GAN", "techniques.minibatch_kernel_dims=-2")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.minibatch_kernel_dims");
    assertThatThrownBy(() -> cfg("BGAN", "techniques.feature_matching=true")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.feature_matching");
    assertThatThrownBy(() -> cfg("GAN", "techniques.feature_matching=true", "techniques.generator_loss=MINIMAX"))
        .isInstanceOf(UserException.class).hasMessageContaining("techniques.feature_matching").hasMessageContaining("MINIMAX");
    assertThatThrownBy(() -> cfg("GAN", "techniques.historical_averaging=-0.1")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.historical_averaging");
    assertThatThrownBy(() -> cfg("GAN", "techniques.historical_averaging=inf")).isInstanceOf(UserException.class)
        .hasMessageContaining("techniques.historical_averaging");
    assertThatThrownBy(() -> cfg("GAN", "discriminator.virtual_batch_norm=true")).isInstanceOf(UserException.class)
        .hasMessageContaining("discriminator.virtual_batch_norm");
    assertThatThrownBy(() -> cfg("GAN", "generator.vbn_reference_size=-1")).isInstanceOf(UserException.class)
        .hasMessageContaining("generator.vbn_reference_size");
  }

  @Test
  void badValuesGiveExitCode2AndAMessageFromTheCommandLine() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    PrintStream old = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true));
      code = org.bgan.cli.Main.run(new String[] {"train", "graphs/grid2d_mlp_minibatch.pbtxt", "--set", "loss=BGAN",
          "--set", "train.output_dir=" + tmp.resolve("never")});
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("techniques.minibatch_discrimination").doesNotContain("Exception");
  }

  @Test
  void configsSwitchingEachTechniqueOnBuildAndTrain() throws Exception {
    List<Experiment> all = List.of(
        cfg("GAN", "techniques.minibatch_discrimination=true"),
        cfg("GAN", "techniques.minibatch_discrimination=true", "techniques.minibatch_kernels=3",
            "techniques.minibatch_kernel_dims=2"),
        cfg("GAN", "techniques.feature_matching=true"),
        cfg("GAN", "techniques.feature_matching=true", "techniques.instance_noise=0.1"),
        cfg("GAN", "techniques.historical_averaging=0.01"),
        cfg("BGAN", "techniques.historical_averaging=0.01"),
        cfg("MBGAN", "techniques.historical_averaging=0.01"),
        cfg("GAN", "generator.virtual_batch_norm=true"),
        cfg("MBGAN", "generator.virtual_batch_norm=true", "generator.vbn_reference_size=5"),
        cfg("GAN", "techniques.minibatch_discrimination=true", "techniques.feature_matching=true",
            "techniques.historical_averaging=0.01", "techniques.real_label=0.9", "generator.virtual_batch_norm=true"));
    for (Experiment e : all) {
      Trainer.Result r = Trainer.run(e, quiet(false));
      assertThat(r.exitCode()).as(e.getTechniques() + " " + e.getGenerator()).isZero();
      assertThat(r.step()).isEqualTo(3);
    }
    for (String sets : List.of("techniques.minibatch_discrimination=true",
        "techniques.feature_matching=true,techniques.historical_averaging=0.001,generator.virtual_batch_norm=true")) {
      List<String> l = new ArrayList<>(List.of(sets.split(",")));
      l.add("train.export=false");
      Trainer.Result r = Trainer.run(image("GAN", tmp.resolve("img" + sets.hashCode()), 2, l.toArray(String[]::new)), quiet(false));
      assertThat(r.exitCode()).as(sets).isZero();
    }
  }

  @Test
  void theStandardGanDStepComputesMinibatchFeaturesWithinTheRealHalf() {
    // With fed images the D step's real half is the fed batch: its predictions must equal D applied
    // to the real batch alone, which holds only if o(x) never mixes real and generated samples.
    Experiment e = image("GAN", tmp.resolve("unused"), 1, "techniques.minibatch_discrimination=true",
        "techniques.minibatch_kernels=4", "techniques.minibatch_kernel_dims=3");
    try (Graph g = new Graph()) {
      GanModel m = GanModelBuilder.build(g, e, DataSources.forGraph(e.getData()));
      Ops tf = Ops.create(g);
      Operand<TFloat32> alone = tf.math.mean(tf.math.sigmoid(m.discriminator().apply(tf, m.realBatch(), 1, Phase.train())),
          tf.constant(new int[] {0, 1}));
      try (Session s = new Session(g);
          TFloat32 real = TFloat32.tensorOf(m.realBatch().shape(), DataBuffers.of(Tf.randn(6 * 8 * 8, 3, 0.5)));
          TInt64 seed = TInt64.vectorOf(0, 1)) {
        s.initialize();
        try (var r = s.runner().feed(m.realBatch(), real).feed(m.stepSeed(), seed)
            .fetch(m.dScalars().get("d/prob_real_on_real")).fetch(alone).run()) {
          float inStep = ((TFloat32) r.get(0)).getFloat();
          float direct = ((TFloat32) r.get(1)).getFloat();
          assertThat(inStep).isCloseTo(direct, within(1e-6f));
        }
      }
    }
  }

  @Test
  void discriminatorsExposeTheirLastHiddenLayerAndTheMinibatchFeaturesFeedTheLastLayer() {
    Experiment e = cfg("GAN", "techniques.minibatch_discrimination=true", "techniques.minibatch_kernels=3",
        "techniques.minibatch_kernel_dims=2", "discriminator.hidden=4");
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network d = org.bgan.nets.Architectures.discriminator(tf, e, new long[] {2});
      float[] x = Tf.randn(5 * 2, 7, 1.0);
      Network.Outputs o = d.applyWithFeatures(tf, tf.constant(Shape.of(5, 2), DataBuffers.of(x)), 1, Phase.train());
      assertThat(o.features().shape()).isEqualTo(Shape.of(5, 4));
      // variables: layer_0 kernel, bias; layer_1 kernel [4 + 3, 1], bias; minibatch T [4, 3·2]
      List<Variable<TFloat32>> v = d.variables();
      assertThat(v.get(2).shape()).isEqualTo(Shape.of(7, 1));
      assertThat(v.get(4).shape()).isEqualTo(Shape.of(4, 6));
      try (Session s = new Session(g)) {
        s.initialize();
        float[] w0 = Tf.flat(s, v.get(0));
        float[] b0 = Tf.flat(s, v.get(1));
        float[] w1 = Tf.flat(s, v.get(2));
        float[] b1 = Tf.flat(s, v.get(3));
        float[] t = Tf.flat(s, v.get(4));
        float[] f = Tf.flat(s, o.features());
        float[] out = Tf.flat(s, o.output());
        // f = relu(x W0 + b0), by hand.
        double[][] h = new double[5][4];
        for (int i = 0; i < 5; i++) {
          for (int u = 0; u < 4; u++) {
            double z = b0[u] + x[2 * i] * w0[u] + x[2 * i + 1] * w0[4 + u];
            h[i][u] = Math.max(0, z);
            assertThat((double) f[i * 4 + u]).isCloseTo(h[i][u], within(1e-5));
          }
        }
        // output = [f, o(f)] W1 + b1, o(f) by the formula (C = 2 dims per kernel, column k·2 + c).
        for (int i = 0; i < 5; i++) {
          double y = b1[0];
          for (int u = 0; u < 4; u++) {
            y += h[i][u] * w1[u];
          }
          for (int k = 0; k < 3; k++) {
            double ok = 0;
            for (int j = 0; j < 5; j++) {
              double l1 = 0;
              for (int c = 0; c < 2; c++) {
                double mi = 0;
                double mj = 0;
                for (int u = 0; u < 4; u++) {
                  mi += h[i][u] * t[u * 6 + k * 2 + c];
                  mj += h[j][u] * t[u * 6 + k * 2 + c];
                }
                l1 += Math.abs(mi - mj);
              }
              ok += Math.exp(-l1);
            }
            y += ok * w1[4 + k];
          }
          assertThat((double) out[i]).isCloseTo(y, within(1e-5));
        }
      }
    }
    // The DCGAN discriminator: features are the flattened last convolution (8 px → 2×2 × 2w = 8·2·2).
    Experiment im = image("GAN", tmp.resolve("unused"), 1);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network d = org.bgan.nets.Architectures.discriminator(tf, im, new long[] {8, 8, 1});
      Network.Outputs o = d.applyWithFeatures(tf, tf.constant(Shape.of(3, 8, 8, 1), DataBuffers.of(Tf.randn(192, 8, 1.0))),
          1, Phase.train());
      assertThat(o.features().shape()).isEqualTo(Shape.of(3, 32));
      Operand<TFloat32> plain = d.apply(tf, tf.constant(Shape.of(3, 8, 8, 1), DataBuffers.of(Tf.randn(192, 8, 1.0))), 1,
          Phase.train());
      try (Session s = new Session(g)) {
        s.initialize();
        assertThat(Tf.flat(s, o.output())).containsExactly(Tf.flat(s, plain), within(1e-6f));
      }
    }
  }

  @Test
  void thePresetsBuildAndRunATrainingStep() throws Exception {
    for (String preset : List.of("grid2d_mlp_minibatch", "ring2d_mlp_minibatch", "fmnist_dcgan_improved")) {
      Experiment.Builder b = ExperimentConfigs.load(Path.of("graphs", preset + ".pbtxt"), List.of()).toBuilder();
      if (b.getData().hasImages()) {
        // Random pixels of Fashion-MNIST's shape: the test does not need the dataset.
        b.getDataBuilder().setImages(org.bgan.config.proto.Images.newBuilder()
            .setFormat(org.bgan.config.proto.Images.Format.RANDOM).setSize(28).setChannels(1).setRandomExamples(128));
      }
      for (String set : List.of("train.steps=1", "train.output_dir=" + tmp.resolve(preset), "train.export=false",
          "train.sample_every=0", "eval.grid_samples=4", "eval.num_samples=100", "train.plot_at=1")) {
        ExperimentConfigs.applyOverride(b, set);
      }
      Experiment e = b.build();
      ExperimentConfigs.validate(e);
      Trainer.Result r = Trainer.run(e, quiet(false));
      assertThat(r.exitCode()).as(preset).isZero();
      assertThat(r.step()).isEqualTo(1);
    }
  }

  // ---- checkpoints and export ----

  @Test
  void historicalAveragesAreCheckpointedAndAResumedRunContinuesThem() throws Exception {
    Path straight = tmp.resolve("straight");
    Path split = tmp.resolve("split");
    String[] sets = {"techniques.historical_averaging=0.5", "train.checkpoint_every=3", "train.steps=6"};
    Experiment full = cfg("GAN", concat(sets, "train.output_dir=" + straight));
    Experiment half = cfg("GAN", concat(sets, "train.output_dir=" + split, "train.steps=3"));
    Experiment rest = cfg("GAN", concat(sets, "train.output_dir=" + split));
    assertThat(Trainer.run(full, quiet(false)).exitCode()).isZero();
    assertThat(Trainer.run(half, quiet(false)).exitCode()).isZero();
    assertThat(Checkpointed.int64(split, rest, "historical_averaging_d/count")).isEqualTo(3 * 2);
    assertThat(Trainer.run(rest, quiet(true)).exitCode()).isZero();
    // Every D step (n_disc = 2 per iteration) and every G step counted, across the resume.
    assertThat(Checkpointed.int64(split, rest, "historical_averaging_d/count")).isEqualTo(6 * 2);
    assertThat(Checkpointed.int64(split, rest, "historical_averaging_g/count")).isEqualTo(6);
    // The averages continue where they stopped: exactly the uninterrupted run's (the steps do not
    // depend on thread scheduling, StepOrderTest). An average that restarted at the resume, or that
    // missed the first half, would be off by about half the weights' movement over the run; the
    // averages do lag the final weights (asserted), so equal averages are not equal weights.
    for (String v : List.of("historical_averaging_d/discriminator/layer_0/kernel", "historical_averaging_g/generator/layer_2/bias")) {
      float[] a = Checkpointed.floats(straight, full, v);
      float[] b = Checkpointed.floats(split, rest, v);
      assertThat(b).as(v).containsExactly(a);
      float[] w = Checkpointed.floats(straight, full, v.substring(v.indexOf('/') + 1));
      float lag = 0;
      for (int i = 0; i < w.length; i++) {
        lag = Math.max(lag, Math.abs(w[i] - a[i]));
      }
      assertThat(lag).as(v + ": max |final weight - average|").isGreaterThan(4 * 5e-4f);
    }
  }

  private static String[] concat(String[] a, String... b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.addAll(List.of(b));
    return l.toArray(String[]::new);
  }

  private static float[] call(SavedModelBundle b, float[] z, int n, int zDim) {
    try (TFloat32 zt = TFloat32.tensorOf(Shape.of(n, zDim), DataBuffers.of(z));
        var out = b.function("serving_default").call(Map.of("z", zt))) {
      TFloat32 samples = (TFloat32) out.get("samples").orElseThrow();
      float[] v = new float[(int) samples.size()];
      samples.copyTo(DataBuffers.of(v, false, false));
      return v;
    }
  }

  @Test
  void exportedGeneratorsWithVirtualBatchNormGiveEachSampleTheSameOutputAloneOrInABatch() throws Exception {
    Experiment conv = image("GAN", tmp.resolve("vbn-img"), 2, "generator.virtual_batch_norm=true",
        "generator.vbn_reference_size=5");
    Experiment mlp = cfg("GAN", "generator.virtual_batch_norm=true", "train.export=true",
        "train.export_dir=" + tmp.resolve("sm-mlp"));
    for (Experiment e : List.of(conv, mlp)) {
      Trainer.Result r = Trainer.run(e, quiet(false));
      assertThat(r.exitCode()).isZero();
      int zDim = e.getGenerator().getZDim();
      try (SavedModelBundle b = SavedModelBundle.load(r.savedModel().toString(), "serve")) {
        float[] z = Tf.randn(3 * zDim, 5, 1.0);
        float[] all = call(b, z, 3, zDim);
        int row = all.length / 3;
        for (int k = 0; k < 3; k++) {
          float[] one = call(b, java.util.Arrays.copyOfRange(z, k * zDim, (k + 1) * zDim), 1, zDim);
          for (int i = 0; i < row; i++) {
            assertThat(one[i]).as("sample %d entry %d", k, i).isCloseTo(all[k * row + i], within(1e-5f));
          }
        }
        // The generator of the last checkpoint applied in training mode, in a fresh graph, gives the
        // export's samples: the reference batch is rebuilt from the config, the same in both.
        long[] shape = e.getData().hasImages() ? new long[] {8, 8, 1} : new long[] {2};
        try (Graph g = new Graph()) {
          Ops tf = Ops.create(g);
          Network gen = GanModelBuilder.generator(tf, e, shape);
          Operand<TFloat32> y = gen.apply(tf, tf.constant(Shape.of(3, zDim), DataBuffers.of(z)), 1, Phase.train());
          try (Session s = new Session(g)) {
            s.restore(Checkpoints.latest(r.runDir()).orElseThrow().prefix().toString());
            assertThat(Tf.flat(s, y)).containsExactly(all, within(1e-5f));
          }
        }
      }
    }
  }
}
