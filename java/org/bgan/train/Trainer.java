package org.bgan.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.data.FedImages;
import org.bgan.data.images.BatchStream;
import org.bgan.data.images.ImageGrid;
import org.bgan.data.RealSource;
import org.bgan.data.Synthetic2D;
import org.bgan.eval.ModeCoverage;
import org.bgan.eval.ScatterPlot;
import org.bgan.export.GeneratorExporter;
import org.bgan.semi.SemiSupervisedRun;
import org.bgan.util.AtomicFiles;
import org.bgan.util.Json;
import org.bgan.util.UserException;
import org.tensorflow.Graph;

import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Trains a GAN from an experiment config: n_disc discriminator steps per generator step, checkpoints
 * (atomic; {@code resume} continues from the latest), TensorBoard events, a progress line, scatter
 * plots and SPEC §7 metrics for 2-D data, and the generator exported as a SavedModel at the end.
 *
 * <p>Every run of a step is fed the seed {@code [train.seed, counter]} with a counter that advances
 * by one per session run, so a resumed run draws exactly what the uninterrupted run would have.
 */
public final class Trainer {
  /** Exit code when a loss becomes NaN or infinite. */
  public static final int EXIT_DIVERGED = 4;

  /**
   * How to run: resume or start fresh, where progress goes; {@code howToContinue}: what the note on an
   * interrupted run says continues it. {@code allowConfigChanges}: a resumed run may differ from the run's {@code config.pbtxt} in more
   * than {@link ExperimentConfigs#RESUMABLE_CHANGES} (e.g. a new learning rate for the rest of it).
   */
  public record Options(boolean resume, PrintStream progress, boolean tty, boolean allowConfigChanges,
      java.util.function.Function<Path, String> howToContinue) {
    /** How a study's run continues: the study resumes its unfinished runs when it is run again. */
    public static final java.util.function.Function<Path, String> STUDY_CONTINUES =
        runDir -> "running the study again continues from it";

    /**
     * How a run of {@code bgan train} or {@code demo} continues (the demo's default run directory is a
     * new one each time, so the hint names it).
     */
    public static final java.util.function.Function<Path, String> TRAIN_CONTINUES =
        runDir -> "the same command with --out " + runDir + " --resume continues from it";

    public Options(boolean resume, PrintStream progress, boolean tty, boolean allowConfigChanges) {
      this(resume, progress, tty, allowConfigChanges, TRAIN_CONTINUES);
    }

    public Options(boolean resume, PrintStream progress, boolean tty) {
      this(resume, progress, tty, false);
    }
  }

  /** What a run produced. {@code exitCode} is 0, or {@link #EXIT_DIVERGED}. */
  public record Result(int exitCode, Path runDir, long step, Map<String, Object> finalMetrics, Path savedModel,
      double itersPerSecond, String message) {}

  private Trainer() {}

  public static Result run(Experiment cfg, Options opt) throws IOException {
    Path runDir = ExperimentConfigs.outputDir(cfg);
    for (String note : ExperimentConfigs.ineffective(cfg)) {
      opt.progress().println("note: " + note);
    }
    // The data and the networks' fit to it first: a missing dataset or an architecture that cannot
    // take its samples must not leave a run directory behind.
    RealSource data = DataSources.create(cfg.getData());
    org.bgan.nets.Architectures.check(cfg, data.sampleShape());
    SemiSupervisedRun semi = cfg.hasSemiSupervised() ? SemiSupervisedRun.open(cfg, data) : null;
    Path createdRunDir = AtomicFiles.ensureWritableDir(runDir, "output directory (train.output_dir)");
    Optional<Checkpoints.Checkpoint> latest;
    RunLock lock = null;
    try {
      lock = RunLock.acquire(runDir);  // one process per run directory
      latest = Checkpoints.latest(runDir);
      if (opt.resume() && latest.isEmpty()) {
        throw new UserException("--resume: no checkpoint in " + runDir.resolve(Checkpoints.DIR)
            + " (nothing to resume; start without --resume)");
      }
      if (!opt.resume() && latest.isPresent()) {
        throw new UserException("output directory " + runDir + " already holds a run (checkpoint at step "
            + latest.get().step() + "); pass --resume to continue it, or set another train.output_dir");
      }
      if (opt.resume() && !opt.allowConfigChanges()) {
        checkSameRun(cfg, runDir.resolve("config.pbtxt"));
      }
      if (cfg.getTrain().getExport()) {
        org.bgan.util.SavedModelDirs.requireBase(ExperimentConfigs.exportDir(cfg), "train.export_dir");
        AtomicFiles.ensureWritableDir(ExperimentConfigs.exportDir(cfg), "export directory (train.export_dir)");
      }
    } catch (RuntimeException e) {  // UserException, and anything else: the lock is not kept
      if (lock != null) {
        lock.abandon();
      }
      AtomicFiles.removeCreated(createdRunDir, runDir);  // a refused run leaves no empty run directory
      throw e;
    }
    var t = cfg.getTrain();
    int nDisc = t.getNDisc();
    long steps = t.getSteps();
    Set<Long> plotAt = new HashSet<>(t.getPlotAtList());

    try (RunLock held = lock; Graph graph = new Graph()) {
      TrainGraph tg = TrainGraph.build(graph, cfg, data);
      try (Session s = new Session(graph, sessionConfig(t.getIntraOpThreads(), t.getInterOpThreads()))) {
        long step = 0;
        if (latest.isPresent() && opt.resume()) {
          try {
            s.restore(latest.get().prefix().toString());
          } catch (RuntimeException e) {  // TensorFlow's errors: TFInvalidArgumentException, TFOutOfRangeException, ...
            // e.g. other network sizes than the run's: its config.pbtxt is left as it was
            throw new UserException("--resume: cannot restore the checkpoint " + latest.get().prefix().getParent()
                + " into this config's graph (" + org.bgan.util.Errors.firstLine(e) + "): the checkpoint is damaged, or the config is not"
                + " the one the run was trained with, " + runDir.resolve("config.pbtxt"));
          }
          step = readStep(s, tg);
          if (step > steps) {
            // Nothing to train: it would rewrite metrics.json and config.pbtxt as a run of train.steps steps.
            throw new UserException("--resume: the run in " + runDir + " is already at step " + step + ", past train.steps "
                + steps + "; set train.steps to more than " + step + " to train it further");
          }
          if (step == steps && finishedAt(runDir) == step) {
            // Finished (killed during the export at the latest): evaluating again would append a second final
            // entry to metrics_history.jsonl, rewrite metrics.json without the final losses and export again.
            throw new UserException("--resume: the run in " + runDir + " has finished (step " + step + " = train.steps, "
                + runDir.resolve("metrics.json") + " written); set train.steps to more than " + step
                + " to train it further" + (t.getExport() ? ", or export its generator with: bgan export --run " + runDir : ""));
          }
          opt.progress().println("resumed from " + latest.get().prefix().getParent() + " at step " + step);
        } else {
          s.initialize();
        }
        // Written once the checkpoint has been restored into this config's graph (a --resume that does not
        // fit must not replace the config the run's checkpoints were trained with).
        AtomicFiles.writeString(runDir.resolve("config.pbtxt"), ExperimentConfigs.toText(cfg));
        Path tb = runDir.resolve("tb");
        Files.createDirectories(tb);
        try (TString dir = TString.scalarOf(tb.toString())) {
          s.runner().feed(tg.logDir, dir).addTarget(tg.createWriter).run();
        }
        BatchStream stream = data instanceof FedImages fi
            ? new BatchStream(fi.dataset(), t.getBatchSize(), t.getSeed(), step * (nDisc + 1), fi.prefetch())
            : null;
        try (stream; InterruptNote interrupted = new InterruptNote(runDir, steps, opt.howToContinue(), opt.tty())) {
          LossLog losses = new LossLog(runDir.resolve(LossLog.FILE), step);
          ProgressBar bar = new ProgressBar(opt.progress(), steps, opt.tty());
          // The note keeps the newest complete checkpoint of this run: the one resumed from, then each one saved.
          interrupted.at(step, opt.resume() ? latest.get() : null);
          long t0 = System.nanoTime();
          long startStep = step;
          float dLoss = Float.NaN;
          float gLoss = Float.NaN;
          while (step < steps) {
            boolean summarize = step % t.getSummaryEvery() == 0;
            for (int k = 0; k < nDisc; k++) {
              boolean sum = summarize && k == nDisc - 1;
              try (SemiSupervisedRun.Feed labelled = semi == null ? null : semi.feed(tg.model.semi(), step * nDisc + k)) {
                dLoss = runStep(s, tg, stream, seed(t.getSeed(), step, k, nDisc), tg.dTrain, sum ? tg.dSummaries : null,
                    tg.model.dLoss(), labelled);
              }
              if (!Float.isFinite(dLoss)) {
                break;
              }
            }
            if (Float.isFinite(dLoss)) {
              gLoss = runStep(s, tg, stream, seed(t.getSeed(), step, nDisc, nDisc), tg.gTrain, summarize ? tg.gSummaries : null,
                  tg.model.gLoss());
            }
            if (!Float.isFinite(dLoss) || !Float.isFinite(gLoss)) {
              s.run(tg.flushWriter);
              String which = !Float.isFinite(dLoss) ? "discriminator loss is " + dLoss : "generator loss is " + gLoss;
              String msg = "error: training diverged at step " + (step + 1) + ": " + which + "; stopped. "
                  + (interrupted.last() != null
                      ? "The last good checkpoint is " + interrupted.last().prefix().getParent()
                      : "No checkpoint was written yet.");
              return new Result(EXIT_DIVERGED, runDir, step, Map.of(), null, 0, msg);
            }
            if (summarize) {
              losses.add(step, dLoss, gLoss);
            }
            step++;
            interrupted.reached(step);
            bar.update(step, String.format("d_loss %.4f g_loss %.4f", dLoss, gLoss));
            if (t.getSampleEvery() > 0 && step % t.getSampleEvery() == 0 && step < steps) {
              held.checkHeld(runDir);
              sampleGrid(s, tg, runDir, step);
            }
            if (step % t.getCheckpointEvery() == 0) {
              held.checkHeld(runDir);
              losses.flush();
              long at = step;
              interrupted.save(() -> Checkpoints.save(s, runDir, at, t.getKeepCheckpoints()));
            }
            boolean isEval = t.getEvalEvery() > 0 && step % t.getEvalEvery() == 0 && step < steps;
            if (data instanceof Synthetic2D && (plotAt.contains(step) || isEval)) {
              held.checkHeld(runDir);
              float[][] gen = samples(s, tg);
              if (plotAt.contains(step)) {
                plot(runDir, data, gen, cfg, step);
              }
              if (isEval) {
                appendHistory(runDir, step, evaluate(s, tg, data, gen));
              }
            }
            if (semi != null && isEval) {
              held.checkHeld(runDir);
              Map<String, Object> acc = semi.evaluate(s, tg.model.semi());
              appendHistory(runDir, step, acc);
              opt.progress().println(SemiSupervisedRun.describe(step, acc));
            }
          }
          double secs = (System.nanoTime() - t0) / 1e9;
          double ips = secs > 0 ? (step - startStep) / secs : 0;
          held.checkHeld(runDir);
          losses.flush();
          sampleGrid(s, tg, runDir, step);
          s.run(tg.flushWriter);
          long end = step;
          Checkpoints.Checkpoint ck = interrupted.last() != null && interrupted.last().step() == step
              ? interrupted.last()
              : interrupted.save(() -> Checkpoints.save(s, runDir, end, t.getKeepCheckpoints()));
          Map<String, Object> metrics = Map.of();
          if (data instanceof Synthetic2D) {
            float[][] gen = samples(s, tg);
            plot(runDir, data, gen, cfg, step);
            metrics = evaluate(s, tg, data, gen);
            appendHistory(runDir, step, metrics);
          }
          if (semi != null) {
            metrics = semi.evaluate(s, tg.model.semi());
            appendHistory(runDir, step, metrics);
            opt.progress().println(SemiSupervisedRun.describe(step, metrics));
          }
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("name", cfg.getName());
          out.put("loss", cfg.getLoss().name());
          out.put("step", step);
          out.put("seed", t.getSeed());
          out.put("final", metrics);
          out.put("final_d_loss", dLoss);
          out.put("final_g_loss", gLoss);
          out.put("iters_per_second", ips);
          out.put("history", history(runDir));
          AtomicFiles.writeString(runDir.resolve("metrics.json"), Json.write(out));
          Path exported = null;
          if (t.getExport()) {
            exported = GeneratorExporter.export(cfg, data.sampleShape(), ck.prefix(), ExperimentConfigs.exportDir(cfg));
          }
          return new Result(0, runDir, step, metrics, exported, ips, "");
        }
      }
    }
  }

  /**
   * Says, when the JVM is stopped while a run trains (Ctrl-C, {@code kill}), where the run stands: the
   * step it reached and the last complete checkpoint, which {@code --resume} continues from (a kill
   * mid-checkpoint leaves only a temporary directory, which the next save replaces). Before, Ctrl-C
   * ended the progress line without a word. A shutdown hook registered for the training loop only.
   *
   * <p>The JVM keeps running the training thread while shutdown hooks run, so saves go through {@link
   * #save}: a signal during a save waits for it and names it, and once the note is printed no save
   * completes, so the note never names a checkpoint older than the newest one on disk.
   */
  static final class InterruptNote implements AutoCloseable {
    private final Path runDir;
    private final long steps;
    private final java.util.function.Function<Path, String> howToContinue;
    private final boolean tty;
    private final Thread hook;
    private volatile long step;
    private volatile Checkpoints.Checkpoint last;
    private boolean stopped;

    InterruptNote(Path runDir, long steps, java.util.function.Function<Path, String> howToContinue, boolean tty) {
      this.runDir = runDir;
      this.steps = steps;
      this.howToContinue = howToContinue;
      this.tty = tty;
      this.hook = new Thread(this::stop, "interrupt-note");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    void at(long step, Checkpoints.Checkpoint last) {
      this.step = step;
      this.last = last;
    }

    void reached(long step) {
      this.step = step;
    }

    /** The newest complete checkpoint of the run (resumed from or saved), or null. */
    Checkpoints.Checkpoint last() {
      return last;
    }

    synchronized void stop() {
      stopped = true;
      System.err.println((tty ? "\n" : "") + message());
    }

    /** Saves a checkpoint unless the note is out (then waits for the JVM to halt); records it. */
    synchronized Checkpoints.Checkpoint save(CheckpointSave save) throws IOException {
      while (stopped) {
        try {
          wait(); // (never notified: the JVM halts once its hooks have run)
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while the JVM stops", e);
        }
      }
      Checkpoints.Checkpoint ck = save.save();
      last = ck;
      return ck;
    }

    /** A checkpoint save ({@link Checkpoints#save}). */
    interface CheckpointSave {
      Checkpoints.Checkpoint save() throws IOException;
    }

    String message() {
      Checkpoints.Checkpoint ck = last;
      return "bgan: " + runDir + " interrupted at step " + step + " of " + steps + "; "
          + (ck != null
              ? "its last complete checkpoint is step " + ck.step() + " (" + ck.prefix().getParent() + "): " + howToContinue.apply(runDir)
              : "no checkpoint was written yet (train.checkpoint_every), so it starts again from step 0");
    }

    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already stopping: the hook runs or has run
      }
    }
  }

  /** The step a run's metrics.json was written at (its top-level "step", the first in the file), or -1. */
  static long finishedAt(Path runDir) {
    try {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"step\"\\s*:\\s*(\\d+)")
          .matcher(Files.readString(runDir.resolve("metrics.json")));
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    } catch (IOException | RuntimeException e) {
      return -1;  // none, or unreadable: not a finished run
    }
  }

  /** Session options with the configured thread pools (0 lets TensorFlow choose). */
  public static ConfigProto sessionConfig(int intra, int inter) {
    ConfigProto.Builder b = ConfigProto.newBuilder();
    if (intra > 0) {
      b.setIntraOpParallelismThreads(intra);
    }
    if (inter > 0) {
      b.setInterOpParallelismThreads(inter);
    }
    return b.build();
  }

  /** The seed of session run {@code k} (0..nDisc) of iteration {@code step}. */
  static long[] seed(long base, long step, int k, int nDisc) {
    return new long[] {base, step * (nDisc + 1) + k};
  }

  /**
   * One D or G update. With fed data, every run takes the stream's next batch (also the G step of
   * the standard GAN, which does not use it) so that run k always sees batch k, which is what makes
   * a resumed run see what the uninterrupted run would have.
   */
  private static float runStep(Session s, TrainGraph tg, BatchStream stream, long[] seed, org.tensorflow.op.Op train,
      org.tensorflow.op.Op summaries, org.tensorflow.Operand<TFloat32> loss) {
    return runStep(s, tg, stream, seed, train, summaries, loss, null);
  }

  /** As above, also feeding {@code labelled} (a semi-supervised D step's labelled batch) when not null. */
  private static float runStep(Session s, TrainGraph tg, BatchStream stream, long[] seed, org.tensorflow.op.Op train,
      org.tensorflow.op.Op summaries, org.tensorflow.Operand<TFloat32> loss, SemiSupervisedRun.Feed labelled) {
    try (TInt64 sd = TInt64.vectorOf(seed); TFloat32 real = stream == null ? null : realBatch(tg, stream.next())) {
      Session.Runner r = s.runner().feed(tg.model.stepSeed(), sd).addTarget(train).fetch(loss);
      if (real != null) {
        r.feed(tg.model.realBatch(), real);
      }
      if (summaries != null) {
        r.addTarget(summaries);
      }
      if (labelled != null) {
        labelled.addTo(r);
      }
      try (org.tensorflow.Result res = r.run()) {
        return ((TFloat32) res.get(0)).getFloat();
      }
    }
  }

  private static TFloat32 realBatch(TrainGraph tg, float[] pixels) {
    return TFloat32.tensorOf(tg.model.realBatch().shape(), org.tensorflow.ndarray.buffer.DataBuffers.of(pixels, true, false));
  }

  /** Image data: the fixed-latent samples as a PNG grid under samples/ and in TensorBoard. */
  private static void sampleGrid(Session s, TrainGraph tg, Path runDir, long step) throws IOException {
    if (tg.imageSummary == null) {
      return;
    }
    try (org.tensorflow.Result r = s.runner().fetch(tg.evalSamples).addTarget(tg.imageSummary).run()) {
      TFloat32 x = (TFloat32) r.get(0);
      org.tensorflow.ndarray.Shape sh = x.shape();
      int n = (int) sh.size(0);
      float[] px = new float[(int) sh.size()];
      x.asRawTensor().data().asFloats().read(px);
      int cols = (int) Math.ceil(Math.sqrt(n));
      ImageGrid.write(runDir.resolve("samples").resolve(String.format("step-%09d.png", step)), px, n,
          (int) sh.size(1), (int) sh.size(2), (int) sh.size(3), cols);
    }
  }

  private static long readStep(Session s, TrainGraph tg) {
    try (org.tensorflow.Result r = s.runner().fetch(tg.globalStep).run()) {
      return ((TInt64) r.get(0)).getLong();
    }
  }

  /** The generator's output on the fixed evaluation latents (the averaged generator's, when on). */
  public static float[][] samples(Session s, TrainGraph tg) {
    return samples(s, tg.evalSamples);
  }

  private static float[][] samples(Session s, org.tensorflow.Operand<TFloat32> samples) {
    try (org.tensorflow.Result r = s.runner().fetch(samples).run()) {
      return org.bgan.export.SavedModels.toMatrix((TFloat32) r.get(0));
    }
  }

  /**
   * SPEC §7 metrics of {@code gen}; with generator averaging also those of the trained generator on
   * the same latents, under "raw".
   */
  private static Map<String, Object> evaluate(Session s, TrainGraph tg, RealSource data, float[][] gen) {
    Map<String, Object> m = evaluate(data, gen);
    if (tg.evalSamplesRaw == null || m.isEmpty()) {
      return m;
    }
    Map<String, Object> out = new LinkedHashMap<>(m);
    out.put("raw", evaluate(data, samples(s, tg.evalSamplesRaw)));
    return out;
  }


  private static Map<String, Object> evaluate(RealSource data, float[][] gen) {
    if (data instanceof Synthetic2D s2) {
      return ModeCoverage.evaluate(gen, s2.modes(), s2.std()).toMap();
    }
    return Map.of();
  }

  private static void plot(Path runDir, RealSource data, float[][] gen, Experiment cfg, long step) throws IOException {
    if (data instanceof Synthetic2D s2) {
      float[][] train = s2.trainingSet();
      float[][] real = java.util.Arrays.copyOf(train, Math.min(train.length, gen.length));
      double extent = s2.kind() == Synthetic2D.Kind.RING ? 1.5 : 5.5;
      ModeCoverage mc = ModeCoverage.evaluate(gen, s2.modes(), s2.std());
      ScatterPlot.write(runDir.resolve("plots").resolve(String.format("step-%09d.png", step)), real, gen, s2.modes(),
          extent, String.format("%s %s, step %d: %s", cfg.getName(), cfg.getLoss(), step, mc));
    }
  }

  private static final String HISTORY = "metrics_history.jsonl";

  private static void appendHistory(Path runDir, long step, Map<String, Object> metrics) throws IOException {
    Path f = runDir.resolve(HISTORY);
    List<String> lines = new ArrayList<>();
    if (Files.isRegularFile(f)) {
      for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        // Entries past this step belong to an interrupted attempt that this run replaces.
        if (!l.isBlank() && stepOf(l) < step) {
          lines.add(l);
        }
      }
    }
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("step", step);
    e.putAll(metrics);
    lines.add(Json.write(e).replaceAll("\\s*\n\\s*", " ").trim());
    AtomicFiles.writeString(f, String.join("\n", lines) + "\n");
  }

  private static long stepOf(String line) {
    var m = java.util.regex.Pattern.compile("\"step\": (\\d+)").matcher(line);
    return m.find() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
  }

  private static List<Object> history(Path runDir) throws IOException {
    List<Object> out = new ArrayList<>();
    Path f = runDir.resolve(HISTORY);
    if (Files.isRegularFile(f)) {
      for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (!l.isBlank()) {
          out.add(new Json.Raw(l));
        }
      }
    }
    return out;
  }

  /**
   * A resumed run continues the run in its directory: a config that differs from the one it was trained
   * with in the model, the data, the loss or the optimisation (not just in {@link
   * ExperimentConfigs#RESUMABLE_CHANGES}) would silently train something else from its checkpoint.
   */
  private static void checkSameRun(Experiment cfg, Path savedConfig) {
    if (!Files.isRegularFile(savedConfig)) {
      return;  // a run whose config.pbtxt was removed: nothing to compare with
    }
    Experiment saved = ExperimentConfigs.readRunConfig(savedConfig);
    List<String> changed = ExperimentConfigs.changesOnResume(saved, cfg);
    if (!changed.isEmpty()) {
      throw new UserException("--resume: the config differs from the run's " + savedConfig + " in " + String.join(", ", changed)
          + "; a resumed run may change only " + String.join(", ", ExperimentConfigs.RESUMABLE_CHANGES)
          + " (pass --allow-config-changes to continue with the new values anyway)");
    }
  }
}
