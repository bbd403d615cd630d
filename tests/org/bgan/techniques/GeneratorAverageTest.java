package org.bgan.techniques;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.data.RealSource;
import org.bgan.layers.Phase;
import org.bgan.nets.Architectures;
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
import org.tensorflow.GraphOperation;
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
 * Generator weight averaging (techniques.generator_ema): the average's update rule step by step, that
 * only G's updates move it, that evaluation and export use it while the raw generator's metrics are
 * kept, that it survives a resume, and the config checks.
 */
class GeneratorAverageTest {
  @TempDir
  Path tmp;

  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

  private Experiment cfg(String loss, String... sets) {
    List<String> all = new ArrayList<>(List.of("loss=" + loss,
        "train.output_dir=" + tmp.resolve("r" + loss + String.join("", sets).hashCode())));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "t" data { synthetic2d { kind: GRID train_size: 300 } }
        generator { hidden: [16, 16] } discriminator { hidden: [16, 16] }
        mixing { gamma: 0.3 }
        g_optimizer { learning_rate: 0.01 } d_optimizer { learning_rate: 0.01 }
        train { batch_size: 8 n_disc: 2 steps: 3 checkpoint_every: 3 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { num_samples: 50 }
        """, "test", all);
  }

  private static List<float[]> values(Session s, List<Variable<TFloat32>> vars) {
    List<float[]> out = new ArrayList<>();
    for (Variable<TFloat32> v : vars) {
      out.add(Tf.flat(s, v));
    }
    return out;
  }

  private static List<Variable<TFloat32>> averaged(Graph g, List<Variable<TFloat32>> gVars) {
    List<Variable<TFloat32>> out = new ArrayList<>();
    for (Variable<TFloat32> v : gVars) {
      String name = v.op().name();
      assertThat(name).startsWith("generator/");
      out.add(new Variable<>(g.operation(GeneratorAverage.SCOPE + name.substring("generator".length()))));
    }
    return out;
  }

  private static void run(Session s, TrainGraph tg, org.tensorflow.op.Op op, long counter) {
    try (TInt64 seed = TInt64.vectorOf(5, counter)) {
      s.runner().feed(tg.model.stepSeed(), seed).addTarget(op).run();
    }
  }

  private static float maxAbsDiff(List<float[]> a, List<float[]> b) {
    float m = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int j = 0; j < a.get(i).length; j++) {
        m = Math.max(m, Math.abs(a.get(i)[j] - b.get(i)[j]));
      }
    }
    return m;
  }

  @Test
  void averageStartsAtTheGeneratorsWeightsAndMovesByOneMinusBetaOfTheGapAfterEachGeneratorUpdate() {
    float beta = 0.75f;
    for (String loss : List.of("BGAN", "GAN")) {
      Experiment e = cfg(loss, "techniques.generator_ema=" + beta);
      try (Graph g = new Graph()) {
        TrainGraph tg = TrainGraph.build(g, e, DataSources.create(e.getData()));
        List<Variable<TFloat32>> w = tg.model.gVars();
        List<Variable<TFloat32>> avg = averaged(g, w);
        try (Session s = new Session(g)) {
          s.initialize();
          List<float[]> a = values(s, avg);
          assertThat(maxAbsDiff(a, values(s, w))).as(loss + ": initial average = initial weights").isZero();
          assertThat(Tf.flat(s, tg.evalSamples)).as("eval samples at the start")
              .containsExactly(Tf.flat(s, tg.evalSamplesRaw), within(1e-6f));
          long counter = 0;
          for (int step = 1; step <= 3; step++) {
            // D steps leave the average where it was.
            run(s, tg, tg.dTrain, counter++);
            run(s, tg, tg.dTrain, counter++);
            assertThat(maxAbsDiff(values(s, avg), a)).as("after D steps").isZero();
            List<float[]> before = values(s, w);
            run(s, tg, tg.gTrain, counter++);
            List<float[]> now = values(s, w);
            assertThat(maxAbsDiff(now, before)).as("G moved").isGreaterThan(1e-4f);
            List<float[]> got = values(s, avg);
            for (int i = 0; i < got.size(); i++) {
              for (int j = 0; j < got.get(i).length; j++) {
                float expect = beta * a.get(i)[j] + (1 - beta) * now.get(i)[j];
                assertThat(got.get(i)[j]).as("%s step %d variable %d entry %d", loss, step, i, j)
                    .isCloseTo(expect, within(1e-6f + 1e-5f * Math.abs(expect)));
              }
            }
            a = got;
          }
          assertThat(maxAbsDiff(a, values(s, w))).as("the average lags the weights").isGreaterThan(1e-4f);
          float[] ema = Tf.flat(s, tg.evalSamples);
          float[] raw = Tf.flat(s, tg.evalSamplesRaw);
          float d = 0;
          for (int i = 0; i < ema.length; i++) {
            d = Math.max(d, Math.abs(ema[i] - raw[i]));
          }
          assertThat(d).as("averaged and trained generators give different samples").isGreaterThan(1e-5f);
        }
      }
    }
  }

  @Test
  void noTrainingStepReadsTheAverage() {
    // Training with the average is training without it: neither the D step nor G's optimiser step
    // depends (through data or control edges) on any op of the averaged copy; only the average's own
    // update, which runs after G's step, reads it.
    for (String loss : List.of("MBGAN", "GAN")) {
      Experiment e = cfg(loss, "techniques.generator_ema=0.9");
      try (Graph g = new Graph()) {
        TrainGraph tg = TrainGraph.build(g, e, DataSources.create(e.getData()));
        String update = GeneratorAverage.SCOPE + "_update/";
        assertThat(cone(List.of((GraphOperation) tg.dTrain.op()), "-")).as(loss + ": D step")
            .noneMatch(n -> n.startsWith(GeneratorAverage.SCOPE));
        Set<String> gStep = cone(List.of((GraphOperation) tg.gTrain.op()), update);
        assertThat(gStep).as(loss + ": G step").contains("g_train").anyMatch(n -> n.startsWith("generator/"))
            .noneMatch(n -> n.startsWith(GeneratorAverage.SCOPE + "/"));
        // The traversal does reach the average where it is read: the evaluation samples and its update.
        assertThat(cone(List.of((GraphOperation) tg.evalSamples.op()), "-"))
            .anyMatch(n -> n.startsWith(GeneratorAverage.SCOPE + "/"));
        assertThat(cone(List.of((GraphOperation) tg.gTrain.op()), "-")).anyMatch(n -> n.startsWith(update));
      }
    }
  }

  @Test
  void aRunWithTheAverageTrainsExactlyAsTheRunWithout() throws Exception {
    // Training is reproducible to the bit (StepOrderTest), so the numbers say it too: the same losses
    // at every step, with and without the average.
    Path with = tmp.resolve("with");
    Path without = tmp.resolve("without");
    Experiment a = cfg("MBGAN", "techniques.generator_ema=0.9", "train.steps=6", "train.summary_every=1",
        "train.output_dir=" + with);
    Experiment b = cfg("MBGAN", "train.steps=6", "train.summary_every=1", "train.output_dir=" + without);
    assertThat(Trainer.run(a, new Trainer.Options(false, QUIET, false)).exitCode()).isZero();
    assertThat(Trainer.run(b, new Trainer.Options(false, QUIET, false)).exitCode()).isZero();
    List<String> la = java.nio.file.Files.readAllLines(with.resolve("losses.csv"));
    assertThat(la).hasSize(7).isEqualTo(java.nio.file.Files.readAllLines(without.resolve("losses.csv")));
  }

  /** Names of the ops {@code roots} depend on, through inputs and control inputs, not entering ops named {@code skip}*. */
  private static Set<String> cone(List<GraphOperation> roots, String skip) {
    return org.bgan.testing.GraphCones.cone(roots, n -> n.startsWith(skip)).keySet();
  }

  @Test
  void offMeansNoAveragedGeneratorInTheGraph() {
    Experiment e = cfg("BGAN");
    try (Graph g = new Graph()) {
      TrainGraph tg = TrainGraph.build(g, e, DataSources.create(e.getData()));
      assertThat(tg.evalSamplesRaw).isNull();
      assertThat(tg.evalSamples).isSameAs(tg.model.evalSamples());
      assertThat(g.operation(GeneratorAverage.SCOPE + "/layer_0/kernel")).isNull();
    }
  }

  @Test
  void metricsAreTheAveragesWithTheRawGeneratorsBesideThemAndExportServesTheAverage() throws Exception {
    Path sm = tmp.resolve("sm");
    Experiment e = cfg("BGAN", "techniques.generator_ema=0.5", "train.steps=4", "train.checkpoint_every=2",
        "train.eval_every=2", "train.export=true", "train.export_dir=" + sm);
    Trainer.Result r = Trainer.run(e, new Trainer.Options(false, QUIET, false));
    assertThat(r.exitCode()).isZero();
    assertThat(r.finalMetrics()).containsKeys("modes_captured", "high_quality_percent", "reverse_kl", "raw");
    assertThat(new ArrayList<Object>(((Map<?, ?>) r.finalMetrics().get("raw")).keySet())).contains("modes_captured", "high_quality_percent", "reverse_kl");
    String history = Files.readString(r.runDir().resolve("metrics_history.jsonl"), StandardCharsets.UTF_8);
    assertThat(history.lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"raw\""));

    // The SavedModel computes the averaged generator of the last checkpoint, not the trained one.
    RealSource data = DataSources.create(e.getData());
    float[] z = Tf.randn(6 * 2, 3, 1.0);
    float[] fromAvg;
    float[] fromRaw;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network avg = Architectures.generator(tf, e, data.sampleShape(), GeneratorAverage.SCOPE);
      Network raw = Architectures.generator(tf, e, data.sampleShape());
      Operand<TFloat32> zc = tf.constant(Shape.of(6, 2), DataBuffers.of(z));
      Operand<TFloat32> ya = avg.apply(tf, zc, 1, Phase.infer());
      Operand<TFloat32> yr = raw.apply(tf, zc, 1, Phase.infer());
      try (Session s = new Session(g)) {
        s.restore(Checkpoints.latest(r.runDir()).orElseThrow().prefix().toString());
        fromAvg = Tf.flat(s, ya);
        fromRaw = Tf.flat(s, yr);
      }
    }
    float[] served;
    try (SavedModelBundle b = SavedModelBundle.load(r.savedModel().toString(), "serve");
        TFloat32 zt = TFloat32.tensorOf(Shape.of(6, 2), DataBuffers.of(z));
        var out = b.function("serving_default").call(Map.of("z", zt))) {
      TFloat32 samples = (TFloat32) out.get("samples").orElseThrow();
      served = new float[(int) samples.size()];
      samples.copyTo(DataBuffers.of(served, false, false));
    }
    assertThat(served).containsExactly(fromAvg, within(1e-5f));
    float d = 0;
    for (int i = 0; i < served.length; i++) {
      d = Math.max(d, Math.abs(served[i] - fromRaw[i]));
    }
    assertThat(d).as("served samples differ from the trained generator's").isGreaterThan(1e-4f);
  }

  @Test
  void aResumedRunContinuesTheAverageOfItsCheckpoint() throws Exception {
    // Exact, within one process's arithmetic: after resuming at step 3 and making step 4, the average
    // is beta * (the checkpoint's average) + (1 - beta) * (the step-4 weights). A run whose average
    // restarted at the resume would hold beta * (initial weights) + (1 - beta) * w4 instead, which the
    // last assertion tells apart.
    float beta = 0.6f;
    Path run = tmp.resolve("split");
    String ema = "techniques.generator_ema=" + beta;
    Experiment half = cfg("MBGAN", ema, "train.steps=3", "train.checkpoint_every=1", "train.output_dir=" + run);
    Experiment rest = cfg("MBGAN", ema, "train.steps=4", "train.checkpoint_every=1", "train.output_dir=" + run);
    assertThat(Trainer.run(half, new Trainer.Options(false, QUIET, false)).exitCode()).isZero();
    String avgName = GeneratorAverage.SCOPE + "/layer_1/kernel";
    float[] a3 = Checkpointed.floats(run, half, avgName);
    assertThat(Trainer.run(rest, new Trainer.Options(true, QUIET, false)).exitCode()).isZero();
    float[] a4 = Checkpointed.floats(run, rest, avgName);
    float[] w4 = Checkpointed.floats(run, rest, "generator/layer_1/kernel");
    float[] w0;
    try (Graph g = new Graph()) {
      TrainGraph.build(g, half, DataSources.create(half.getData()));
      try (Session s = new Session(g)) {
        s.initialize();
        w0 = Tf.flat(s, g.<TFloat32>operation("generator/layer_1/kernel").output(0));
      }
    }
    float restartGap = 0;
    for (int i = 0; i < a4.length; i++) {
      float expect = beta * a3[i] + (1 - beta) * w4[i];
      assertThat(a4[i]).as("entry %d", i).isCloseTo(expect, within(1e-6f + 1e-5f * Math.abs(expect)));
      restartGap = Math.max(restartGap, Math.abs(beta * (a3[i] - w0[i])));
    }
    assertThat(restartGap).as("a restarted average would differ by").isGreaterThan(1e-3f);
  }

  @Test
  void aBatchNormImageGeneratorsAverageCopiesTheRunningStatisticsAndExports() throws Exception {
    Path run = tmp.resolve("img");
    Experiment e = ExperimentConfigs.fromText("""
        name: "img" loss: BGAN
        data { images { format: RANDOM size: 8 channels: 1 random_examples: 40 } }
        generator { arch: DCGAN z_dim: 8 width: 4 batch_norm: true }
        discriminator { arch: DCGAN width: 4 }
        train { batch_size: 6 n_disc: 1 steps: 2 checkpoint_every: 2 intra_op_threads: 1 inter_op_threads: 1 }
        eval { grid_samples: 4 }
        """, "test", List.of("techniques.generator_ema=0.9", "train.output_dir=" + run,
        "train.export_dir=" + tmp.resolve("sm-img")));
    Trainer.Result r = Trainer.run(e, new Trainer.Options(false, QUIET, false));
    assertThat(r.exitCode()).isZero();
    assertThat(r.savedModel()).isNotNull();
    float[] stats = Checkpointed.floats(run, e, "generator/dense_bn/moving_mean");
    assertThat(stats).as("the running mean moved").isNotEqualTo(new float[stats.length]);
    assertThat(Checkpointed.floats(run, e, GeneratorAverage.SCOPE + "/dense_bn/moving_mean")).containsExactly(stats);
  }

  @Test
  void decaysOutsideTheUnitIntervalAndMixGanAreRejectedNamingTheField() {
    for (String v : List.of("1", "1.5", "-0.1", "nan")) {
      assertThatThrownBy(() -> cfg("BGAN", "techniques.generator_ema=" + v)).as(v).isInstanceOf(UserException.class)
          .hasMessageContaining("techniques.generator_ema");
    }
    assertThatThrownBy(() -> cfg("GAN", "techniques.generator_ema=0.9", "techniques.mix_components=2"))
        .isInstanceOf(UserException.class).hasMessageContaining("techniques.generator_ema")
        .hasMessageContaining("MIX+GAN");
  }
}
