package org.bgan.cli;

import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.train.TrainGraph;
import org.bgan.util.AtomicFiles;
import org.bgan.util.UserException;
import org.tensorflow.Graph;
import org.tensorflow.proto.GraphDef;

/** {@code bgan build CONFIG [--out FILE]}: writes the training graph without training. */
final class BuildCommand extends Command {
  @Override
  String name() {
    return "build";
  }

  @Override
  String synopsis() {
    return "graphs/<preset>.pbtxt [--set key=value]... [--out FILE.pb] [--text]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Build the training graph of a config and write it as a GraphDef for inspection, without training",
        "(image data is not read: real batches are a placeholder, real_batch, of the configured shape).",
        "Default output: <run directory>/graph.pb (binary); --text, or an --out name ending in .pbtxt, writes",
        "protobuf text format instead.",
        "Ops are grouped in name scopes: generator/, discriminator/, d_step/ and g_step/ (with BatchRho,",
        "MixingRatio, MixingMask, MixBatch blocks), d_optimizer/, g_optimizer/, summaries/, eval/.",
        "Prints a one-line summary (the file, its ops, each network's parameters and the loss) to stdout.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("set").hasArg().argName("key=value").desc("override a config field (repeatable)").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE").desc("where to write the GraphDef").build());
    o.addOption(Option.builder().longOpt("text").desc("write protobuf text format (also for an --out ending in .pbtxt)").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    String file = onlyPositional(cl, "config file (e.g. graphs/grid2d_mlp_bgan.pbtxt)");
    java.util.List<String> sets = cl.hasOption("set") ? java.util.List.of(cl.getOptionValues("set")) : java.util.List.of();
    Experiment cfg = ExperimentConfigs.load(Path.of(file), sets);
    for (String note : ExperimentConfigs.ineffective(cfg)) {
      System.err.println("note: " + note);
    }
    // A .pbtxt name asks for text as much as --text does (binary bytes under it would not read as text).
    boolean text = cl.hasOption("text") || (cl.hasOption("out") && cl.getOptionValue("out").endsWith(".pbtxt"));
    Path out = cl.hasOption("out") ? Path.of(cl.getOptionValue("out"))
        : ExperimentConfigs.outputDir(cfg).resolve(text ? "graph.pbtxt" : "graph.pb");
    Path parent = out.toAbsolutePath().getParent();
    AtomicFiles.ensureWritableDir(parent, "output directory");
    if (java.nio.file.Files.isDirectory(out)) {
      throw new UserException("--out " + out + " is a directory; give a file name");
    }
    try (Graph g = new Graph()) {
      TrainGraph tg = TrainGraph.build(g, cfg, DataSources.forGraph(cfg.getData()));
      GraphDef def = g.toGraphDef();
      if (text) {
        AtomicFiles.writeString(out, com.google.protobuf.TextFormat.printer().printToString(def));
      } else {
        AtomicFiles.writeBytes(out, def.toByteArray());
      }
      long params = 0;
      for (var v : tg.model.gVars()) {
        params += v.shape().size();
      }
      long dParams = 0;
      for (var v : tg.model.dVars()) {
        dParams += v.shape().size();
      }
      System.out.printf("wrote %s: %d ops; generator %d parameters, discriminator %d parameters (%s)%n", out,
          def.getNodeCount(), params, dParams, cfg.getLoss());
    }
    return 0;
  }
}
