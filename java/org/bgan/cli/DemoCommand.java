package org.bgan.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.util.UserException;

/** {@code bgan demo}: BGAN on the 2D-grid from the embedded default preset. */
final class DemoCommand extends Command {
  static final String PRESET = "graphs/demo_grid2d_mlp_bgan.pbtxt";

  @Override
  String name() {
    return "demo";
  }

  @Override
  String synopsis() {
    return "[--out DIR] [--set key=value]... [--resume]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Train BGAN on the 2D-grid (25 Gaussians) from the embedded default preset (" + PRESET + "),",
        "a few minutes on 2 CPU cores. Leaves in the run directory (default runs/demo/<date-time>) the scatter",
        "plots (plots/), metrics.json (modes captured, % high quality, reverse KL), TensorBoard logs (tb/) and",
        "checkpoints, and exports the generator to savedmodels/demo/<version>.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("run directory").build());
    o.addOption(Option.builder().longOpt("set").hasArg().argName("key=value").desc("override a preset field (repeatable)").build());
    o.addOption(Option.builder().longOpt("quiet").desc("no progress output").build());
    o.addOption(Option.builder().longOpt("resume").desc("continue the run in --out from its latest checkpoint"
        + " (e.g. with a larger --set train.steps)").build());
    return o;
  }

  static String presetText() throws IOException {
    try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(PRESET)) {
      if (in == null) {
        throw new IllegalStateException("the embedded preset " + PRESET + " is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Override
  int run(CommandLine cl) throws Exception {
    noPositional(cl);
    TrainCommand.outOrOutputDir(cl);
    if (cl.hasOption("resume") && !cl.hasOption("out")) {
      throw new UserException("--resume needs --out DIR, the run to continue (without --out each demo is a new run)");
    }
    Experiment.Builder b = ExperimentConfigs.parse(presetText(), PRESET);
    List<String> sets = new ArrayList<>();
    sets.add("train.output_dir=" + (cl.hasOption("out") ? cl.getOptionValue("out")
        : Path.of("runs", "demo", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))));
    if (cl.hasOption("set")) {
      sets.addAll(List.of(cl.getOptionValues("set")));
    }
    for (String s : sets) {
      ExperimentConfigs.applyOverride(b, s);
    }
    Experiment cfg = b.build();
    ExperimentConfigs.validate(cfg);
    return TrainCommand.train(cfg, cl.hasOption("resume"), cl.hasOption("quiet"));
  }
}
