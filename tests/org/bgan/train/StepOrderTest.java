package org.bgan.train;

import static org.bgan.testing.GraphCones.cone;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;

/**
 * The graph's variables are reference variables: an op reading one sees the buffer as it is when the
 * op runs, and the optimisers and state updates write into it in place. A training step is therefore
 * reproducible only if, within the ops one run of the step executes, every op that writes a variable
 * is ordered (by data or control edges) with every other op that reads or writes it. These tests
 * check that order on the graphs of many configs (fourteen), for the D step (d_train, its summaries, d_loss)
 * and the G step (g_train, its summaries, g_loss); the ordering is what makes two runs of one seed
 * give the same numbers ({@link TrainerTest}).
 */
class StepOrderTest {
  @TempDir
  Path tmp;

  /** Ops that write their first input (a reference variable) in place. */
  private static final Set<String> WRITERS = Set.of("ApplyAdam", "ApplyRMSProp", "ApplyGradientDescent", "Assign", "AssignAdd",
      "AssignSub");
  /** Ops whose output may share the input's buffer: their consumers read the variable too. */
  private static final Set<String> ALIASES = Set.of("Identity", "Reshape", "ExpandDims", "Squeeze");

  private Experiment twoD(String... sets) {
    List<String> all = new ArrayList<>(List.of("train.output_dir=" + tmp.resolve("run")));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "t" data { synthetic2d { kind: GRID train_size: 300 } }
        generator { hidden: [16, 16] } discriminator { hidden: [16, 16] }
        mixing { gamma: 0.3 }
        train { batch_size: 8 n_disc: 2 steps: 3 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { num_samples: 50 }
        """, "test", all);
  }

  private Experiment image(String... sets) {
    List<String> all = new ArrayList<>(List.of("train.output_dir=" + tmp.resolve("run")));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "t" data { images { format: RANDOM size: 8 channels: 1 random_examples: 16 } }
        generator { arch: DCGAN z_dim: 8 width: 4 batch_norm: true } discriminator { arch: DCGAN width: 4 }
        mixing { gamma: 0.3 }
        train { batch_size: 4 n_disc: 1 steps: 2 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { grid_samples: 4 }
        """, "test", all);
  }

  @Test
  void everyWriteOfAVariableIsOrderedWithItsReadsInBothSteps() {
    Map<String, Experiment> configs = new java.util.LinkedHashMap<>();
    configs.put("GAN", twoD("loss=GAN"));
    configs.put("BGAN + SN", twoD("loss=BGAN", "discriminator.spectral_norm=true"));
    configs.put("M-BGAN + SN", twoD("loss=MBGAN", "discriminator.spectral_norm=true"));
    // D applied to real, fake and interpolated points in one step, each spectrally normalised
    configs.put("GAN + GP + SN", twoD("loss=GAN", "techniques.gradient_penalty=10", "discriminator.spectral_norm=true"));
    configs.put("WGAN, clip, RMSProp", twoD("loss=WGAN", "techniques.weight_clip=0.01", "d_optimizer.kind=RMSPROP",
        "g_optimizer.kind=RMSPROP"));
    configs.put("CT-GAN", twoD("loss=WGAN", "techniques.gradient_penalty=10", "techniques.consistency_weight=2"));
    configs.put("BGAN + historical averaging", twoD("loss=BGAN", "techniques.historical_averaging=0.1"));
    configs.put("M-BGAN + generator average", twoD("loss=MBGAN", "techniques.generator_ema=0.9"));
    configs.put("GAN + minibatch discrimination", twoD("loss=GAN", "techniques.minibatch_discrimination=true",
        "techniques.minibatch_kernels=4", "techniques.minibatch_kernel_dims=3"));
    configs.put("MIX+GAN", twoD("loss=GAN", "techniques.mix_components=2"));
    configs.put("DCGAN GAN, batch norm, SN", image("loss=GAN", "discriminator.spectral_norm=true"));
    configs.put("DCGAN BGAN, batch norm", image("loss=BGAN"));
    configs.put("DCGAN GAN, improved techniques", image("loss=GAN", "generator.batch_norm=false",
        "generator.virtual_batch_norm=true", "generator.vbn_reference_size=4", "techniques.feature_matching=true",
        "techniques.historical_averaging=0.01", "techniques.real_label=0.9"));
    configs.put("GAN + mixup + instance noise", twoD("loss=GAN", "techniques.mixup_alpha=1",
        "techniques.instance_noise=0.5", "techniques.instance_noise_steps=3"));
    for (Map.Entry<String, Experiment> c : configs.entrySet()) {
      Experiment e = c.getValue();
      try (Graph g = new Graph()) {
        TrainGraph tg = TrainGraph.build(g, e, DataSources.create(e.getData()));
        List<GraphOperation> dRun = List.of(op(tg.dTrain.op()), op(tg.dSummaries.op()), op(tg.model.dLoss().op()));
        List<GraphOperation> gRun = List.of(op(tg.gTrain.op()), op(tg.gSummaries.op()), op(tg.model.gLoss().op()));
        List<String> dRaces = unorderedAccesses(dRun);
        List<String> gRaces = unorderedAccesses(gRun);
        assertThat(dRaces).as(c.getKey() + ": D step").isEmpty();
        assertThat(gRaces).as(c.getKey() + ": G step").isEmpty();
        // the check has something to check: the steps write variables that other ops of the step read
        assertThat(writers(dRun)).as(c.getKey()).isNotEmpty();
        assertThat(writers(gRun)).as(c.getKey()).isNotEmpty();
      }
    }
  }

  @Test
  void theCheckFindsAnUpdateThatDoesNotWaitForTheBackwardPass() {
    // Adam's update of the top layer applied as soon as its own gradient is ready, as before
    // GradientsReady: the backward pass reads that layer's kernel to reach the layers below.
    Experiment e = twoD("loss=GAN");
    try (Graph g = new Graph()) {
      org.bgan.model.GanModel m = org.bgan.model.GanModelBuilder.build(g, e, DataSources.create(e.getData()));
      org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
      var grads = tf.withSubScope("grads").gradients(m.dLoss(), m.dVars());
      List<org.tensorflow.op.Op> updates = new ArrayList<>();
      for (int i = 0; i < m.dVars().size(); i++) {
        updates.add(tf.train.applyGradientDescent(m.dVars().get(i), tf.constant(0.1f), grads.dy(i)));
      }
      List<GraphOperation> run = new ArrayList<>();
      for (org.tensorflow.op.Op u : updates) {
        run.add(op(u.op()));
      }
      assertThat(unorderedAccesses(run)).isNotEmpty()
          .anyMatch(s -> s.startsWith("ApplyGradientDescent") && s.contains("MatMul"));
    }
  }

  private static boolean writes(GraphOperation op) {
    return WRITERS.contains(op.type());
  }

  private static GraphOperation op(org.tensorflow.Operation o) {
    return (GraphOperation) o;
  }

  private static List<GraphOperation> writers(List<GraphOperation> run) {
    List<GraphOperation> out = new ArrayList<>();
    for (GraphOperation op : cone(run).values()) {
      if (writes(op)) {
        out.add(op);
      }
    }
    return out;
  }

  /** "writer / other op of the run on the same variable" pairs that no path orders. */
  private static List<String> unorderedAccesses(List<GraphOperation> run) {
    Map<String, GraphOperation> ran = cone(run);
    Map<String, Set<String>> ancestors = new HashMap<>();
    List<String> out = new ArrayList<>();
    for (GraphOperation w : ran.values()) {
      if (!writes(w)) {
        continue;
      }
      GraphOperation variable = op(w.input(0).op());
      for (GraphOperation other : accesses(variable)) {
        if (other.name().equals(w.name()) || !ran.containsKey(other.name())) {
          continue;
        }
        boolean ordered = ancestors.computeIfAbsent(w.name(), k -> cone(List.of(w)).keySet()).contains(other.name())
            || ancestors.computeIfAbsent(other.name(), k -> cone(List.of(other)).keySet()).contains(w.name());
        if (!ordered) {
          out.add(w.type() + " " + w.name() + " / " + other.type() + " " + other.name() + " on " + variable.name());
        }
      }
    }
    return out;
  }

  /** The ops that consume the variable's buffer: its consumers, through ops that may alias it. */
  private static List<GraphOperation> accesses(GraphOperation variable) {
    List<GraphOperation> out = new ArrayList<>();
    ArrayDeque<GraphOperation> todo = new ArrayDeque<>(variable.consumers(0));
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      GraphOperation c = todo.pop();
      if (!seen.add(c.name())) {
        continue;
      }
      out.add(c);
      if (ALIASES.contains(c.type())) {
        todo.addAll(c.consumers(0));
      }
    }
    return out;
  }
}
