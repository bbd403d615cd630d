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
import org.bgan.export.GeneratorExporter;
import org.bgan.export.SavedModels;
import org.bgan.layers.Phase;
import org.bgan.losses.Losses;
import org.bgan.model.GanModel;
import org.bgan.model.GanModelBuilder;
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
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** MIX+GAN (Arora et al. 2017): mixture payoff, regulariser, component sampling, training and export. */
class MixGanTest {
  @TempDir
  Path tmp;

  private static final float LN2 = (float) Math.log(2);
  private static final float LN3 = (float) Math.log(3);

  private static double[] softmax(float[] w) {
    double m = Double.NEGATIVE_INFINITY;
    for (float x : w) {
      m = Math.max(m, x);
    }
    double sum = 0;
    double[] p = new double[w.length];
    for (int i = 0; i < w.length; i++) {
      p[i] = Math.exp(w[i] - m);
      sum += p[i];
    }
    for (int i = 0; i < w.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  private static double regularizer(float[] w) {
    double[] p = softmax(w);
    double r = 0;
    for (double x : p) {
      r -= Math.log(x) / w.length;
    }
    return r;
  }

  @Test
  void payoffOfTwoByTwoMatchesHandValue() {
    // w_G = [0, ln 3] -> p_G = [1/4, 3/4]; w_D = [ln 2, 0] -> p_D = [2/3, 1/3]; pair payoffs
    // L = [[1, 2], [3, 4]] (row i = G_i, column j = D_j). By hand:
    // 1/4·(2/3·1 + 1/3·2) + 3/4·(2/3·3 + 1/3·4) = 1/4·4/3 + 3/4·10/3 = 1/3 + 5/2 = 17/6.
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> pG = MixGan.weights(tf, tf.constant(new float[] {0f, LN3}));
      Operand<TFloat32> pD = MixGan.weights(tf, tf.constant(new float[] {LN2, 0f}));
      assertThat(Tf.flat(s, pG)).containsExactly(new float[] {0.25f, 0.75f}, within(1e-6f));
      assertThat(Tf.flat(s, pD)).containsExactly(new float[] {2f / 3, 1f / 3}, within(1e-6f));
      List<List<Operand<TFloat32>>> pair = List.of(List.of(tf.constant(1f), tf.constant(2f)),
          List.of(tf.constant(3f), tf.constant(4f)));
      // float32 sums of four products of order 1: 1e-6 is a few ulps.
      assertThat(Tf.scalar(s, MixGan.payoff(tf, pG, pD, pair))).isCloseTo(17f / 6, within(1e-6f));
    }
  }

  @Test
  void entropyRegularizerMatchesHandValueAndItsGradientTheNumericOne() {
    // w = [0, ln 3]: p = [1/4, 3/4]; R = −(1/2)(ln 1/4 + ln 3/4) = (1/2) ln(16/3) = 0.836988...;
    // dR/dw = p − 1/K = [−1/4, 1/4]. Shannon entropy: −(1/4 ln 1/4 + 3/4 ln 3/4) = 0.562335.
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      var w = tf.constant(new float[] {0f, LN3});
      assertThat(Tf.scalar(s, MixGan.entropyRegularizer(tf, w))).isCloseTo((float) (0.5 * Math.log(16.0 / 3)), within(1e-6f));
      assertThat(Tf.scalar(s, MixGan.entropy(tf, MixGan.weights(tf, w)))).isCloseTo(0.5623351f, within(1e-6f));
      // a weight that underflowed to 0 adds nothing (0 · log 0 taken as 0, not NaN)
      assertThat(Tf.scalar(s, MixGan.entropy(tf, tf.constant(new float[] {0f, 0.25f, 0.75f})))).isCloseTo(0.5623351f, within(1e-6f));
      var grad = tf.gradients(MixGan.entropyRegularizer(tf, w), List.of(w));
      assertThat(Tf.flat(s, grad.dy(0))).containsExactly(new float[] {-0.25f, 0.25f}, within(1e-6f));
      // Large logits: the max-shifted log-sum-exp stays finite (naive exp(100) would overflow float32).
      float[] big = {100f, 0f, -100f};
      assertThat(Tf.scalar(s, MixGan.entropyRegularizer(tf, tf.constant(big)))).isCloseTo((float) regularizer(big), within(1e-3f));
    }
    // Central differences, eps 1e-2 in float32: the truncation error is O(eps²·R''') ~ 1e-4 and the
    // rounding error ~ 1e-7/eps = 1e-5, so 1e-3 absolute (+1e-2 relative) is a safe bound.
    Tf.checkGradient(Shape.of(4), new float[] {0.3f, -1.2f, 0.8f, 0f},
        x -> regularizerOf(x[0]), 1e-2, 1e-3, 1e-2);
    // The payoff through the softmax, w.r.t. the generators' logits with p_D and the pairs fixed.
    Tf.checkGradient(Shape.of(3), new float[] {0.5f, -0.7f, 1.1f}, x -> payoffOf(x[0]), 1e-2, 1e-3, 1e-2);
  }

  private static Operand<TFloat32> regularizerOf(Operand<TFloat32> x) {
    Ops tf = Ops.create(x.env());
    return MixGan.entropyRegularizer(tf, x);
  }

  private static Operand<TFloat32> payoffOf(Operand<TFloat32> x) {
    Ops tf = Ops.create(x.env());
    Operand<TFloat32> pD = tf.constant(new float[] {0.2f, 0.5f, 0.3f});
    float[][] l = {{1f, -2f, 0.5f}, {3f, 0.25f, -1f}, {-0.5f, 2f, 1.5f}};
    List<List<Operand<TFloat32>>> pair = new ArrayList<>();
    for (float[] row : l) {
      List<Operand<TFloat32>> r = new ArrayList<>();
      for (float v : row) {
        r.add(tf.constant(v));
      }
      pair.add(r);
    }
    return MixGan.payoff(tf, MixGan.weights(tf, x), pD, pair);
  }

  @Test
  void componentFrequenciesMatchTheMixtureWeights() {
    // w = [0, ln 3, ln 2] -> p = [1/6, 1/2, 1/3]. N = 30000 latents from a fixed java.util.Random
    // seed. Each count is Binomial(N, p_k): standard error sqrt(p(1−p)/N) ≤ 0.0029; the tolerance
    // is 4 standard errors (two-sided 6e-5 chance per component for a correct sampler), so a wrong
    // cumulative (e.g. a component off by one: errors of 1/6 or more) cannot pass.
    int n = 30000;
    float[] w = {0f, LN3, LN2};
    double[] p = softmax(w);
    float[] z = Tf.randn(n * 2, 7, 1.0);
    int[] counts = new int[3];
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> zt = tf.constant(Shape.of(n, 2), org.tensorflow.ndarray.buffer.DataBuffers.of(z));
      Operand<TFloat32> u = MixGan.uniformFromZ(tf, zt);
      Operand<TInt32> idx = MixGan.choose(tf, u, MixGan.weights(tf, tf.constant(w)), 3);
      float[] uu = Tf.flat(s, u);
      int[] ii;
      try (var r = s.runner().fetch(idx).run()) {
        ii = StdArrays.array1dCopyOf((TInt32) r.get(0));
      }
      for (int i = 0; i < n; i++) {
        // The graph's hash is the Java twin's, bit for bit.
        assertThat(uu[i]).isEqualTo(MixGan.uniformFromZ(new float[] {z[2 * i], z[2 * i + 1]}));
        assertThat(uu[i]).isBetween(0f, 1f).isLessThan(1f);
        counts[ii[i]]++;
      }
      // Inverse CDF by hand: u < 1/6 -> 0, 1/6 <= u < 2/3 -> 1, else 2.
      for (int i = 0; i < n; i++) {
        int want = uu[i] < (float) p[0] ? 0 : uu[i] < (float) (p[0] + p[1]) ? 1 : 2;
        if (Math.abs(uu[i] - (float) p[0]) > 1e-6 && Math.abs(uu[i] - (float) (p[0] + p[1])) > 1e-6) {
          assertThat(ii[i]).as("row %d, u = %f", i, uu[i]).isEqualTo(want);
        }
      }
    }
    for (int k = 0; k < 3; k++) {
      double se = Math.sqrt(p[k] * (1 - p[k]) / n);
      assertThat((double) counts[k] / n).as("frequency of component %d", k).isCloseTo(p[k], within(4 * se));
    }
  }

  @Test
  void selectTakesEachRowFromItsComponent() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      // stacked[k][n] = (10k + n, −n): rows 0..3 choose components 2, 0, 1, 2.
      float[][][] st = new float[3][4][2];
      for (int k = 0; k < 3; k++) {
        for (int n = 0; n < 4; n++) {
          st[k][n] = new float[] {10 * k + n, -n};
        }
      }
      Operand<TFloat32> out = MixGan.select(tf, tf.constant(st), tf.constant(new int[] {2, 0, 1, 2}));
      assertThat(Tf.matrix(s, out)).isDeepEqualTo(new float[][] {{20, 0}, {1, -1}, {12, -2}, {23, -3}});
    }
  }

  private Experiment config(String loss, Path out, long steps, String... extra) {
    List<String> sets = new ArrayList<>(List.of("loss=" + loss, "train.steps=" + steps, "train.output_dir=" + out,
        "train.export_dir=" + tmp.resolve("sm"), "generator.hidden=16,16", "discriminator.hidden=16,16",
        "train.batch_size=8", "train.n_disc=2", "train.checkpoint_every=5", "train.summary_every=2",
        "eval.num_samples=100", "data.synthetic2d.train_size=500", "train.intra_op_threads=1",
        "train.inter_op_threads=1", "techniques.mix_components=2"));
    sets.addAll(List.of(extra));
    return ExperimentConfigs.fromText("name: \"mix\" data { synthetic2d { kind: RING } } mixing { gamma: 0.3 }", "test", sets);
  }

  @Test
  void componentsHaveTheirOwnScopesAndWeightsAndTheMixtureLogitsBelongToTheirPlayer() {
    Experiment cfg = config("GAN", tmp.resolve("scopes"), 3);
    try (Graph g = new Graph()) {
      GanModel m = TrainGraph.build(g, cfg, DataSources.create(cfg.getData())).model;
      List<String> gNames = m.gVars().stream().map(v -> v.op().name()).toList();
      List<String> dNames = m.dVars().stream().map(v -> v.op().name()).toList();
      assertThat(gNames).contains("mix_generator/logits").anyMatch(n -> n.startsWith("generator_0/"))
          .anyMatch(n -> n.startsWith("generator_1/")).noneMatch(n -> n.contains("discriminator"));
      assertThat(dNames).contains("mix_discriminator/logits").anyMatch(n -> n.startsWith("discriminator_0/"))
          .anyMatch(n -> n.startsWith("discriminator_1/")).noneMatch(n -> n.contains("generator"));
      // 3 dense layers (kernel, bias) per component, two components, plus the logits.
      assertThat(gNames).hasSize(13);
      assertThat(dNames).hasSize(13);
      try (Session s = new Session(g)) {
        s.initialize();
        MixtureNetworks gens = (MixtureNetworks) m.generator();
        float[] g0 = Tf.flatAll(s, gens.component(0).variables());
        float[] g1 = Tf.flatAll(s, gens.component(1).variables());
        assertThat(g0).hasSameSizeAs(g1).isNotEqualTo(g1);
        assertThat(Tf.flat(s, gens.logits())).containsExactly(0f, 0f);
      }
    }
  }

  @Test
  void discriminatorMixtureGivesTheLogitOfTheWeightedProbability() {
    // MixtureNetworks.apply for discriminators: σ(logit) = Σ_j p_j σ(o_j), recomputed in Java from
    // the components' own logits, with w_D = [1, −0.5] assigned.
    Experiment cfg = config("GAN", tmp.resolve("dmix"), 3);
    float[] wD = {1f, -0.5f};
    float[][] x = matrix(Tf.randn(5 * 2, 21, 2.0), 5);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      MixtureNetworks d = MixtureNetworks.discriminators(tf, cfg, new long[] {2});
      Op set = tf.assign(d.logits(), tf.constant(wD));
      Operand<TFloat32> mix = d.apply(tf, tf.constant(x), 1, Phase.train());
      Operand<TFloat32> o0 = d.component(0).apply(tf, tf.constant(x), 1, Phase.train());
      Operand<TFloat32> o1 = d.component(1).apply(tf, tf.constant(x), 1, Phase.train());
      try (Session s = new Session(g)) {
        s.initialize();
        s.runner().addTarget(set).run();
        float[] m = Tf.flat(s, mix);
        float[] a = Tf.flat(s, o0);
        float[] c = Tf.flat(s, o1);
        double[] p = softmax(wD);
        assertThat(a).isNotEqualTo(c);
        for (int i = 0; i < m.length; i++) {
          double want = p[0] / (1 + Math.exp(-a[i])) + p[1] / (1 + Math.exp(-c[i]));
          // Probabilities in (0, 1) from float32 logits of order 1: 1e-6 absolute.
          assertThat(1 / (1 + Math.exp(-m[i]))).as("row %d", i).isCloseTo(want, within(1e-6));
        }
      }
    }
  }

  @Test
  void eachPlayersStepLeavesTheOtherPlayersVariablesAndMixtureWeightsUnchanged() {
    for (String loss : List.of("GAN", "BGAN", "MBGAN")) {
      Experiment cfg = config(loss, tmp.resolve("iso" + loss), 10);
      try (Graph g = new Graph()) {
        TrainGraph tg = TrainGraph.build(g, cfg, DataSources.create(cfg.getData()));
        MixtureNetworks gens = (MixtureNetworks) tg.model.generator();
        MixtureNetworks discs = (MixtureNetworks) tg.model.discriminator();
        try (Session s = new Session(g)) {
          s.initialize();
          float[] g0 = Tf.flatAll(s, tg.model.gVars());
          float[] d0 = Tf.flatAll(s, tg.model.dVars());
          try (TInt64 seed = TInt64.vectorOf(1, 1)) {
            s.runner().feed(tg.model.stepSeed(), seed).addTarget(tg.dTrain).run();
          }
          assertThat(Tf.flatAll(s, tg.model.gVars())).as(loss + ": G (and w_G) after a D step").containsExactly(g0);
          float[] d1 = Tf.flatAll(s, tg.model.dVars());
          assertThat(d1).as(loss + ": D after a D step").isNotEqualTo(d0);
          assertThat(Tf.flat(s, discs.logits())).as(loss + ": w_D moves in the D step").isNotEqualTo(new float[] {0f, 0f});
          try (TInt64 seed = TInt64.vectorOf(1, 2)) {
            s.runner().feed(tg.model.stepSeed(), seed).addTarget(tg.gTrain).run();
          }
          assertThat(Tf.flatAll(s, tg.model.dVars())).as(loss + ": D (and w_D) after a G step").containsExactly(d1);
          assertThat(Tf.flatAll(s, tg.model.gVars())).as(loss + ": G after a G step").isNotEqualTo(g0);
          assertThat(Tf.flat(s, gens.logits())).as(loss + ": w_G moves in the G step").isNotEqualTo(new float[] {0f, 0f});
        }
      }
    }
  }

  @Test
  void stepLossesAreTheWeightedPairLossesPlusTheRegularizer() {
    // The model's d_loss and g_loss against the same quantities composed independently: each pair
    // (G_i, D_j) evaluated on its own with the plain GAN losses, weighted by softmax of the
    // assigned logits (computed in Java) and the regulariser added in Java. z_i and the real batch
    // are fed, so both sides see the same inputs.
    Experiment cfg = config("GAN", tmp.resolve("pairs"), 3, "techniques.mix_entropy_weight=0.3");
    float[] wG = {0.4f, -0.9f};
    float[] wD = {-0.2f, 0.6f};
    int b = 8;
    float[][] real = matrix(Tf.randn(b * 2, 11, 1.0), b);
    float[][][] z = {matrix(Tf.randn(b * 2, 12, 1.0), b), matrix(Tf.randn(b * 2, 13, 1.0), b)};
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      GanModel m = GanModelBuilder.build(g, cfg, DataSources.create(cfg.getData()));
      MixtureNetworks gens = (MixtureNetworks) m.generator();
      MixtureNetworks discs = (MixtureNetworks) m.discriminator();
      Op setG = tf.assign(gens.logits(), tf.constant(wG));
      Op setD = tf.assign(discs.logits(), tf.constant(wD));
      Operand<TFloat32>[][] dPair = new Operand[2][2];
      Operand<TFloat32>[][] gPair = new Operand[2][2];
      for (int i = 0; i < 2; i++) {
        Operand<TFloat32> fake = gens.component(i).apply(tf, tf.constant(z[i]), 1, Phase.train());
        for (int j = 0; j < 2; j++) {
          var d = discs.component(j);
          Operand<TFloat32> oReal = tf.reshape(d.apply(tf, tf.constant(real), 1, Phase.train()), tf.constant(new long[] {-1}));
          Operand<TFloat32> oFake = tf.reshape(d.apply(tf, fake, 1, Phase.train()), tf.constant(new long[] {-1}));
          dPair[i][j] = Losses.ganDiscriminator(tf, oReal, oFake);
          gPair[i][j] = Losses.ganGenerator(tf, oFake);
        }
      }
      try (Session s = new Session(g)) {
        s.initialize();
        s.runner().addTarget(setG).addTarget(setD).run();
        double[] pG = softmax(wG);
        double[] pD = softmax(wD);
        double wantD = 0.3 * regularizer(wD);
        double wantG = 0.3 * regularizer(wG);
        for (int i = 0; i < 2; i++) {
          for (int j = 0; j < 2; j++) {
            wantD += pG[i] * pD[j] * Tf.scalar(s, dPair[i][j]);
            wantG += pG[i] * pD[j] * Tf.scalar(s, gPair[i][j]);
          }
        }
        try (TInt64 seed = TInt64.vectorOf(5, 1);
            TFloat32 r = TFloat32.tensorOf(StdArrays.ndCopyOf(real));
            TFloat32 z0 = TFloat32.tensorOf(StdArrays.ndCopyOf(z[0]));
            TFloat32 z1 = TFloat32.tensorOf(StdArrays.ndCopyOf(z[1]));
            var res = s.runner().feed(m.stepSeed(), seed).feed("d_step/real", r).feed("d_step/z_0", z0)
                .feed("d_step/z_1", z1).feed("g_step/z_0", z0).feed("g_step/z_1", z1)
                .fetch(m.dLoss()).fetch(m.gLoss()).run()) {
          // float32 losses of order 1 summed over 4 pairs: 1e-5 relative covers the rounding.
          assertThat(((TFloat32) res.get(0)).getFloat()).isCloseTo((float) wantD, within((float) (1e-5 * Math.abs(wantD) + 1e-6)));
          assertThat(((TFloat32) res.get(1)).getFloat()).isCloseTo((float) wantG, within((float) (1e-5 * Math.abs(wantG) + 1e-6)));
        }
      }
    }
  }

  private static float[][] matrix(float[] flat, int rows) {
    int cols = flat.length / rows;
    float[][] out = new float[rows][cols];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(flat, r * cols, out[r], 0, cols);
    }
    return out;
  }

  @Test
  void twoComponentRunTrainsExportsAndReloads() throws Exception {
    Path run = tmp.resolve("run");
    Experiment cfg = config("GAN", run, 6);
    Trainer.Result r = Trainer.run(cfg, new Trainer.Options(false, new PrintStream(java.io.OutputStream.nullOutputStream()), false));
    assertThat(r.exitCode()).isZero();
    assertThat(r.step()).isEqualTo(6);
    assertThat(run.resolve("metrics.json")).content().contains("\"modes_captured\"");
    Path sm = r.savedModel();
    assertThat(sm.resolve("saved_model.pb")).isRegularFile();

    // In process, from the checkpoint: each component's output and the trained w_G.
    float[][] z = {{0.1f, -0.4f}, {1.5f, 0.3f}, {-2f, 0.7f}, {0.9f, 0.9f}, {-0.3f, -1.1f}, {2.2f, -0.6f}};
    float[][][] comp = new float[2][][];
    float[] wG;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      MixtureNetworks gens = (MixtureNetworks) GanModelBuilder.generator(tf, cfg, new long[] {2});
      List<Operand<TFloat32>> outs = List.of(gens.component(0).apply(tf, tf.constant(z), 1, Phase.infer()),
          gens.component(1).apply(tf, tf.constant(z), 1, Phase.infer()));
      try (Session s = new Session(g)) {
        s.restore(Checkpoints.latest(run).get().prefix().toString());
        comp[0] = Tf.matrix(s, outs.get(0));
        comp[1] = Tf.matrix(s, outs.get(1));
        wG = Tf.flat(s, gens.logits());
      }
    }
    assertThat(wG).as("w_G was trained").isNotEqualTo(new float[] {0f, 0f});
    double p0 = softmax(wG)[0];
    try (SavedModelBundle b = SavedModelBundle.load(sm.toString(), "serve");
        TFloat32 zt = TFloat32.tensorOf(StdArrays.ndCopyOf(z));
        var res = b.function(GeneratorExporter.SIGNATURE_DEFAULT).call(Map.of("z", zt));
        var res2 = b.function(GeneratorExporter.SIGNATURE_DEFAULT).call(Map.of("z", zt))) {
      float[][] served = SavedModels.toMatrix((TFloat32) res.get("samples").orElseThrow());
      assertThat(SavedModels.toMatrix((TFloat32) res2.get("samples").orElseThrow())).as("a function of z").isDeepEqualTo(served);
      for (int i = 0; i < z.length; i++) {
        // The component the Java twin of the hash picks with the trained weights.
        int k = MixGan.uniformFromZ(z[i]) < p0 ? 0 : 1;
        assertThat(served[i]).as("row %d, component %d", i, k).containsExactly(comp[k][i], within(1e-5f));
      }
    }
    // sample(num, seed) picks by the same hash: serving_default on the z it returns gives its samples.
    try (SavedModelBundle b = SavedModelBundle.load(sm.toString(), "serve");
        TInt32 num = TInt32.scalarOf(40);
        TInt64 seed = TInt64.scalarOf(3);
        var smp = b.function(GeneratorExporter.SIGNATURE_SAMPLE).call(Map.of("num", num, "seed", seed))) {
      TFloat32 zs = (TFloat32) smp.get("z").orElseThrow();
      try (var def = b.function(GeneratorExporter.SIGNATURE_DEFAULT).call(Map.of("z", zs))) {
        assertThat(SavedModels.toMatrix((TFloat32) def.get("samples").orElseThrow()))
            .isDeepEqualTo(SavedModels.toMatrix((TFloat32) smp.get("samples").orElseThrow()));
      }
    }
    // sample(num, seed) is deterministic in (num, seed), and finite.
    float[][] a = SavedModels.sample(sm, 50, 3);
    assertThat(a).hasDimensions(50, 2).isDeepEqualTo(SavedModels.sample(sm, 50, 3));
    assertThat(a).isNotEqualTo(SavedModels.sample(sm, 50, 4));
    for (float[] row : a) {
      // An MLP after 6 steps from Glorot weights maps N(0, I) latents to O(1) points.
      for (float v : row) {
        assertThat(v).isFinite().isBetween(-20f, 20f);
      }
    }
  }

  @Test
  void imageMixtureWithBatchNormAndSpectralNormTrainsExportsAndServesImagesInRange() throws Exception {
    // Fed batches, generator batch-norm state and discriminator spectral-norm vectors per component.
    Experiment cfg = ExperimentConfigs.fromText("""
        name: "img"
        data { images { format: RANDOM size: 12 channels: 3 random_examples: 40 } }
        generator { arch: DCGAN z_dim: 8 width: 4 }
        discriminator { arch: DCGAN width: 4 spectral_norm: true }
        techniques { mix_components: 2 }
        train { batch_size: 8 n_disc: 1 checkpoint_every: 3 summary_every: 1 intra_op_threads: 1 inter_op_threads: 1 }
        eval { grid_samples: 9 }
        """, "test", List.of("loss=MBGAN", "train.steps=3", "train.output_dir=" + tmp.resolve("img"),
        "train.export_dir=" + tmp.resolve("img_sm")));
    Trainer.Result r = Trainer.run(cfg, new Trainer.Options(false, new PrintStream(java.io.OutputStream.nullOutputStream()), false));
    assertThat(r.exitCode()).isZero();
    assertThat(tmp.resolve("img/samples/step-000000003.png")).isRegularFile();
    float[] z = Tf.randn(4 * 8, 5, 1.0);
    try (SavedModelBundle b = SavedModelBundle.load(r.savedModel().toString(), "serve");
        TFloat32 zt = TFloat32.tensorOf(Shape.of(4, 8), org.tensorflow.ndarray.buffer.DataBuffers.of(z));
        var out = b.function(GeneratorExporter.SIGNATURE_DEFAULT).call(Map.of("z", zt));
        var again = b.function(GeneratorExporter.SIGNATURE_DEFAULT).call(Map.of("z", zt))) {
      TFloat32 samples = (TFloat32) out.get("samples").orElseThrow();
      assertThat(samples.shape()).isEqualTo(Shape.of(4, 12, 12, 3));
      assertThat(out.get("images")).isPresent();
      float[] v = new float[(int) samples.size()];
      samples.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(v, false, false));
      float[] w = new float[v.length];
      ((TFloat32) again.get("samples").orElseThrow()).copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(w, false, false));
      assertThat(w).containsExactly(v);
      for (float x : v) {
        assertThat(x).isBetween(-1f, 1f);  // tanh output
      }
    }
  }

  @Test
  void resumedRunEndsWhereTheUninterruptedRunEnds() throws Exception {
    // As TrainerTest's check for the plain GAN: the K = 2 graph's variables (component scopes,
    // mixture logits and their Adam slots) are checkpointed and restored, and every draw comes from
    // the step seed. Metrics and losses must match exactly.
    var quiet = new Trainer.Options(false, new PrintStream(java.io.OutputStream.nullOutputStream()), false);
    var resume = new Trainer.Options(true, quiet.progress(), false);
    Trainer.run(config("BGAN", tmp.resolve("straight"), 8, "train.export=false", "train.checkpoint_every=4"), quiet);
    Trainer.run(config("BGAN", tmp.resolve("split"), 4, "train.export=false", "train.checkpoint_every=4"), quiet);
    Trainer.Result r = Trainer.run(config("BGAN", tmp.resolve("split"), 8, "train.export=false", "train.checkpoint_every=4"), resume);
    assertThat(r.step()).isEqualTo(8);
    String a = java.nio.file.Files.readString(tmp.resolve("split/metrics.json"));
    String b = java.nio.file.Files.readString(tmp.resolve("straight/metrics.json"));
    assertThat(a.substring(a.indexOf("\"final\""), a.indexOf("\"final_d_loss\"")))
        .isEqualTo(b.substring(b.indexOf("\"final\""), b.indexOf("\"final_d_loss\"")));
    for (String key : List.of("final_d_loss", "final_g_loss")) {
      double x = number(a, key);
      double y = number(b, key);
      assertThat(x).as(key).isEqualTo(y);
    }
  }

  private static double number(String json, String key) {
    var m = java.util.regex.Pattern.compile("\"" + key + "\": ([-0-9.eE]+)").matcher(json);
    assertThat(m.find()).as(key).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void badValuesAreRejectedNamingTheField() {
    for (String bad : List.of("techniques.mix_components=0", "techniques.mix_components=-2", "techniques.mix_components=17")) {
      assertThatThrownBy(() -> config("GAN", tmp.resolve("x"), 3, bad)).as(bad).isInstanceOf(UserException.class)
          .hasMessageContaining("techniques.mix_components must be in [1, 16]");
    }
    for (String bad : List.of("techniques.mix_entropy_weight=-0.1", "techniques.mix_entropy_weight=nan",
        "techniques.mix_entropy_weight=inf")) {
      assertThatThrownBy(() -> config("GAN", tmp.resolve("x"), 3, bad)).as(bad).isInstanceOf(UserException.class)
          .hasMessageContaining("techniques.mix_entropy_weight must be a finite number >= 0");
    }
    assertThatThrownBy(() -> config("GAN", tmp.resolve("x"), 3, "techniques.mix_components=1", "techniques.mix_entropy_weight=0.2"))
        .isInstanceOf(UserException.class).hasMessageContaining("techniques.mix_entropy_weight applies to MIX+GAN only");
    // From the command line: exit 2, the field named, no stack trace.
    PrintStream oldErr = System.err;
    var err = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(err, true));
      code = org.bgan.cli.Main.run(new String[] {"train", "graphs/grid2d_mlp_mixgan.pbtxt", "--out", tmp.resolve("cli").toString(),
          "--set", "techniques.mix_components=0"});
    } finally {
      System.setErr(oldErr);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("techniques.mix_components must be in [1, 16]").doesNotContain("\tat ");
    assertThat(tmp.resolve("cli")).doesNotExist();
    // 0 switches the regulariser off and is accepted; K = 1 without the weight is the plain GAN.
    assertThat(config("GAN", tmp.resolve("x"), 3, "techniques.mix_entropy_weight=0").getTechniques().getMixEntropyWeight()).isZero();
    assertThat(config("GAN", tmp.resolve("x"), 3, "techniques.mix_components=1").getTechniques().getMixComponents()).isEqualTo(1);
  }
}
