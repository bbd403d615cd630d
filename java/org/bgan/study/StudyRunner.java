package org.bgan.study;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import com.google.protobuf.TextFormat;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Arm;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.Study;
import org.bgan.eval.LinePlot;
import org.bgan.eval.SamplePanels;
import org.bgan.train.Checkpoints;
import org.bgan.train.Trainer;
import org.bgan.util.AtomicFiles;
import org.bgan.util.Json;
import org.bgan.util.UserException;

/**
 * Runs a {@link Study}: every arm × seed as its own training run under
 * {@code <output>/<arm>/seed-<s>}, one after another. A run with a {@code metrics.json} is done and
 * skipped; one with checkpoints but no metrics was interrupted and resumes from its latest
 * checkpoint (the trainer makes that equal to an uninterrupted run), so killing a study and starting
 * it again finishes the same grid. Then writes {@code results.json}, {@code results.md} (for 2-D data
 * the SPEC §7 figures as mean ± standard error over seeds) and {@code losses.png} (generator and
 * discriminator loss against the step per arm, averaged over seeds: the paper's Fig. 2 for a γ sweep).
 */
public final class StudyRunner {
  private StudyRunner() {}

  /** Loads and validates a study file. */
  public static Study load(Path file) {
    String text = ExperimentConfigs.readText(file, "study file");
    Study.Builder b = Study.newBuilder();
    try {
      TextFormat.getParser().merge(text, b);
    } catch (TextFormat.ParseException e) {
      throw new UserException(ExperimentConfigs.describe(file.toString(), e) + (isExperiment(text) ? "\n" + file
          + ": this is an experiment config (one run), not a study: train it with tools/bgan train " + file : ""));
    }
    Study s = resolveInputPaths(file, b.build());
    if (!ExperimentConfigs.isDirectoryName(s.getName())) {
      throw new UserException(file + ": study name '" + s.getName() + "' " + ExperimentConfigs.DIRECTORY_NAME_RULE);
    }
    ExperimentConfigs.noTilde("output_dir", s.getOutputDir());
    if (s.getArmCount() == 0) {
      throw new UserException(file + ": a study needs at least one 'arm { name: ... preset: ... }'");
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Arm a : s.getArmList()) {
      if (!ExperimentConfigs.isDirectoryName(a.getName())) {
        throw new UserException(file + ": arm name '" + a.getName() + "' " + ExperimentConfigs.DIRECTORY_NAME_RULE);
      }
      if (!names.add(a.getName())) {
        throw new UserException(file + ": two arms are named '" + a.getName() + "'");
      }
      if (a.getPreset().isEmpty()) {
        throw new UserException(file + ": arm '" + a.getName() + "' has no preset");
      }
    }
    if (s.hasBaseline() && !names.contains(s.getBaseline())) {
      throw new UserException(file + ": baseline '" + s.getBaseline() + "' is not one of the study's arms ("
          + armNames(s) + ")");
    }
    if (new java.util.HashSet<>(s.getSeedsList()).size() != s.getSeedsCount()) {
      // one run directory per seed: a repeated seed was counted twice in the table (a standard error of 0
      // over "2 seeds"), and with --jobs its two copies raced for the same directory
      throw new UserException(file + ": seeds " + s.getSeedsList() + " lists a seed twice; each seed is one run of every arm");
    }
    noStudyOwnedSets(file, "set", s.getSetList());
    for (Arm a : s.getArmList()) {
      noStudyOwnedSets(file, "arm '" + a.getName() + "': set", a.getSetList());
    }
    return s;
  }

  /** The study with {@code arm} as its baseline (the command line's {@code --baseline}), which must be one of its arms. */
  public static Study withBaseline(Path file, Study s, String arm) {
    if (s.getArmList().stream().noneMatch(a -> a.getName().equals(arm))) {
      throw new UserException("--baseline: '" + arm + "' is not one of the arms of " + file + " (" + armNames(s) + ")");
    }
    return s.toBuilder().setBaseline(arm).build();
  }

  private static String armNames(Study s) {
    return String.join(", ", s.getArmList().stream().map(Arm::getName).toList());
  }

  /**
   * Refuses an override of a field the study sets for every run itself (after the study's and the arm's
   * sets, so the override was silently lost): the seed, the run directory, and exporting at the end of
   * training (a study exports each finished run's generator to {@code <run>/generator/} on its own).
   */
  private static void noStudyOwnedSets(Path file, String where, List<String> sets) {
    for (String set : sets) {
      int eq = set.indexOf('=');
      String key = eq < 0 ? set.trim() : set.substring(0, eq).trim();
      String value = eq < 0 ? "" : set.substring(eq + 1).trim();
      String instead = switch (key) {
        case "train.seed" -> "list the seeds in the study's 'seeds' field";
        case "train.output_dir" -> "set the study's 'output_dir'; each run goes to <output_dir>/<arm>/seed-<s>";
        case "train.export", "train.export_dir" -> key.equals("train.export") && value.equals("false") ? null
            : "a study exports each finished run's generator to <run>/generator/ itself";
        default -> null;
      };
      if (instead != null) {
        throw new UserException(file + ": " + where + " '" + set + "': the study sets " + key + " of every run itself,"
            + " so this would be ignored; " + instead);
      }
    }
  }

  /**
   * The study with its relative input paths, {@code classifier} and {@code reference_stats} when set,
   * resolved against the study file's directory, as {@code preset} is: a study in graphs/ means the same
   * files from whatever directory it is run. Absolute paths are kept; an unset classifier keeps its
   * default, {@code savedmodels/fmnist-classifier/1} in the current directory (where
   * {@code tools/inception-score train-fmnist --out savedmodels/fmnist-classifier/1} puts it), and
   * {@code output_dir} stays relative to the current directory, like {@code train.output_dir}.
   */
  static Study resolveInputPaths(Path file, Study s) {
    Study.Builder b = s.toBuilder();
    if (s.hasClassifier()) {
      b.setClassifier(resolveInput(file, "classifier", s.getClassifier()));
    }
    if (s.hasReferenceStats()) {
      b.setReferenceStats(resolveInput(file, "reference_stats", s.getReferenceStats()));
    }
    return b.build();
  }

  private static String resolveInput(Path file, String field, String value) {
    try {
      ExperimentConfigs.noTilde(field, value);
    } catch (UserException e) {
      throw new UserException(file + ": " + e.getMessage().replaceFirst("^config: ", "field "));
    }
    if (value.isBlank()) {
      throw new UserException(file + ": field " + field + " is empty; give a path (relative to the study file's"
          + " directory, or absolute) or leave the field out");
    }
    Path p;
    try {
      p = Path.of(value);
    } catch (java.nio.file.InvalidPathException e) {
      throw new UserException(file + ": field " + field + ": not a valid path: " + e.getMessage());
    }
    return p.isAbsolute() ? value : file.toAbsolutePath().getParent().resolve(p).normalize().toString();
  }

  /** Whether {@code text} parses as an experiment config ({@code experiment.proto}) with its data. */
  private static boolean isExperiment(String text) {
    Experiment.Builder e = Experiment.newBuilder();
    try {
      TextFormat.getParser().merge(text, e);
      return e.hasData();
    } catch (TextFormat.ParseException ex) {
      return false;
    }
  }

  /** The study's output directory. */
  public static Path outputDir(Study s) {
    return Path.of(s.getOutputDir().isEmpty() ? "runs/studies/" + s.getName() : s.getOutputDir());
  }

  public static List<Long> seeds(Study s) {
    return s.getSeedsCount() == 0 ? List.of(0L) : s.getSeedsList();
  }

  /** The experiment of one arm and seed, with its run directory; validated (bad presets fail before anything runs). */
  public static Experiment experiment(Path studyFile, Study s, Arm a, long seed) {
    Path preset = Path.of(a.getPreset());
    if (!preset.isAbsolute()) {
      Path dir = studyFile.toAbsolutePath().getParent();
      preset = dir.resolve(preset);
    }
    List<String> sets = new ArrayList<>(s.getSetList());
    sets.addAll(a.getSetList());
    Path run = outputDir(s).resolve(a.getName()).resolve("seed-" + seed);
    sets.add("train.seed=" + seed);
    sets.add("train.output_dir=" + run);
    sets.add("train.export=false");
    Experiment e;
    try {
      e = ExperimentConfigs.load(preset, sets);
    } catch (UserException ex) {
      // the study file's own 'set' entries, not a --set flag (there is none on 'bgan study'), and the file named
      throw new UserException(studyFile + ": arm '" + a.getName() + "': " + ex.getMessage().replaceFirst("^--set '", "set '"));
    }
    return withScoredCheckpoints(studyFile, s, a, e);
  }

  /**
   * With {@code score_every} set: checks it against the run (image data, a multiple of its
   * checkpoint_every) and raises the run's keep_checkpoints so that every checkpoint the scoring reads
   * is still there when the run ends.
   */
  private static Experiment withScoredCheckpoints(Path studyFile, Study s, Arm a, Experiment e) {
    long every = s.getScoreEvery();
    if (every == 0) {
      return e;
    }
    if (every < 0) {
      throw new UserException(studyFile + ": score_every must be positive (or 0: score the final generator only), got "
          + every);
    }
    if (!RunEvaluation.isImages(e)) {
      throw new UserException(studyFile + ": score_every is for image data; arm '" + a.getName() + "' trains on 2-D"
          + " data, whose runs log their metrics every train.eval_every steps (leave score_every out)");
    }
    long ck = e.getTrain().getCheckpointEvery();
    if (ck <= 0 || every % ck != 0) {
      throw new UserException(studyFile + ": score_every " + every + " is not a multiple of arm '" + a.getName()
          + "''s train.checkpoint_every " + ck + ": the scores are taken from the run's checkpoints");
    }
    long needed = e.getTrain().getSteps() / ck + 1;
    if (needed > Integer.MAX_VALUE) {
      throw new UserException(studyFile + ": score_every: arm '" + a.getName() + "' would keep " + needed
          + " checkpoints; raise its train.checkpoint_every");
    }
    Experiment.Builder b = e.toBuilder();
    b.getTrainBuilder().setKeepCheckpoints(Math.max(e.getTrain().getKeepCheckpoints(), (int) needed));
    return b.build();
  }

  /** One run of a study's grid: its arm, seed and resolved config. */
  record Selected(Arm arm, long seed, Experiment experiment) {}

  /**
   * The runs of the arms in {@code onlyArms} and the seeds in {@code onlySeeds} (null: all), seed by
   * seed: every arm's first seed, then every arm's second, so that a study stopped part way has the
   * same seeds of every arm to compare.
   */
  static List<Selected> select(Path studyFile, Study s, java.util.Set<String> onlyArms, java.util.Set<Long> onlySeeds) {
    List<Selected> all = new ArrayList<>();
    for (long seed : seeds(s)) {
      if (onlySeeds != null && !onlySeeds.contains(seed)) {
        continue;
      }
      for (Arm a : s.getArmList()) {
        if (onlyArms == null || onlyArms.contains(a.getName())) {
          all.add(new Selected(a, seed, experiment(studyFile, s, a, seed)));
        }
      }
    }
    return all;
  }

  /** A run is finished when it has written metrics.json (also a diverged run, which records why). */
  static boolean finished(Path runDir) {
    return Files.isRegularFile(runDir.resolve("metrics.json"));
  }

  /**
   * Finished runs are skipped, so one trained with other settings than the study now gives it (an arm's
   * or the study's set, such as mixing.gamma or train.steps) would be reported under the new settings;
   * an interrupted one would be resumed from its checkpoint under them. Both are refused, naming the run
   * and the fields. Fields a resumed run may change (outputs, threads, evaluation, and for an interrupted
   * run its length; {@link ExperimentConfigs#RESUMABLE_CHANGES}) do not count.
   */
  static void checkExistingRunsMatch(List<Experiment> selected) throws IOException {
    for (Experiment e : selected) {
      Path runDir = ExperimentConfigs.outputDir(e);
      boolean done = finished(runDir);
      List<String> changed = changedSettings(e);
      if (!changed.isEmpty()) {
        throw new UserException("the " + (done ? "finished" : "interrupted") + " run " + runDir + " was trained with other"
            + " settings than the study gives it now (" + String.join(", ", changed) + "), so "
            + (done ? "its results would be reported under the new ones" : "resuming it would train another experiment from its checkpoint")
            + ": remove " + runDir + " to train it again, or give the study another output_dir");
      }
    }
  }

  /**
   * The fields in which a finished or interrupted run's saved config differs from the experiment the
   * study gives it now (empty for a run not started, or one that matches).
   */
  static List<String> changedSettings(Experiment e) throws IOException {
    Path runDir = ExperimentConfigs.outputDir(e);
    Path saved = runDir.resolve("config.pbtxt");
    boolean done = finished(runDir);
    if (!Files.isRegularFile(saved) || !done && Checkpoints.latest(runDir).isEmpty()) {
      return List.of();
    }
    Experiment was = ExperimentConfigs.readRunConfig(saved);
    List<String> changed = new ArrayList<>(ExperimentConfigs.changesOnResume(was, e));
    if (done && was.getTrain().getSteps() != e.getTrain().getSteps()) {
      changed.add("train.steps");
    }
    return changed;
  }

  /**
   * The study's progress without training or writing anything: for each arm (of {@code onlyArms}, null:
   * all) the seeds (of {@code onlySeeds}) that are done (and which of those the study has yet to score),
   * diverged, started but not finished (with the step of the checkpoint they resume from, and the
   * process training them now, if one is) and not started, as a Markdown table, then a line of totals
   * and one line per run the study would refuse (trained with other settings than it gives now).
   */
  public static String status(Path studyFile, Study s, java.util.Set<String> onlyArms, java.util.Set<Long> onlySeeds)
      throws IOException {
    List<Selected> all = select(studyFile, s, onlyArms, onlySeeds);
    // select() lists every arm's first seed in the study's order first, so the arms keep that order
    Map<String, List<Selected>> byArm = new LinkedHashMap<>();
    for (Selected r : all) {
      byArm.computeIfAbsent(r.arm().getName(), k -> new ArrayList<>()).add(r);
    }
    StringBuilder md = new StringBuilder();
    md.append("# Study ").append(s.getName()).append(": progress in ").append(outputDir(s)).append("\n\n");
    md.append("| arm | done | diverged | started, not finished (seed: latest checkpoint) | not started |\n");
    md.append("|---|---|---|---|---|\n");
    int[] totals = new int[4];
    List<String> refused = new ArrayList<>();
    for (Map.Entry<String, List<Selected>> arm : byArm.entrySet()) {
      List<Long> done = new ArrayList<>();
      List<Long> unscored = new ArrayList<>();
      List<Long> diverged = new ArrayList<>();
      List<String> started = new ArrayList<>();
      List<Long> notStarted = new ArrayList<>();
      for (Selected r : arm.getValue()) {
        Experiment e = r.experiment();
        Path runDir = ExperimentConfigs.outputDir(e);
        if (finished(runDir)) {
          boolean div = Files.readString(runDir.resolve("metrics.json"), StandardCharsets.UTF_8).contains("\"diverged\"");
          (div ? diverged : done).add(r.seed());
          if (!div && !Files.isRegularFile(runDir.resolve(RunEvaluation.FILE))
              && (!RunEvaluation.isImages(e) || s.getImageMetrics())) {
            unscored.add(r.seed());  // trained; the next study run scores it
          }
        } else {
          var ckpt = Checkpoints.latest(runDir);
          var training = org.bgan.train.RunLock.heldBy(runDir);
          String now = training.map(pid -> ", training now (pid " + pid + ")").orElse("");
          if (ckpt.isPresent()) {
            started.add(r.seed() + ": step " + ckpt.get().step() + " of " + e.getTrain().getSteps() + now);
          } else if (training.isPresent()) {
            started.add(r.seed() + ": no checkpoint yet" + now);
          } else {
            notStarted.add(r.seed());
          }
        }
        List<String> changed;
        try {
          changed = changedSettings(e);
        } catch (UserException ex) {
          changed = List.of("its config.pbtxt cannot be read: " + ex.getMessage());
        }
        if (!changed.isEmpty()) {
          refused.add(runDir + " (" + String.join(", ", changed) + ")");
        }
      }
      totals[0] += done.size();
      totals[1] += diverged.size();
      totals[2] += started.size();
      totals[3] += notStarted.size();
      String doneCell = countAndSeeds(done) + (unscored.isEmpty() ? ""
          : ", " + countAndSeeds(unscored).replaceFirst(" ", " not yet scored "));
      md.append("| ").append(arm.getKey()).append(" | ").append(doneCell).append(" | ")
          .append(countAndSeeds(diverged)).append(" | ").append(started.isEmpty() ? "–" : String.join("; ", started))
          .append(" | ").append(countAndSeeds(notStarted)).append(" |\n");
    }
    md.append(String.format(Locale.ROOT, "%n%d of %d runs done, %d diverged, %d started and not finished (a study run"
        + " resumes them from their checkpoints), %d not started.%n", totals[0], all.size(), totals[1], totals[2], totals[3]));
    for (String r : refused) {
      md.append("Trained with other settings than the study gives now, so the study refuses it: ").append(r).append('\n');
    }
    return md.toString();
  }

  /** "3 (0-2)" for the seeds 0, 1, 2; "–" for none; runs of consecutive seeds written as ranges. */
  static String countAndSeeds(List<Long> seeds) {
    if (seeds.isEmpty()) {
      return "–";
    }
    List<String> parts = new ArrayList<>();
    int i = 0;
    while (i < seeds.size()) {
      int j = i;
      while (j + 1 < seeds.size() && seeds.get(j + 1) == seeds.get(j) + 1) {
        j++;
      }
      parts.add(j == i ? String.valueOf(seeds.get(i)) : seeds.get(i) + "-" + seeds.get(j));
      i = j + 1;
    }
    return seeds.size() + " (" + String.join(",", parts) + ")";
  }

  /** Runs what is not done yet; returns 0, or the first failing run's exit code. */
  public static int run(Path studyFile, Study s, PrintStream log, boolean tty) throws IOException {
    return run(studyFile, s, null, null, log, tty);
  }

  /**
   * As above, training only the arms named in {@code onlyArms} and the seeds in {@code onlySeeds}
   * (null: all); the results are written from every run present, so several such calls on disjoint
   * parts of the grid (e.g. two processes on two cores) add up to the whole study.
   */
  public static int run(Path studyFile, Study s, java.util.Set<String> onlyArms, java.util.Set<Long> onlySeeds,
      PrintStream log, boolean tty) throws IOException {
    List<Experiment> all = select(studyFile, s, onlyArms, onlySeeds).stream().map(Selected::experiment).toList();
    checkExistingRunsMatch(all);
    RunEvaluation.checkReady(studyFile, s, all);
    Path out = outputDir(s);
    AtomicFiles.ensureWritableDir(out, "study output directory");
    int k = 0;
    try (RunEvaluation eval = new RunEvaluation(studyFile, s, log)) {
      for (Experiment e : all) {
        k++;
        Path runDir = ExperimentConfigs.outputDir(e);
        if (finished(runDir)) {
          log.printf("[%d/%d] %s: done%n", k, all.size(), runDir);
          eval.ensure(e, runDir);
          continue;
        }
        boolean resume = Checkpoints.latest(runDir).isPresent();
        log.printf("[%d/%d] %s: %s%n", k, all.size(), runDir, resume ? "resuming" : "starting");
        Trainer.Result r = Trainer.run(e, new Trainer.Options(resume, log, tty, false, Trainer.Options.STUDY_CONTINUES));
        if (r.exitCode() != 0) {
          // A diverged run is a result too: recorded, and the study goes on.
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", e.getName());
          m.put("seed", e.getTrain().getSeed());
          m.put("diverged", r.message());
          AtomicFiles.writeString(runDir.resolve("metrics.json"), Json.write(m));
          log.println(r.message());
        }
        eval.ensure(e, runDir);
      }
    }
    summarize(s, out);
    return 0;
  }

  /** A column of the results table: a key of metrics.json or eval.json (or the loss file's late means). */
  private record Column(String key, String header, int digits, boolean always) {}

  private static final List<Column> COLUMNS = List.of(
      new Column("modes_captured", "modes captured", 1, false),
      new Column("high_quality_percent", "high-quality %", 1, false),
      new Column("reverse_kl", "reverse KL", 3, false),
      new Column("fid", "FID", 2, false),
      new Column("kid_mean", "KID", 4, false),
      new Column("is_mean", "IS", 3, false),
      new Column("modes_found", "stacked modes", 1, false),
      new Column("kl_to_uniform", "stacked KL", 3, false),
      new Column("test_accuracy", "test accuracy", 4, false),
      new Column("final_d_loss", "final d_loss", 3, true),
      new Column("final_g_loss", "final g_loss", 3, true),
      new Column("late_d_loss", "late d_loss", 3, true),
      new Column("late_g_loss", "late g_loss", 3, true),
      new Column("iters_per_second", "it/s", 1, true));

  /**
   * Writes results.json, results.md, the loss plots, the plots of the metrics logged during training
   * ({@link #HISTORY_PLOTS}) and, for 2-D data, final_samples.png from the runs present. Table
   * columns: the SPEC §7 figures (2-D), FID, KID and IS (images), the stacked mode count and KL (stacked
   * images) and the test accuracy (semi-supervised runs) when some run has them, then the losses and
   * speed.
   */
  public static void summarize(Study s, Path out) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Map<String, List<Double>>> perArm = new ArrayList<>();
    Map<String, Map<Long, Map<String, Double>>> bySeed = new LinkedHashMap<>();  // arm -> seed -> metric
    List<Integer> divergedPerArm = new ArrayList<>();
    List<LinePlot.Series> gCurves = new ArrayList<>();
    List<LinePlot.Series> dCurves = new ArrayList<>();
    // metric key -> arm -> step -> the values of the arm's finished runs at that step
    Map<String, Map<String, java.util.TreeMap<Long, List<Double>>>> history = new LinkedHashMap<>();
    for (Arm a : s.getArmList()) {
      Map<String, List<Double>> vals = new LinkedHashMap<>();
      for (Column c : COLUMNS) {
        vals.put(c.key(), new ArrayList<>());
      }
      int diverged = 0;
      List<double[][]> losses = new ArrayList<>();
      Map<Long, Map<String, Double>> armSeeds = new LinkedHashMap<>();
      bySeed.put(a.getName(), armSeeds);
      for (long seed : seeds(s)) {
        Path run = out.resolve(a.getName()).resolve("seed-" + seed);
        Path mf = run.resolve("metrics.json");
        if (!Files.isRegularFile(mf)) {
          continue;
        }
        String m = Files.readString(mf, StandardCharsets.UTF_8);
        if (m.contains("\"diverged\"")) {
          diverged++;
          continue;
        }
        for (String key : List.of("modes_captured", "high_quality_percent", "reverse_kl", "test_accuracy",
            "final_d_loss", "final_g_loss", "iters_per_second")) {
          num(m, key).ifPresent(vals.get(key)::add);
        }
        Path ef = run.resolve(RunEvaluation.FILE);
        String ev = Files.isRegularFile(ef) ? Files.readString(ef, StandardCharsets.UTF_8) : "";
        for (String key : List.of("fid", "kid_mean", "is_mean", "modes_found", "kl_to_uniform")) {
          num(ev, key).ifPresent(vals.get(key)::add);
        }
        Map<String, Double> q = new LinkedHashMap<>();
        for (Paired p : PAIRED) {
          num(p.fromEval() ? ev : m, p.key()).ifPresent(v -> q.put(p.key(), v));
        }
        armSeeds.put(seed, q);
        readHistory(run, m, ev, a.getName(), history);
        Path lf = run.resolve("losses.csv");
        if (Files.isRegularFile(lf)) {
          double[][] l = readLosses(lf);
          losses.add(l);
          int n = l[0].length;
          if (n > 0) {
            int from = n - Math.max(1, n / 10);
            vals.get("late_d_loss").add(java.util.Arrays.stream(l[1], from, n).average().orElse(Double.NaN));
            vals.get("late_g_loss").add(java.util.Arrays.stream(l[2], from, n).average().orElse(Double.NaN));
          }
        }
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("method", a.getName());
      row.put("preset", a.getPreset());
      row.put("seeds_done", vals.get("final_d_loss").size());
      row.put("diverged", diverged);
      for (Column c : COLUMNS) {
        putStat(row, c.key(), vals.get(c.key()));
      }
      rows.add(row);
      perArm.add(vals);
      divergedPerArm.add(diverged);
      double[][] mean = meanCurve(losses);
      if (mean != null) {
        dCurves.add(new LinePlot.Series(a.getName(), mean[0], mean[1]));
        gCurves.add(new LinePlot.Series(a.getName(), mean[0], mean[2]));
      }
    }
    List<Column> shown = new ArrayList<>();
    for (Column c : COLUMNS) {
      if (c.always() || perArm.stream().anyMatch(v -> !v.get(c.key()).isEmpty())) {
        shown.add(c);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("# ").append(s.getTitle().isEmpty() ? s.getName() : s.getTitle()).append("\n\n");
    md.append("| method | seeds done |");
    for (Column c : shown) {
      md.append(' ').append(c.header()).append(" |");
    }
    md.append("\n|---|---|").append("---|".repeat(shown.size())).append('\n');
    for (int i = 0; i < rows.size(); i++) {
      Map<String, List<Double>> vals = perArm.get(i);
      int diverged = divergedPerArm.get(i);
      int done = vals.get("final_d_loss").size();
      md.append(String.format(Locale.ROOT, "| %s | %d%s |", s.getArm(i).getName(), done,
          diverged > 0 ? " (+" + diverged + " diverged)" : ""));
      for (Column c : shown) {
        md.append(' ').append(pm(vals.get(c.key()), c.digits(), done)).append(" |");
      }
      md.append('\n');
    }
    md.append("\nMean ± standard error over the seeds done; \"(k of n)\": over the k runs that have the value (a"
        + " run with no high-quality sample has no reverse KL). final: the last step's minibatch losses; late: the"
        + " mean of the losses logged over the last 10 % of training (losses.csv).");
    if (shown.stream().anyMatch(c -> c.key().equals("fid"))) {
      md.append(String.format(Locale.ROOT, " FID, KID and IS: %d generated images per run against the reference"
          + " (see eval.json in a run), with the classifier %s; stacked modes: of 1000, over %d samples, and the KL"
          + " of their histogram to uniform (docs/evaluation.md).", s.getEvalImages(), s.getClassifier(),
          s.getModeSamples()));
    }
    if (shown.stream().anyMatch(c -> c.key().equals("test_accuracy"))) {
      md.append(" Test accuracy (semi-supervised runs): of the discriminator's class prediction on the test images"
          + " at the last step (metrics.json).");
    }
    md.append('\n');
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("study", s.getName());
    res.put("seeds", seeds(s));
    res.put("rows", rows);
    res.put("per_seed", perSeed(bySeed, md));
    res.put("history", historyMeans(history));
    if (s.hasBaseline()) {
      res.put("paired", paired(s, bySeed, md));
    }
    AtomicFiles.writeString(out.resolve("results.json"), Json.write(res));
    AtomicFiles.writeString(out.resolve("results.md"), md.toString());
    String title = s.getTitle().isEmpty() ? s.getName() : s.getTitle();
    if (!gCurves.isEmpty()) {
      LinePlot.write(out.resolve("g_loss.png"), title + ": generator loss", "step", "g_loss", smooth(gCurves));
      LinePlot.write(out.resolve("d_loss.png"), title + ": discriminator loss", "step", "d_loss", smooth(dCurves));
    }
    for (String[] h : HISTORY_PLOTS) {
      Map<String, java.util.TreeMap<Long, List<Double>>> arms = history.get(h[0]);
      if (arms == null) {
        continue;
      }
      List<LinePlot.Series> curves = new ArrayList<>();
      for (Map.Entry<String, java.util.TreeMap<Long, List<Double>>> arm : arms.entrySet()) {
        double[] x = arm.getValue().keySet().stream().mapToDouble(Long::doubleValue).toArray();
        double[] y = arm.getValue().values().stream().mapToDouble(StudyRunner::mean).toArray();
        curves.add(new LinePlot.Series(arm.getKey(), x, y));
      }
      LinePlot.write(out.resolve(h[0] + ".png"), title + ": " + h[1] + ", mean over seeds", "step", h[1], curves);
    }
    finalSamplesPanels(s, out, title);
  }

  /**
   * The quality metrics runs log while they train (metrics_history.jsonl, every train.eval_every steps
   * and at the end) and the image scores of their checkpoints ({@code score_every}), each plotted
   * against the step with one curve per arm, the mean over the arm's finished runs at each step (over
   * those that have the value: a step with no high-quality sample has no reverse KL): {@code <key>.png}
   * beside the results. Key and axis label.
   */
  static final List<String[]> HISTORY_PLOTS = List.of(
      new String[] {"modes_captured", "modes captured"},
      new String[] {"high_quality_percent", "high-quality samples (%)"},
      new String[] {"reverse_kl", "reverse KL"},
      new String[] {"test_accuracy", "test accuracy"},
      new String[] {"fid", "FID"},
      new String[] {"kid_mean", "KID"},
      new String[] {"is_mean", "IS"});

  /**
   * Reads a finished run's evaluations during training: metrics.json's "history" (one entry a line, as
   * the trainer writes it; kept where a study's records keep only metrics.json), else
   * metrics_history.jsonl; and the image scores of eval.json's "history" ({@code score_every}).
   * {@code metrics} and {@code ev}: the texts of the run's metrics.json and eval.json ("" if none), as
   * the summary has already read them.
   */
  private static void readHistory(Path run, String metrics, String ev, String arm,
      Map<String, Map<String, java.util.TreeMap<Long, List<Double>>>> into) throws IOException {
    int at = metrics.indexOf("\"history\": [");
    Path jsonl = run.resolve("metrics_history.jsonl");
    List<String> lines = new ArrayList<>(at >= 0 ? metrics.substring(at).lines().skip(1).toList()
        : Files.isRegularFile(jsonl) ? Files.readAllLines(jsonl, StandardCharsets.UTF_8) : List.of());
    int evAt = ev.indexOf("\"history\": [");
    if (evAt >= 0) {
      lines.addAll(ev.substring(evAt).lines().skip(1).toList());
    }
    for (String line : lines) {
      var step = num(line, "step");
      if (step.isEmpty()) {
        continue;
      }
      for (String[] h : HISTORY_PLOTS) {
        num(line, h[0]).ifPresent(v -> into.computeIfAbsent(h[0], k -> new LinkedHashMap<>())
            .computeIfAbsent(arm, k -> new java.util.TreeMap<>())
            .computeIfAbsent(step.get().longValue(), k -> new ArrayList<>()).add(v));
      }
    }
  }

  /** results.json's "history": metric -> arm -> {step, mean, runs}, the curves of the {@code <key>.png} plots. */
  private static Map<String, Object> historyMeans(Map<String, Map<String, java.util.TreeMap<Long, List<Double>>>> history) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (var metric : history.entrySet()) {
      Map<String, Object> arms = new LinkedHashMap<>();
      for (var arm : metric.getValue().entrySet()) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("step", new ArrayList<>(arm.getValue().keySet()));
        c.put("mean", arm.getValue().values().stream().map(StudyRunner::mean).toList());
        c.put("runs", arm.getValue().values().stream().map(List::size).toList());
        arms.put(arm.getKey(), c);
      }
      out.put(metric.getKey(), arms);
    }
    return out;
  }

  /**
   * The per-seed table: each finished run's quality metrics, one row per arm and seed, and each arm's
   * median over its seeds (a mean hides whether an arm fails in a few seeds or falls short in all).
   * Appends it to {@code md} and returns arm -> seed -> metric for results.json.
   */
  private static Map<String, Object> perSeed(Map<String, Map<Long, Map<String, Double>>> bySeed, StringBuilder md) {
    List<Paired> shown = present(bySeed);
    Map<String, Object> out = new LinkedHashMap<>();
    if (shown.isEmpty()) {
      return out;
    }
    md.append("\n## Per seed\n\n| method | seed |");
    for (Paired p : shown) {
      md.append(' ').append(p.header()).append(" |");
    }
    md.append("\n|---|---|").append("---|".repeat(shown.size())).append('\n');
    for (Map.Entry<String, Map<Long, Map<String, Double>>> arm : bySeed.entrySet()) {
      if (arm.getValue().isEmpty()) {
        continue;
      }
      Map<String, Object> seeds = new LinkedHashMap<>();
      for (Map.Entry<Long, Map<String, Double>> run : arm.getValue().entrySet()) {
        md.append("| ").append(arm.getKey()).append(" | ").append(run.getKey()).append(" |");
        for (Paired p : shown) {
          Double v = run.getValue().get(p.key());
          md.append(' ').append(v == null ? "–" : String.format(Locale.ROOT, "%." + p.digits() + "f", v)).append(" |");
        }
        md.append('\n');
        seeds.put(Long.toString(run.getKey()), run.getValue());
      }
      md.append("| ").append(arm.getKey()).append(" | median |");
      for (Paired p : shown) {
        List<Double> v = arm.getValue().values().stream().map(q -> q.get(p.key())).filter(java.util.Objects::nonNull)
            .toList();
        md.append(' ').append(v.isEmpty() ? "–" : String.format(Locale.ROOT, "%." + p.digits() + "f", median(v)))
            .append(" |");
      }
      md.append('\n');
      out.put(arm.getKey(), seeds);
    }
    md.append("\nOne row per finished run (diverged runs have none); \"median\": over the arm's runs that have the"
        + " value. \"–\": the run has no such value (no high-quality sample, so no reverse KL).\n");
    return out;
  }

  /** The quality metrics some finished run has (arm -> seed -> metric), in the order of {@link #PAIRED}. */
  private static List<Paired> present(Map<String, Map<Long, Map<String, Double>>> bySeed) {
    return PAIRED.stream().filter(p -> bySeed.values().stream()
        .anyMatch(arm -> arm.values().stream().anyMatch(q -> q.containsKey(p.key())))).toList();
  }

  /** The median of a non-empty list: the middle value, or the mean of the two middle ones. */
  static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
  }

  /** A quality metric compared seed by seed, and which way is better. */
  private record Paired(String key, String header, int digits, boolean lowerIsBetter, boolean fromEval) {}

  private static final List<Paired> PAIRED = List.of(
      new Paired("modes_captured", "modes captured", 1, false, false),
      new Paired("high_quality_percent", "high-quality %", 1, false, false),
      new Paired("reverse_kl", "reverse KL", 3, true, false),
      new Paired("fid", "FID", 2, true, true),
      new Paired("kid_mean", "KID", 4, true, true),
      new Paired("is_mean", "IS", 3, false, true),
      new Paired("modes_found", "stacked modes", 1, false, true),
      new Paired("kl_to_uniform", "stacked KL", 3, true, true),
      new Paired("test_accuracy", "test accuracy", 4, false, false));

  /**
   * The baseline table: for each other arm and metric, the differences arm − baseline over the seeds
   * both have (mean ± standard error; a paired comparison, so seed-to-seed variation shared by the two
   * arms, e.g. the data order, cancels), and in how many of them the arm was better. Appends it to
   * {@code md} and returns it for results.json.
   */
  private static Map<String, Object> paired(Study s, Map<String, Map<Long, Map<String, Double>>> bySeed,
      StringBuilder md) {
    String base = s.getBaseline();
    Map<Long, Map<String, Double>> b = bySeed.get(base);
    List<Paired> shown = present(bySeed);
    List<Map<String, Object>> rows = new ArrayList<>();
    StringBuilder t = new StringBuilder();
    for (Arm a : s.getArmList()) {
      if (a.getName().equals(base)) {
        continue;
      }
      Map<Long, Map<String, Double>> x = bySeed.get(a.getName());
      List<Long> both = x.keySet().stream().filter(b::containsKey).sorted().toList();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("method", a.getName());
      row.put("seeds", both);
      t.append(String.format(Locale.ROOT, "| %s | %d |", a.getName(), both.size()));
      for (Paired p : shown) {
        List<Double> d = new ArrayList<>();
        int better = 0;
        for (long seed : both) {
          Double xv = x.get(seed).get(p.key());
          Double bv = b.get(seed).get(p.key());
          if (xv != null && bv != null) {
            d.add(xv - bv);
            if (p.lowerIsBetter() ? xv < bv : xv > bv) {
              better++;
            }
          }
        }
        if (d.isEmpty()) {
          t.append(" – |");
          continue;
        }
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("mean", mean(d));
        st.put("se", se(d));
        st.put("better", better);
        st.put("values", d);
        row.put(p.key(), st);
        String f = "%+." + p.digits() + "f";
        t.append(String.format(Locale.ROOT, " " + f + " ± %." + p.digits() + "f (better in %d of %d) |",
            mean(d), se(d), better, d.size()));
      }
      t.append('\n');
      rows.add(row);
    }
    md.append("\n## Against ").append(base).append(", seed by seed\n\n| method | seeds paired |");
    for (Paired p : shown) {
      md.append(' ').append(p.header()).append(" difference |");
    }
    md.append("\n|---|---|").append("---|".repeat(shown.size())).append('\n').append(t);
    md.append("\nEach cell: the arm's value minus ").append(base).append("'s, over the seeds both have finished,"
        + " mean ± standard error of the differences, and in how many of those seeds the arm was better (lower FID,"
        + " KID, reverse KL and stacked KL; higher modes, high-quality %, IS, test accuracy).\n");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("baseline", base);
    out.put("rows", rows);
    return out;
  }

  /** 2-D studies: the final samples of each arm's first finished seed side by side (the paper's Fig. 3). */
  static void finalSamplesPanels(Study s, Path out, String title) throws IOException {
    List<SamplePanels.Panel> panels = new ArrayList<>();
    org.bgan.data.Synthetic2D data = null;
    for (Arm a : s.getArmList()) {
      for (long seed : seeds(s)) {
        Path run = out.resolve(a.getName()).resolve("seed-" + seed);
        Path f = run.resolve(RunEvaluation.SAMPLES_2D);
        Path cfg = run.resolve("config.pbtxt");
        if (!Files.isRegularFile(f) || !Files.isRegularFile(cfg)) {
          continue;
        }
        if (data == null) {
          Experiment e = ExperimentConfigs.load(cfg, List.of());
          if (!e.getData().hasSynthetic2D()) {
            return;
          }
          data = (org.bgan.data.Synthetic2D) org.bgan.data.DataSources.create(e.getData());
        }
        panels.add(new SamplePanels.Panel(a.getName() + " (seed " + seed + ")", readCsv(f)));
        break;
      }
    }
    if (panels.isEmpty() || data == null) {
      return;
    }
    float[][] train = data.trainingSet();
    float[][] real = java.util.Arrays.copyOf(train, Math.min(train.length, panels.get(0).samples().length));
    double extent = data.kind() == org.bgan.data.Synthetic2D.Kind.RING ? 1.5 : 5.5;
    SamplePanels.write(out.resolve("final_samples.png"), title + ": final samples", panels, real, data.modes(), extent);
  }

  static float[][] readCsv(Path f) throws IOException {
    List<float[]> rows = new ArrayList<>();
    for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      if (l.isBlank()) {
        continue;
      }
      String[] p = l.split(",");
      float[] r = new float[p.length];
      for (int i = 0; i < p.length; i++) {
        r[i] = Float.parseFloat(p[i]);
      }
      rows.add(r);
    }
    return rows.toArray(new float[0][]);
  }


  /** A moving average over 9 logged points, so the curves of a noisy minibatch loss can be compared. */
  private static List<LinePlot.Series> smooth(List<LinePlot.Series> in) {
    List<LinePlot.Series> out = new ArrayList<>();
    for (LinePlot.Series s : in) {
      double[] y = new double[s.y().length];
      for (int i = 0; i < y.length; i++) {
        int lo = Math.max(0, i - 4);
        int hi = Math.min(y.length - 1, i + 4);
        double sum = 0;
        for (int j = lo; j <= hi; j++) {
          sum += s.y()[j];
        }
        y[i] = sum / (hi - lo + 1);
      }
      out.add(new LinePlot.Series(s.name(), s.x(), y));
    }
    return out;
  }

  static double[][] readLosses(Path f) throws IOException {
    List<double[]> rows = new ArrayList<>();
    for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      String[] p = l.split(",");
      if (p.length == 3 && !l.startsWith("step")) {
        try {
          rows.add(new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2])});
        } catch (NumberFormatException e) {
          // skipped
        }
      }
    }
    double[][] out = new double[3][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      for (int k = 0; k < 3; k++) {
        out[k][i] = rows.get(i)[k];
      }
    }
    return out;
  }

  /** Mean over runs at the steps all of them logged (the shortest run's length). */
  static double[][] meanCurve(List<double[][]> runs) {
    if (runs.isEmpty()) {
      return null;
    }
    int n = runs.stream().mapToInt(r -> r[0].length).min().getAsInt();
    double[][] out = new double[3][n];
    for (int i = 0; i < n; i++) {
      out[0][i] = runs.get(0)[0][i];
      for (double[][] r : runs) {
        out[1][i] += r[1][i] / runs.size();
        out[2][i] += r[2][i] / runs.size();
      }
    }
    return out;
  }

  private static java.util.Optional<Double> num(String json, String key) {
    // The first occurrence is the run's final value (metrics.json writes "final" before "history");
    // null (a reverse KL with no high-quality sample) means the run has none, not the next match.
    var m = java.util.regex.Pattern.compile("\"" + key + "\": (-?[0-9.eE+-]+|NaN|null)").matcher(json);
    return m.find() && !m.group(1).equals("null") ? java.util.Optional.of(Double.parseDouble(m.group(1)))
        : java.util.Optional.empty();
  }

  private static void putStat(Map<String, Object> row, String key, List<Double> v) {
    if (v.isEmpty()) {
      return;
    }
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("mean", mean(v));
    st.put("se", se(v));
    st.put("values", v);
    row.put(key, st);
  }

  static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).sum() / v.size();
  }

  /** Standard error of the mean: sample standard deviation (n − 1) / sqrt(n); 0 for one value. */
  static double se(List<Double> v) {
    if (v.size() < 2) {
      return 0;
    }
    double m = mean(v);
    double ss = 0;
    for (double x : v) {
      ss += (x - m) * (x - m);
    }
    return Math.sqrt(ss / (v.size() - 1)) / Math.sqrt(v.size());
  }

  /** Mean ± standard error; "(k of n)" when only k of the n runs have the value (a reverse KL needs a captured mode). */
  private static String pm(List<Double> v, int digits, int runs) {
    if (v.isEmpty()) {
      return "–";
    }
    String f = "%." + digits + "f";
    String cell = String.format(Locale.ROOT, f + " ± " + f, mean(v), se(v));
    return v.size() < runs ? cell + " (" + v.size() + " of " + runs + ")" : cell;
  }
}
