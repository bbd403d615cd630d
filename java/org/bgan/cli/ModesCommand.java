package org.bgan.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.eval.Classifiers;
import org.bgan.eval.GeneratorSampler;
import org.bgan.eval.StackedModes;
import org.bgan.scorer.SavedModelExtractor;
import org.bgan.util.Json;
import org.bgan.util.UserException;

/** {@code bgan modes --generator DIR --classifier DIR [--num 26000] [--seed S] [--json]}. */
final class ModesCommand extends Command {
  @Override
  String name() {
    return "modes";
  }

  @Override
  String synopsis() {
    return "--generator savedmodels/<name>[/<version>] --classifier savedmodels/fmnist-classifier/1 [--num 26000] [--seed S] [--json]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Stacked Fashion-MNIST (or MNIST) mode count, the VEEGAN/PacGAN protocol: draw --num samples (3-channel",
        "images) from the generator's 'sample' signature, classify each channel with the classifier (a SavedModel",
        "with logits, e.g. from 'tools/inception-score train-fmnist'), the mode being the class triple (1000 for",
        "10 classes). Prints the number of modes with at least one sample and KL(p || uniform) of the mode",
        "histogram p (natural log). See docs/evaluation.md.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("generator").hasArg().argName("DIR").desc("generator SavedModel (version or base directory)").build());
    o.addOption(Option.builder().longOpt("classifier").hasArg().argName("DIR").desc("classifier SavedModel with a logits output").build());
    o.addOption(Option.builder().longOpt("num").hasArg().argName("N").desc("samples (default 26000, as in the papers)").build());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("sampling seed (default 0)").build());
    o.addOption(Option.builder().longOpt("threads").hasArg().argName("T").desc("TensorFlow intra-op threads (default: TensorFlow's choice)").build());
    o.addOption(Option.builder().longOpt("json").desc("print one JSON object").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    noPositional(cl);
    Path gen = required(cl, "generator");
    Path cls = required(cl, "classifier");
    long num = longOpt(cl, "num", StackedModes.DEFAULT_SAMPLES, 1);
    if (num > 10_000_000) {
      throw new UserException("--num must be at most 10,000,000, got " + num);
    }
    long seed = longOpt(cl, "seed", 0, Long.MIN_VALUE);
    int threads = threadsOpt(cl, "threads");
    StackedModes.Result r;
    try (SavedModelExtractor fx = Classifiers.open(cls, "--classifier", threads, true);
        GeneratorSampler g = new GeneratorSampler(gen, threads, "--generator")) {
      r = StackedModes.evaluate(g, fx, (int) num, seed);
    }
    if (cl.hasOption("json")) {
      Map<String, Object> m = new LinkedHashMap<>(r.toMap());
      m.put("generator", gen.toString());
      m.put("classifier", cls.toString());
      m.put("seed", seed);
      System.out.print(Json.write(m));
    } else {
      System.out.printf(Locale.ROOT, "modes_found: %d%nmodes_total: %d%nkl_to_uniform: %.6f%nsamples: %d%n",
          r.modesFound(), r.modesTotal(), r.klToUniform(), r.samples());
    }
    return 0;
  }

  static Path required(CommandLine cl, String opt) {
    if (!cl.hasOption(opt)) {
      throw new UserException("--" + opt + " DIR is required");
    }
    return Path.of(cl.getOptionValue(opt));
  }
}
