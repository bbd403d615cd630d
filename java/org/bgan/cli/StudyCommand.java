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
    return "graphs/<study>.pbtxt [--summary]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Run a study (schema java/proto/bgan/study.proto): every arm (a preset plus overrides) for every seed,",
        "one after another, under runs/studies/<name>/<arm>/seed-<s> (or the study's output_dir). Finished",
        "runs are skipped and interrupted ones resume from their last checkpoint, so a killed study picks up",
        "where it stopped when started again. Then writes results.md and results.json (for 2-D data the",
        "SPEC §7 figures, mean ± standard error over seeds) and g_loss.png / d_loss.png (loss against step per",
        "arm, as in the paper's Fig. 2). Each finished run's generator is exported to <run>/generator/ and",
        "scored once (stored in <run>/eval.json): image data get FID, KID and IS with the study's classifier",
        "(default savedmodels/fmnist-classifier/1; make it with 'tools/inception-score train-fmnist') and, for",
        "stacked data, the mode count and KL to uniform; 2-D data get final_samples.png, the final samples of",
        "each arm side by side (the paper's Fig. 3). See docs/evaluation.md. --summary only rewrites the results",
        "from the runs present.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("summary").desc("only summarize the runs already present").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    Path file = Path.of(onlyPositional(cl, "study file (e.g. graphs/study_fig2_fmnist_gamma.pbtxt)"));
    Study s = StudyRunner.load(file);
    if (cl.hasOption("summary")) {
      for (var a : s.getArmList()) {
        for (long seed : StudyRunner.seeds(s)) {
          StudyRunner.experiment(file, s, a, seed);
        }
      }
      StudyRunner.summarize(s, StudyRunner.outputDir(s));
    } else {
      StudyRunner.run(file, s, System.err, System.console() != null);
    }
    System.out.print(java.nio.file.Files.readString(StudyRunner.outputDir(s).resolve("results.md")));
    return 0;
  }
}
