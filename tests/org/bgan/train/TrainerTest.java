package org.bgan.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.export.GeneratorExporter;
import org.bgan.export.SavedModels;
import org.bgan.testing.Tf;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class TrainerTest {
  @TempDir
  Path tmp;

  private Experiment config(String loss, Path out, long steps, String... extra) {
    List<String> sets = new ArrayList<>(List.of("loss=" + loss, "train.steps=" + steps, "train.output_dir=" + out,
        "train.export_dir=" + tmp.resolve("sm"), "generator.hidden=32,32", "discriminator.hidden=32,32",
        "train.batch_size=16", "train.n_disc=2", "train.checkpoint_every=5", "train.summary_every=2",
        "train.plot_at=3", "train.eval_every=4", "eval.num_samples=200", "data.synthetic2d.train_size=500",
        "train.intra_op_threads=1", "train.inter_op_threads=1"));
    sets.addAll(List.of(extra));
    Experiment.Builder b = ExperimentConfigs.parse(
        "name: \"t\" data { synthetic2d { kind: RING } } mixing { gamma: 0.3 }", "test");
    for (String s : sets) {
      ExperimentConfigs.applyOverride(b, s);
    }
    Experiment e = b.build();
    ExperimentConfigs.validate(e);
    return e;
  }

  private static Trainer.Options quiet(boolean resume) {
    return new Trainer.Options(resume, new PrintStream(java.io.OutputStream.nullOutputStream()), false);
  }

  /** A quiet resume with {@code --allow-config-changes}. */
  private static Trainer.Options resumeAllowingChanges() {
    return new Trainer.Options(true, new PrintStream(java.io.OutputStream.nullOutputStream()), false, true);
  }

  @Test
  void shortRunEndToEndThroughExportAndReload() throws Exception {
    Path run = tmp.resolve("run");
    Experiment cfg = config("MBGAN", run, 12);
    Trainer.Result r = Trainer.run(cfg, quiet(false));
    assertThat(r.exitCode()).isZero();
    assertThat(r.step()).isEqualTo(12);
    assertThat(run.resolve("config.pbtxt")).isRegularFile();
    assertThat(run.resolve("metrics.json")).content().contains("\"modes_captured\"").contains("\"history\"");
    assertThat(Files.readAllLines(run.resolve("metrics_history.jsonl"))).hasSize(3) // eval_every 4: steps 4, 8; final 12
        .anyMatch(l -> l.contains("\"step\": 8"));
    assertThat(run.resolve("plots/step-000000003.png")).isRegularFile();
    assertThat(run.resolve("plots/step-000000012.png")).isRegularFile();
    try (var s = Files.list(run.resolve("tb"))) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).count()).isEqualTo(1);
    }
    assertThat(Checkpoints.latest(run)).get().extracting(Checkpoints.Checkpoint::step).isEqualTo(12L);
    assertThat(r.savedModel()).isEqualTo(tmp.resolve("sm/1"));
    assertThat(r.savedModel().resolve("saved_model.pb")).isRegularFile();
    assertThat(r.savedModel().resolve("variables")).isDirectory();

    // The exported generator computes what the trained generator computes on the same z.
    float[][] z = {{0.1f, -0.4f}, {1.5f, 0.3f}, {-2f, 0.7f}};
    float[][] inProcess;
    try (Graph g = new Graph()) {
      var tf = org.tensorflow.op.Ops.create(g);
      var gen = org.bgan.model.GanModelBuilder.generator(tf, cfg, new long[] {2});
      var out = gen.apply(tf, tf.constant(z), 1, org.bgan.layers.Phase.infer());
      try (Session s = new Session(g)) {
        s.restore(Checkpoints.latest(run).get().prefix().toString());
        inProcess = Tf.matrix(s, out);
      }
    }
    try (SavedModelBundle b = SavedModelBundle.load(r.savedModel().toString(), "serve");
        TFloat32 zt = TFloat32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(z));
        var res = b.function(GeneratorExporter.SIGNATURE_DEFAULT).call(Map.of("z", zt))) {
      float[][] served = SavedModels.toMatrix((TFloat32) res.get("samples").orElseThrow());
      for (int i = 0; i < z.length; i++) {
        assertThat(served[i]).containsExactly(inProcess[i], org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
    // The sample signature is deterministic in (num, seed).
    float[][] a = SavedModels.sample(r.savedModel(), 5, 3);
    float[][] a2 = SavedModels.sample(SavedModels.resolveVersion(tmp.resolve("sm")), 5, 3);
    float[][] c = SavedModels.sample(r.savedModel(), 5, 4);
    assertThat(a).hasDimensions(5, 2).isDeepEqualTo(a2);
    assertThat(a).isNotEqualTo(c);
    // A second export becomes version 2.
    assertThat(GeneratorExporter.export(cfg, new long[] {2}, Checkpoints.latest(run).get().prefix(), tmp.resolve("sm")))
        .isEqualTo(tmp.resolve("sm/2"));
  }

  @Test
  void eachPlayersStepLeavesTheOtherPlayersVariablesUnchanged() {
    for (String loss : List.of("GAN", "BGAN")) {
      Experiment cfg = config(loss, tmp.resolve("iso" + loss), 10);
      try (Graph g = new Graph()) {
        TrainGraph tg = TrainGraph.build(g, cfg, DataSources.create(cfg.getData()));
        try (Session s = new Session(g)) {
          s.initialize();
          float[] g0 = Tf.flatAll(s, tg.model.gVars());
          float[] d0 = Tf.flatAll(s, tg.model.dVars());
          try (TInt64 seed = TInt64.vectorOf(1, 1)) {
            s.runner().feed(tg.model.stepSeed(), seed).addTarget(tg.dTrain).run();
          }
          assertThat(Tf.flatAll(s, tg.model.gVars())).as(loss + ": G after a D step").containsExactly(g0);
          float[] d1 = Tf.flatAll(s, tg.model.dVars());
          assertThat(d1).as(loss + ": D after a D step").isNotEqualTo(d0);
          try (TInt64 seed = TInt64.vectorOf(1, 2)) {
            s.runner().feed(tg.model.stepSeed(), seed).addTarget(tg.gTrain).run();
          }
          assertThat(Tf.flatAll(s, tg.model.dVars())).as(loss + ": D after a G step").containsExactly(d1);
          assertThat(Tf.flatAll(s, tg.model.gVars())).as(loss + ": G after a G step").isNotEqualTo(g0);
        }
      }
    }
  }

  @Test
  void resumedRunEndsWhereTheUninterruptedRunEnds() throws Exception {
    Path straight = tmp.resolve("straight");
    Trainer.run(config("BGAN", straight, 10, "train.export=false"), quiet(false));
    Path split = tmp.resolve("split");
    Trainer.run(config("BGAN", split, 5, "train.export=false"), quiet(false));
    Trainer.Result r = Trainer.run(config("BGAN", split, 10, "train.export=false"), quiet(true));
    assertThat(r.step()).isEqualTo(10);
    // Same seeds per step, the same variables restored bit for bit, and steps that do not depend on
    // thread scheduling (StepOrderTest): the second half retraces the uninterrupted run exactly.
    // (The history differs: the first half's final evaluation is kept.)
    assertThat(finalPart(split)).isEqualTo(finalPart(straight));
    List<String> a = Files.readAllLines(split.resolve("losses.csv"));
    List<String> b = Files.readAllLines(straight.resolve("losses.csv"));
    assertThat(a).hasSize(b.size()).isEqualTo(b);
  }

  @Test
  void twoRunsOfOneSeedAreTheSameRunOnAnyNumberOfThreads() throws Exception {
    // Two threads for TensorFlow's ops and two for its scheduler, so that the ops of a step can run
    // in another order each time; the standard GAN with spectral norm and a gradient penalty (three
    // applications of D per step beside the update of the power iteration's vector). Losses, metrics
    // and the trained generator agree to the bit.
    List<String> sets = List.of("train.export=true", "discriminator.spectral_norm=true",
        "techniques.gradient_penalty=1", "train.intra_op_threads=2", "train.inter_op_threads=2");
    Trainer.Result one = Trainer.run(config("GAN", tmp.resolve("one"), 8, withExport(sets, "one")), quiet(false));
    Trainer.Result two = Trainer.run(config("GAN", tmp.resolve("two"), 8, withExport(sets, "two")), quiet(false));
    assertThat(Files.readAllLines(tmp.resolve("two").resolve("losses.csv")))
        .isEqualTo(Files.readAllLines(tmp.resolve("one").resolve("losses.csv")));
    assertThat(finalPart(tmp.resolve("two"))).isEqualTo(finalPart(tmp.resolve("one")));
    assertThat(SavedModels.sample(two.savedModel(), 50, 7)).isDeepEqualTo(SavedModels.sample(one.savedModel(), 50, 7));
  }

  private String[] withExport(List<String> sets, String name) {
    List<String> all = new ArrayList<>(sets);
    all.add("train.export_dir=" + tmp.resolve("sm-" + name));
    return all.toArray(new String[0]);
  }

  private static double number(String json, String key) {
    var m = java.util.regex.Pattern.compile("\"" + key + "\": ([-0-9.eE]+)").matcher(json);
    assertThat(m.find()).as(key).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static String finalPart(Path run) throws java.io.IOException {
    String m = Files.readString(run.resolve("metrics.json"));
    return m.substring(m.indexOf("\"final\""), m.indexOf("\"iters_per_second\""));
  }

  @Test
  void resumeWithoutCheckpointAndRerunOverAnExistingRunAreUserErrors() throws Exception {
    Path run = tmp.resolve("r");
    assertThatThrownBy(() -> Trainer.run(config("GAN", run, 3, "train.export=false"), quiet(true)))
        .isInstanceOf(UserException.class).hasMessageContaining("no checkpoint");
    assertThat(run).as("a refused run leaves no run directory behind").doesNotExist();
    // nor does one whose export directory cannot be written (a file stands where its parent should be)
    Path blocker = Files.writeString(tmp.resolve("blocker"), "x");
    Path nested = tmp.resolve("new").resolve("run");
    assertThatThrownBy(() -> Trainer.run(config("GAN", nested, 3, "train.export_dir=" + blocker.resolve("sm")), quiet(false)))
        .isInstanceOf(UserException.class).hasMessageContaining("export directory");
    assertThat(tmp.resolve("new")).doesNotExist();
    Trainer.run(config("GAN", run, 3, "train.export=false"), quiet(false));
    assertThatThrownBy(() -> Trainer.run(config("GAN", run, 3, "train.export=false"), quiet(false)))
        .isInstanceOf(UserException.class).hasMessageContaining("already holds a run").hasMessageContaining("--resume");
  }

  @Test
  void resumeWithFewerStepsThanTheRunHasIsRefusedAndLeavesTheRunAsItWas() throws Exception {
    Path run = tmp.resolve("f");
    Trainer.run(config("BGAN", run, 3, "train.export=false"), quiet(false));
    String config = Files.readString(run.resolve("config.pbtxt"));
    String metrics = Files.readString(run.resolve("metrics.json"));
    assertThatThrownBy(() -> Trainer.run(config("BGAN", run, 2, "train.export=false"), quiet(true)))
        .isInstanceOf(UserException.class).hasMessageContaining("already at step 3, past train.steps 2")
        .hasMessageContaining("more than 3");
    assertThat(Files.readString(run.resolve("config.pbtxt"))).isEqualTo(config);
    assertThat(Files.readString(run.resolve("metrics.json"))).isEqualTo(metrics);
    // resuming a finished run at its own length: nothing to do, said so (it appended a second final history
    // entry, rewrote metrics.json without the final losses and exported another version)
    String history = Files.readString(run.resolve("metrics_history.jsonl"));
    assertThatThrownBy(() -> Trainer.run(config("BGAN", run, 3, "train.export=false"), quiet(true)))
        .isInstanceOf(UserException.class).hasMessageContaining("has finished (step 3 = train.steps")
        .hasMessageContaining("more than 3");
    assertThat(Files.readString(run.resolve("metrics.json"))).isEqualTo(metrics);
    assertThat(Files.readString(run.resolve("metrics_history.jsonl"))).isEqualTo(history);
    // killed after its last checkpoint, before metrics.json: resuming completes it (as a study does)
    Files.delete(run.resolve("metrics.json"));
    assertThat(Trainer.run(config("BGAN", run, 3, "train.export=false"), quiet(true)).step()).isEqualTo(3);
    assertThat(Trainer.finishedAt(run)).isEqualTo(3);
  }

  @Test
  void resumeRefusesAnotherModelOrLossButTakesMoreStepsAndOtherOutputs() throws Exception {
    Path run = tmp.resolve("c");
    Trainer.run(config("BGAN", run, 3, "train.export=false"), quiet(false));
    String saved = Files.readString(run.resolve("config.pbtxt"));
    // the same networks (the checkpoint would load) with another loss or mixing prior: silently another
    // experiment from the checkpoint on, so refused, each changed field named
    assertThatThrownBy(() -> Trainer.run(config("MBGAN", run, 6, "train.export=false", "mixing.gamma=0.5"), quiet(true)))
        .isInstanceOf(UserException.class).hasMessageContaining("differs from the run's")
        .hasMessageContaining("loss, mixing.gamma").hasMessageContaining("--allow-config-changes");
    assertThatThrownBy(() -> Trainer.run(config("BGAN", run, 6, "train.export=false", "d_optimizer.learning_rate=0.5"),
        quiet(true))).isInstanceOf(UserException.class).hasMessageContaining("config.pbtxt in d_optimizer.learning_rate;");
    assertThat(Files.readString(run.resolve("config.pbtxt"))).isEqualTo(saved);
    // more steps, other threads, evaluation and plots are a continuation of the same run
    Trainer.Result r = Trainer.run(config("BGAN", run, 5, "train.export=false", "train.intra_op_threads=1",
        "eval.num_samples=100", "train.plot_at=5"), quiet(true));
    assertThat(r.step()).isEqualTo(5);
    // and a change the user asks for explicitly goes through, recorded in the run's config
    Trainer.Result changed = Trainer.run(config("BGAN", run, 6, "train.export=false", "d_optimizer.learning_rate=0.0002"),
        resumeAllowingChanges());
    assertThat(changed.step()).isEqualTo(6);
    Experiment now = ExperimentConfigs.parse(Files.readString(run.resolve("config.pbtxt")), "config.pbtxt").build();
    assertThat((double) now.getDOptimizer().getLearningRate()).isCloseTo(0.0002, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void changesOnResumeCountUnsetFieldsAsTheirDefaults() {
    Experiment a = config("BGAN", tmp.resolve("d"), 3);
    Experiment b = a.toBuilder().setTrain(a.getTrain().toBuilder().setBatchSize(a.getTrain().getBatchSize())).build();
    assertThat(org.bgan.config.ExperimentConfigs.changesOnResume(a, b)).isEmpty();
    Experiment c = a.toBuilder().setTrain(a.getTrain().toBuilder().setBatchSize(7).setSteps(99)).build();
    assertThat(org.bgan.config.ExperimentConfigs.changesOnResume(a, c)).containsExactly("train.batch_size");
  }

  @Test
  void resumeWithAnotherNetworkOrADamagedCheckpointIsAUserErrorAndKeepsTheRunsConfig() throws Exception {
    Path run = tmp.resolve("m");
    Trainer.run(config("GAN", run, 3, "train.export=false"), quiet(false));
    String saved = Files.readString(run.resolve("config.pbtxt"));
    // other hidden widths than the run's config: refused before any graph is built, naming the field
    assertThatThrownBy(() -> Trainer.run(config("GAN", run, 6, "train.export=false", "generator.hidden=8,8"), quiet(true)))
        .isInstanceOf(UserException.class).hasMessageContaining("--resume: the config differs from the run's")
        .hasMessageContaining(run.resolve("config.pbtxt").toString()).hasMessageContaining("generator.hidden");
    // ... and with --allow-config-changes, TensorFlow's "Assign requires shapes of both tensors to match"
    // (once an internal error, after the run's config.pbtxt had already been replaced) is a user error
    assertThatThrownBy(() -> Trainer.run(config("GAN", run, 6, "train.export=false", "generator.hidden=8,8"),
        resumeAllowingChanges()))
        .isInstanceOf(UserException.class).hasMessageContaining("--resume: cannot restore the checkpoint")
        .hasMessageContaining("shapes").hasMessageContaining(run.resolve("config.pbtxt").toString());
    assertThat(Files.readString(run.resolve("config.pbtxt"))).isEqualTo(saved);
    // the right config still resumes
    assertThat(Trainer.run(config("GAN", run, 6, "train.export=false"), quiet(true)).step()).isEqualTo(6);

    // a damaged checkpoint: resume and export say which checkpoint, without a stack trace
    Path prefix = Checkpoints.latest(run).orElseThrow().prefix();
    try (var files = Files.list(prefix.getParent())) {
      for (Path f : files.filter(f -> f.getFileName().toString().contains(".data-")).toList()) {
        Files.writeString(f, "garbage");
      }
    }
    assertThatThrownBy(() -> Trainer.run(config("GAN", run, 9, "train.export=false"), quiet(true)))
        .isInstanceOf(UserException.class).hasMessageContaining("--resume: cannot restore the checkpoint")
        .hasMessageContaining("damaged");
    Experiment cfg = config("GAN", run, 6);
    assertThatThrownBy(() -> GeneratorExporter.export(cfg, DataSources.sampleShape(cfg.getData()), prefix, tmp.resolve("x")))
        .isInstanceOf(UserException.class).hasMessageContaining("cannot restore the generator from checkpoint")
        .hasMessageContaining(prefix.getParent().toString());
    try (var left = Files.list(tmp.resolve("x"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aRunDirectoryInUseByAnotherProcessIsRefused() throws Exception {
    Path run = tmp.resolve("busy");
    // another process training into the directory: a JVM of its own on a run far too long to finish
    Path preset = tmp.resolve("busy.pbtxt");
    Files.writeString(preset, com.google.protobuf.TextFormat.printer().printToString(
        config("GAN", run, 1_000_000, "train.export=false", "train.eval_every=0", "train.plot_at=1000000")));
    List<String> cmd = new ArrayList<>(org.bgan.util.ChildJvm.command("org.bgan.cli.Main"));
    cmd.addAll(List.of("train", preset.toString()));
    Path log = tmp.resolve("child.log");
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (Checkpoints.latest(run).isEmpty()) {
        assertThat(child.isAlive()).as("the training child ended early: %s", Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("no checkpoint from the child within 2 minutes").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThatThrownBy(() -> Trainer.run(config("GAN", run, 10, "train.export=false"), quiet(true)))
          .isInstanceOf(UserException.class).hasMessageContaining("in use by another training process")
          .hasMessageContaining("(pid " + child.pid() + ")").hasMessageContaining(run.toString());
      // what 'study --status' reports: the process training in the directory
      assertThat(RunLock.heldBy(run)).contains(String.valueOf(child.pid()));
    } finally {
      child.destroyForcibly();
      child.waitFor();
    }
    // the lock went with the process: the run resumes here, from the child's last checkpoint
    assertThat(RunLock.heldBy(run)).isEmpty();
    long at = Checkpoints.latest(run).orElseThrow().step();
    assertThat(Trainer.run(config("GAN", run, at + 5, "train.export=false"), quiet(true)).step()).isEqualTo(at + 5);
    // within one process too: a run holding the directory refuses a second one, and a refused run in
    // a directory of its own leaves nothing behind
    Path other = tmp.resolve("held");
    Files.createDirectories(other);
    assertThat(RunLock.heldBy(other)).isEmpty();
    try (RunLock held = RunLock.acquire(other)) {
      assertThat(RunLock.heldBy(other)).contains(String.valueOf(ProcessHandle.current().pid()));
      assertThatThrownBy(() -> Trainer.run(config("GAN", other, 3), quiet(false)))
          .isInstanceOf(UserException.class).hasMessageContaining("in use by another training process");
    }
    assertThat(Trainer.run(config("GAN", other, 3, "train.export=false"), quiet(false)).step()).isEqualTo(3);
    Path refused = tmp.resolve("refused");
    assertThatThrownBy(() -> Trainer.run(config("GAN", refused, 3), quiet(true)))
        .isInstanceOf(UserException.class).hasMessageContaining("--resume: no checkpoint");
    assertThat(refused).doesNotExist();
  }

  @Test
  void unwritableOutputDirectoryIsAUserError() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    assertThatThrownBy(() -> Trainer.run(config("GAN", file.resolve("sub"), 3), quiet(false)))
        .isInstanceOf(UserException.class).hasMessageContaining("not writable").hasMessageContaining("train.output_dir");
  }

  @Test
  void divergenceStopsWithTheStepAndKeepsTheLastGoodCheckpoint() throws Exception {
    Path run = tmp.resolve("nan");
    // A learning rate of 1e30 makes the weights overflow within a few steps.
    Trainer.Result r = Trainer.run(config("GAN", run, 50, "train.export=false", "d_optimizer.learning_rate=1e30",
        "g_optimizer.learning_rate=1e30", "train.checkpoint_every=1"), quiet(false));
    assertThat(r.exitCode()).isEqualTo(Trainer.EXIT_DIVERGED);
    assertThat(r.message()).contains("diverged at step " + (r.step() + 1)).containsPattern("loss is (NaN|Infinity|-Infinity)");
    assertThat(r.step()).isLessThan(50);
    if (r.step() > 0) {
      assertThat(Checkpoints.latest(run)).get().extracting(Checkpoints.Checkpoint::step).isEqualTo(r.step());
      assertThat(r.message()).contains("last good checkpoint");
    }
  }

  /**
   * The note on a signal runs while training goes on: a signal during a checkpoint save waits for it
   * and names it, and no save completes once the note is out (the note named step 100 while step 150
   * was saved after it, and --resume then started at 150).
   */
  @Test
  void theInterruptNoteNamesTheNewestCheckpointOnDisk() throws Exception {
    Path run = tmp.resolve("run");
    Checkpoints.Checkpoint c100 = new Checkpoints.Checkpoint(run.resolve("checkpoints/step-100/ckpt"), 100);
    Checkpoints.Checkpoint c150 = new Checkpoints.Checkpoint(run.resolve("checkpoints/step-150/ckpt"), 150);
    try (Trainer.InterruptNote note = new Trainer.InterruptNote(run, 1000, Trainer.Options.TRAIN_CONTINUES, false)) {
      assertThat(note.message()).isEqualTo("bgan: " + run + " interrupted at step 0 of 1000; no checkpoint was written "
          + "yet (train.checkpoint_every), so it starts again from step 0");
      note.at(120, note.save(() -> c100));
      assertThat(note.message()).isEqualTo("bgan: " + run + " interrupted at step 120 of 1000; its last complete "
          + "checkpoint is step 100 (" + run.resolve("checkpoints/step-100") + "): the same command with --out " + run
          + " --resume continues from it");
      java.util.concurrent.CountDownLatch saving = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
      Thread trainer = new Thread(() -> {
        try {
          note.save(() -> {
            saving.countDown();
            try {
              finish.await();
            } catch (InterruptedException e) {
              throw new java.io.IOException(e);
            }
            return c150;
          });
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      trainer.start();
      saving.await();
      Thread signal = new Thread(note::stop);
      signal.start();
      signal.join(300);
      assertThat(signal.isAlive()).as("the note waits for the save in progress").isTrue();
      finish.countDown();
      signal.join(10_000);
      trainer.join(10_000);
      assertThat(note.message()).contains("its last complete checkpoint is step 150");
      // once the note is out, a save never starts
      java.util.concurrent.atomic.AtomicBoolean saved = new java.util.concurrent.atomic.AtomicBoolean();
      Thread late = new Thread(() -> {
        try {
          note.save(() -> {
            saved.set(true);
            return c150;
          });
        } catch (java.io.IOException e) {
          // interrupted below
        }
      });
      late.start();
      late.join(300);
      assertThat(late.isAlive()).isTrue();
      late.interrupt();
      late.join(10_000);
      assertThat(saved).isFalse();
    }
  }
}
