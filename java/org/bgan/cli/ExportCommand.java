package org.bgan.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.export.GeneratorExporter;
import org.bgan.train.Checkpoints;
import org.bgan.util.UserException;

/** {@code bgan export --run DIR [--out BASE]}. */
final class ExportCommand extends Command {
  @Override
  String name() {
    return "export";
  }

  @Override
  String synopsis() {
    return "--run runs/<name> [--out savedmodels/<name>]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Export the generator of a run's latest checkpoint as a SavedModel under <out>/<next version>/",
        "(TF Serving's layout; signatures serving_default: z -> samples, and sample: num, seed -> z, samples).",
        "Default <out>: the run's train.export_dir (savedmodels/<name>). Prints the version directory.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("run").hasArg().argName("DIR").desc("run directory holding config.pbtxt and checkpoints/").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("BASE").desc("SavedModel base directory").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    noPositional(cl);
    if (!cl.hasOption("run")) {
      throw new UserException("--run DIR is required");
    }
    Path run = Path.of(cl.getOptionValue("run"));
    Path cfgFile = run.resolve("config.pbtxt");
    if (!Files.isRegularFile(cfgFile)) {
      throw new UserException("--run " + run + ": no config.pbtxt there (is it a run directory?)");
    }
    Experiment cfg = ExperimentConfigs.load(cfgFile, java.util.List.of());
    var ck = Checkpoints.latest(run).orElseThrow(
        () -> new UserException("--run " + run + ": no complete checkpoint under " + run.resolve(Checkpoints.DIR)));
    Path base = cl.hasOption("out") ? Path.of(cl.getOptionValue("out")) : ExperimentConfigs.exportDir(cfg);
    org.bgan.util.SavedModelDirs.requireBase(base, cl.hasOption("out") ? "--out" : "train.export_dir");
    Path created = org.bgan.util.AtomicFiles.ensureWritableDir(base, "--out");
    Path dir;
    try {
      dir = GeneratorExporter.export(cfg, DataSources.sampleShape(cfg.getData()), ck.prefix(), base);
    } catch (UserException e) {
      org.bgan.util.AtomicFiles.removeCreated(created, base);  // e.g. a damaged checkpoint: no empty --out left
      throw e;
    }
    System.out.println(dir);
    return 0;
  }
}
