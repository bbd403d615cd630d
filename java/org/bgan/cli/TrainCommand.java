package org.bgan.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.train.Trainer;
import org.bgan.util.Json;
import org.bgan.util.UserException;

/** {@code bgan train CONFIG [--set k=v]... [--resume] [--out DIR]}. */
final class TrainCommand extends Command {
  @Override
  String name() {
    return "train";
  }

  @Override
  String synopsis() {
    return "graphs/<preset>.pbtxt [--set key=value]... [--out DIR] [--resume]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Train a GAN from an experiment config (protobuf text format, schema java/proto/bgan/experiment.proto).",
        "Writes into the run directory (train.output_dir, default runs/<name>): config.pbtxt (resolved),",
        "checkpoints/ (every train.checkpoint_every steps, atomic), tb/ (TensorBoard events), plots/ (2-D",
        "scatter plots at train.plot_at and at the end), metrics_history.jsonl and metrics.json (SPEC §7",
        "mode coverage for 2-D data). At the end the generator is exported as a SavedModel under",
        "train.export_dir (default savedmodels/<name>/<version>). Prints metrics.json to stdout.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("set").hasArg().argName("key=value")
        .desc("override a config field, e.g. --set train.steps=2000 --set mixing.gamma=0.5 (repeatable)").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("run directory (same as --set train.output_dir=DIR)").build());
    o.addOption(Option.builder().longOpt("resume").desc("continue the run in the output directory from its latest checkpoint").build());
    o.addOption(Option.builder().longOpt("allow-config-changes").desc("with --resume: continue even if the config differs"
        + " from the run's config.pbtxt in more than its length, outputs, threads and evaluation (e.g. a new learning"
        + " rate); without it such a resume is refused").build());
    o.addOption(Option.builder().longOpt("quiet").desc("no progress output").build());
    return o;
  }

  static Experiment loadConfig(String file, CommandLine cl) {
    List<String> overrides = new ArrayList<>();
    if (cl.hasOption("set")) {
      overrides.addAll(List.of(cl.getOptionValues("set")));
    }
    if (cl.hasOption("out")) {
      overrides.add("train.output_dir=" + cl.getOptionValue("out"));
    }
    return ExperimentConfigs.load(Path.of(file), overrides);
  }

  /**
   * --out is train.output_dir: given both, one of them was silently dropped (train kept --out, demo the
   * --set), so both at once are refused.
   */
  static void outOrOutputDir(CommandLine cl) {
    if (cl.hasOption("out") && cl.hasOption("set")) {
      for (String s : cl.getOptionValues("set")) {
        if (s.indexOf('=') > 0 && s.substring(0, s.indexOf('=')).trim().equals("train.output_dir")) {
          throw new UserException("--out and --set train.output_dir both give the run directory; give one of them");
        }
      }
    }
  }

  @Override
  int run(CommandLine cl) throws Exception {
    outOrOutputDir(cl);
    Experiment cfg = loadConfig(onlyPositional(cl, "config file (e.g. graphs/grid2d_mlp_bgan.pbtxt)"), cl);
    if (cl.hasOption("allow-config-changes") && !cl.hasOption("resume")) {
      throw new UserException("--allow-config-changes is for --resume (a new run takes any config)");
    }
    return train(cfg, cl.hasOption("resume"), cl.hasOption("quiet"), cl.hasOption("allow-config-changes"));
  }

  static int train(Experiment cfg, boolean resume, boolean quiet) throws Exception {
    return train(cfg, resume, quiet, false);
  }

  static int train(Experiment cfg, boolean resume, boolean quiet, boolean allowConfigChanges) throws Exception {
    var progress = quiet ? new java.io.PrintStream(java.io.OutputStream.nullOutputStream()) : System.err;
    Trainer.Result r = Trainer.run(cfg, new Trainer.Options(resume, progress, System.console() != null, allowConfigChanges));
    if (r.exitCode() != 0) {
      System.err.println(r.message());
      return r.exitCode();
    }
    System.err.printf("done: %d steps, %.1f it/s; %s%n", r.step(), r.itersPerSecond(), r.finalMetrics());
    System.err.println("run directory: " + r.runDir());
    if (r.savedModel() != null) {
      System.err.println("SavedModel: " + r.savedModel());
    }
    System.out.print(java.nio.file.Files.readString(r.runDir().resolve("metrics.json")));
    return 0;
  }
}
