package org.bgan.cli;

import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.config.proto.Study;
import org.bgan.study.StudyRunner;

/** {@code bgan study graphs/<study>.pbtxt [--summary]}. */
final class StudyCommand extends Command {
  @Override
  String name() {
    return "study";
  }

  @Override
  String synopsis() {
    return "graphs/<study>.pbtxt [--summary|--status] [--arms a,b] [--seeds 0-2] [--jobs N]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Run a study (schema java/proto/bgan/study.proto): every arm (a preset plus overrides) for every seed,",
        "one after another, seed by seed (every arm's first seed, then every arm's second, ...), under",
        "runs/studies/<name>/<arm>/seed-<s> (or the study's output_dir). Finished",
        "runs are skipped and interrupted ones resume from their last checkpoint, so a killed study picks up",
        "where it stopped when started again. Then writes results.md and results.json (for 2-D data the",
        "SPEC §7 figures, mean ± standard error over seeds), g_loss.png / d_loss.png (loss against step per",
        "arm, as in the paper's Fig. 2) and plots of the metrics the runs log as they train against the step,",
        "one curve per arm, the mean over its seeds (2-D data: modes_captured.png, high_quality_percent.png",
        "and reverse_kl.png; semi-supervised runs: test_accuracy.png; image data with the study's score_every",
        "set: fid.png, kid_mean.png and is_mean.png). Each finished run's generator is exported to",
        "<run>/generator/ and",
        "scored once (stored in <run>/eval.json): image data get FID, KID and IS with the study's classifier",
        "(default savedmodels/fmnist-classifier/1; make it with 'tools/inception-score train-fmnist') and, for",
        "stacked data, the mode count and KL to uniform; 2-D data get final_samples.png, the final samples of",
        "each arm side by side (the paper's Fig. 3). See docs/evaluation.md. --summary only rewrites the results",
        "from the runs present. --arms and --seeds train only part of the grid (the results still cover every",
        "run present), so two processes on disjoint parts, e.g. --seeds 0-4 and --seeds 5-9, use two cores.",
        "--jobs N does that for you: N runs at a time, each in a JVM of its own with its output in",
        "<study output>/logs/<arm>-seed-<s>.log, one line here when a run starts and ends. Match N to the",
        "cores and the runs' threads (the 2-D studies set one thread per run: --jobs 2 on 2 cores). A run that",
        "fails stops new ones from starting; killing the study stops its runs, which resume when it is",
        "started again. --baseline ARM sets the arm the results compare every other arm with, seed by seed",
        "(the study's 'baseline' field is the default), e.g. with --summary to compare two arms that are not the",
        "study's baseline. --status prints which seeds of each arm are done (and which of those are not yet",
        "scored), diverged, started (with the step they resume from) and not started, without training or",
        "writing anything; --arms and --seeds narrow it.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("summary").desc("only summarize the runs already present").build());
    o.addOption(Option.builder().longOpt("status")
        .desc("only print each arm's done, diverged, started and not started seeds (writes nothing)").build());
    o.addOption(Option.builder().longOpt("arms").hasArg().desc("comma list of arm names to train (default: all)").build());
    o.addOption(Option.builder().longOpt("seeds").hasArg()
        .desc("seeds to train, a comma list of numbers and ranges such as 0-2,5 (default: all of the study's)").build());
    o.addOption(Option.builder().longOpt("baseline").hasArg().argName("ARM")
        .desc("compare every arm seed by seed with ARM in the results (default: the study's 'baseline' field, if any)")
        .build());
    o.addOption(Option.builder().longOpt("jobs").hasArg().argName("N")
        .desc("runs trained at a time, each in its own JVM (1..64, default 1: one after another in this one)").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    Path file = Path.of(onlyPositional(cl, "study file (e.g. graphs/study_fig2_fmnist_gamma.pbtxt)"));
    Study s = StudyRunner.load(file);
    if (cl.hasOption("baseline")) {
      s = StudyRunner.withBaseline(file, s, cl.getOptionValue("baseline").trim());
    }
    int jobs = intOpt(cl, "jobs", 1, 1);
    if (jobs > 64) {
      throw new org.bgan.util.UserException("--jobs must be at most 64, got " + jobs);
    }
    if (cl.hasOption("summary") && cl.hasOption("jobs")) {
      throw new org.bgan.util.UserException("--jobs trains runs; --summary only summarizes: give one of them");
    }
    if (cl.hasOption("summary") && (cl.hasOption("arms") || cl.hasOption("seeds"))) {
      // the results always cover every run present: a part of the grid would be silently ignored
      throw new org.bgan.util.UserException((cl.hasOption("arms") ? "--arms" : "--seeds") + " chooses the runs to train;"
          + " --summary summarizes every run present: give one of them");
    }
    if (cl.hasOption("status")) {
      for (String other : new String[] {"summary", "jobs", "baseline"}) {
        if (cl.hasOption(other)) {
          throw new org.bgan.util.UserException("--status only reports the runs' progress; --" + other
              + (other.equals("jobs") ? " trains runs" : " writes the results") + ": give one of them");
        }
      }
      System.out.print(StudyRunner.status(file, s, arms(cl, s), seeds(cl, s)));
      return 0;
    }
    int code = 0;
    if (cl.hasOption("summary")) {
      for (var a : s.getArmList()) {
        for (long seed : StudyRunner.seeds(s)) {
          StudyRunner.experiment(file, s, a, seed);
        }
      }
      Path out = StudyRunner.outputDir(s);
      if (!java.nio.file.Files.exists(out)) {
        // it made the directory and wrote a table of no runs, exit 0: most likely the output_dir is not
        // the one the study trained in, or the study has not run yet
        throw new org.bgan.util.UserException("--summary: no runs to summarize: the study's output directory " + out
            + " does not exist (train the runs first: bgan study " + file + ")");
      }
      org.bgan.util.AtomicFiles.ensureWritableDir(out, "study output directory");
      StudyRunner.summarize(s, out);
    } else if (jobs > 1) {
      code = org.bgan.study.ParallelStudy.run(file, s, arms(cl, s), seeds(cl, s), jobs,
          org.bgan.util.ChildJvm.command(Main.class.getName()), System.err, System.console() != null);
    } else {
      StudyRunner.run(file, s, arms(cl, s), seeds(cl, s), System.err, System.console() != null);
    }
    Path results = StudyRunner.outputDir(s).resolve("results.md");
    if (java.nio.file.Files.isRegularFile(results)) {
      System.out.print(java.nio.file.Files.readString(results));
    }
    // A child's own exit code when it is one of ours (e.g. 3, a build failure); 1 for a crash or a kill.
    return code == 0 ? 0 : code >= 1 && code <= 4 ? code : 1;
  }

  private static java.util.Set<String> arms(CommandLine cl, Study s) {
    if (!cl.hasOption("arms")) {
      return null;
    }
    java.util.Set<String> known = new java.util.LinkedHashSet<>();
    s.getArmList().forEach(a -> known.add(a.getName()));
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    for (String a : cl.getOptionValue("arms").split(",")) {
      if (!known.contains(a.trim())) {
        throw new org.bgan.util.UserException("--arms: the study has no arm '" + a.trim() + "' (it has " + String.join(", ", known) + ")");
      }
      out.add(a.trim());
    }
    if (out.isEmpty()) {
      throw new org.bgan.util.UserException("--arms: no arm names in '" + cl.getOptionValue("arms") + "' (the study has "
          + String.join(", ", known) + ")");
    }
    return out;
  }

  /** Parses "0-2,5" into {0, 1, 2, 5} (negative seeds as "-3" or "-3--1"); every seed must be one of the study's. */
  static java.util.Set<Long> seeds(CommandLine cl, Study s) {
    if (!cl.hasOption("seeds")) {
      return null;
    }
    String spec = cl.getOptionValue("seeds");
    java.util.Set<Long> out = new java.util.TreeSet<>();
    for (String part : spec.split(",")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(-?\\d+)\\s*(?:-\\s*(-?\\d+)\\s*)?").matcher(part);
      if (!m.matches()) {
        throw new org.bgan.util.UserException("--seeds: expected numbers and ranges such as 0-2,5, got '" + spec + "'");
      }
      long lo;
      long hi;
      try {
        lo = Long.parseLong(m.group(1));
        hi = m.group(2) == null ? lo : Long.parseLong(m.group(2));
      } catch (NumberFormatException e) {
        throw new org.bgan.util.UserException("--seeds: seed out of range in '" + part.trim() + "'");
      }
      if (hi < lo || hi - lo > 100_000) {
        throw new org.bgan.util.UserException("--seeds: bad range '" + part.trim() + "'");
      }
      for (long v = lo; v <= hi; v++) {
        out.add(v);
      }
    }
    java.util.List<Long> known = StudyRunner.seeds(s);
    for (long v : out) {
      if (!known.contains(v)) {
        throw new org.bgan.util.UserException("--seeds: seed " + v + " is not one of the study's seeds " + known);
      }
    }
    return out;
  }
}
