package org.bgan.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.data.images.ImageGrid;
import org.bgan.eval.Birthday;
import org.bgan.eval.Classifiers;
import org.bgan.eval.GeneratorSampler;
import org.bgan.metrics.ImageBatch;
import org.bgan.scorer.DecodedImage;
import org.bgan.scorer.ImageDecoder;
import org.bgan.scorer.ImageFolder;
import org.bgan.scorer.SavedModelExtractor;
import org.bgan.scorer.UserError;
import org.bgan.util.AtomicFiles;
import org.bgan.util.Json;
import org.bgan.util.UserException;

/** {@code bgan birthday --generator DIR --classifier DIR (--threshold T | --real DIR) [...]}. */
final class BirthdayCommand extends Command {
  static final String DEFAULT_SIZES = "25,50,100,200,400,800";

  @Override
  String name() {
    return "birthday";
  }

  @Override
  String synopsis() {
    return "--generator DIR --classifier DIR (--threshold T | --real IMAGES_DIR [--quantile Q]) [--batch-sizes "
        + DEFAULT_SIZES + "] [--trials 20] [--out DIR] [--json]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Birthday-paradox support estimate (Arora & Zhang 2017): for each batch size s, draw --trials batches",
        "of s samples, embed them with the classifier's features and count the batches whose closest pair is",
        "nearer than the threshold (a near-duplicate). Reports P(duplicate | s), the smallest s with P >= 1/2",
        "and its s^2 (the paper's support estimate), and the maximum-likelihood support size of a uniform",
        "distribution given all trials. The threshold is --threshold, or the --quantile (default 0.01) of the",
        "nearest-neighbour distances between the distinct real images of --real (a folder, e.g. from 'bgan data').",
        "With --out, writes birthday.json and pairs.png (the closest pairs side by side, closest first, for a",
        "person to judge). See docs/evaluation.md.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("generator").hasArg().argName("DIR").desc("generator SavedModel (version or base directory)").build());
    o.addOption(Option.builder().longOpt("classifier").hasArg().argName("DIR").desc("classifier SavedModel with a features output").build());
    o.addOption(Option.builder().longOpt("batch-sizes").hasArg().argName("S,S,...").desc("batch sizes (default " + DEFAULT_SIZES + ")").build());
    o.addOption(Option.builder().longOpt("trials").hasArg().argName("N").desc("batches per size (default 20)").build());
    o.addOption(Option.builder().longOpt("threshold").hasArg().argName("T").desc("duplicate if the feature distance is below T").build());
    o.addOption(Option.builder().longOpt("real").hasArg().argName("DIR").desc("real images, to set the threshold from their nearest-neighbour distances").build());
    o.addOption(Option.builder().longOpt("real-num").hasArg().argName("N").desc("real images used (default 2000, the first in sorted order)").build());
    o.addOption(Option.builder().longOpt("quantile").hasArg().argName("Q").desc("quantile of the real nearest-neighbour distances (default 0.01)").build());
    o.addOption(Option.builder().longOpt("per-channel").desc("embed each channel as a grey image and concatenate (stacked data, grey classifier)").build());
    o.addOption(Option.builder().longOpt("pairs").hasArg().argName("N").desc("closest pairs kept and drawn (default 16)").build());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("sampling seed (default 0)").build());
    o.addOption(Option.builder().longOpt("threads").hasArg().argName("T").desc("TensorFlow intra-op threads").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("write birthday.json and pairs.png there").build());
    o.addOption(Option.builder().longOpt("json").desc("print one JSON object").build());
    return o;
  }

  static int[] sizes(String v) {
    String[] parts = v.split(",");
    if (parts.length == 0) {
      // "," split into nothing: every model was loaded and sampled before an index error (exit 1)
      throw new UserException("--batch-sizes: no sizes in '" + v + "' (e.g. " + DEFAULT_SIZES + ")");
    }
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new UserException("--batch-sizes expects whole numbers separated by commas, got '" + v + "'");
      }
      if (out[i] < 2 || out[i] > 100_000) {
        throw new UserException("--batch-sizes: each size must be in [2, 100000], got " + out[i]);
      }
      if (i > 0 && out[i] <= out[i - 1]) {
        throw new UserException("--batch-sizes must increase, got '" + v + "'");
      }
    }
    return out;
  }

  static double doubleOpt(CommandLine cl, String opt, double dflt, double lo, double hi) {
    if (!cl.hasOption(opt)) {
      return dflt;
    }
    String v = cl.getOptionValue(opt);
    double x;
    try {
      x = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new UserException("--" + opt + " expects a number, got '" + v + "'");
    }
    if (!(x >= lo && x <= hi)) {
      throw new UserException("--" + opt + " must be in [" + lo + ", " + hi + "], got " + v);
    }
    return x;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    noPositional(cl);
    Path gen = ModesCommand.required(cl, "generator");
    Path cls = ModesCommand.required(cl, "classifier");
    int[] sizes = sizes(cl.getOptionValue("batch-sizes", DEFAULT_SIZES));
    int trials = intOpt(cl, "trials", 20, 1);
    int pairs = intOpt(cl, "pairs", 16, 1);
    long seed = longOpt(cl, "seed", 0, Long.MIN_VALUE);
    int threads = threadsOpt(cl, "threads");
    boolean hasT = cl.hasOption("threshold");
    boolean hasReal = cl.hasOption("real");
    if (hasT == hasReal) {
      throw new UserException("give exactly one of --threshold T (a feature distance) and --real DIR (real images,"
          + " the threshold being the --quantile of their nearest-neighbour distances)");
    }
    if (!hasReal && (cl.hasOption("quantile") || cl.hasOption("real-num"))) {
      throw new UserException("--quantile and --real-num go with --real");
    }
    double fixed = hasT ? doubleOpt(cl, "threshold", 0, 0, Double.MAX_VALUE) : 0;
    if (hasT && fixed == 0) {
      throw new UserException("--threshold must be greater than 0 (a pair counts as a duplicate when its distance is"
          + " below it), got " + cl.getOptionValue("threshold"));
    }
    double quantile = doubleOpt(cl, "quantile", 0.01, 0, 1);
    int realNum = intOpt(cl, "real-num", 2000, 2);
    Path out = cl.hasOption("out") ? Path.of(cl.getOptionValue("out")) : null;
    List<Path> realFiles = null;
    if (hasReal) {
      try {
        realFiles = ImageFolder.list(Path.of(cl.getOptionValue("real")));
      } catch (UserError e) {
        throw new UserException("--real " + e.getMessage());
      }
      realFiles = realFiles.subList(0, Math.min(realNum, realFiles.size()));
      if (realFiles.size() < 2) {
        // checked before the models load; the threshold's own check named neither the flag nor the folder
        throw new UserException("--real " + cl.getOptionValue("real") + ": the threshold needs at least 2 real images,"
            + " the folder has " + realFiles.size());
      }
    }
    if (out != null) {
      AtomicFiles.ensureWritableDir(out, "--out");
    }
    boolean perChannel = cl.hasOption("per-channel");
    Birthday.Result r;
    String thresholdFrom;
    try (SavedModelExtractor fx = Classifiers.open(cls, "--classifier", threads, false);
        GeneratorSampler g = new GeneratorSampler(gen, threads, "--generator")) {
      double threshold = fixed;
      thresholdFrom = "--threshold";
      if (realFiles != null) {
        ImageBatch real = readReal(realFiles);
        // The real images are embedded as the generator's samples will be: same size, same channels.
        long[] sh = g.drawAll(1, seed).shape();
        if (sh.length != 4 || (sh[3] != 1 && sh[3] != 3)) {
          throw new UserException(g.dir() + ": the birthday test with --real needs a generator of grey or RGB images, it makes samples of shape "
              + java.util.Arrays.toString(java.util.Arrays.copyOfRange(sh, 1, sh.length)));
        }
        if (real.height() != sh[1] || real.width() != sh[2]) {
          throw new UserException("--real " + cl.getOptionValue("real") + ": the real images are " + real.width() + "x"
              + real.height() + ", the generator's samples " + sh[2] + "x" + sh[1] + ": the threshold must come from"
              + " real images of the generator's size (e.g. 'bgan data' with the generator's config)");
        }
        List<Path> used = realFiles;
        float[] f = Birthday.embedReal(fx, real, (int) sh[3], perChannel, i -> "--real: " + used.get(i));
        threshold = Birthday.thresholdFromReal(f, real.count(), f.length / real.count(), quantile);
        thresholdFrom = String.format(Locale.ROOT, "quantile %s of the nearest-neighbour distances of %d real images in %s",
            quantile, real.count(), cl.getOptionValue("real"));
        System.err.printf(Locale.ROOT, "threshold %.6g (%s)%n", threshold, thresholdFrom);
      }
      r = Birthday.run(g, fx, new Birthday.Options(sizes, trials, seed, perChannel, pairs), threshold, System.err);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("generator", gen.toString());
    m.put("classifier", cls.toString());
    m.put("threshold_from", thresholdFrom);
    m.putAll(r.toMap());
    if (out != null) {
      AtomicFiles.writeString(out.resolve("birthday.json"), Json.write(m));
      writePairs(out.resolve("pairs.png"), r);
    }
    if (cl.hasOption("json")) {
      System.out.print(Json.write(m));
    } else {
      System.out.printf(Locale.ROOT, "threshold: %.6g (%s)%n", r.threshold(), thresholdFrom);
      for (int k = 0; k < sizes.length; k++) {
        System.out.printf(Locale.ROOT, "batch_size %d: p_duplicate %.3f (%d/%d)%n", sizes[k], r.probability(k),
            r.duplicates()[k], trials);
      }
      System.out.println("smallest_batch_size_p_half: " + (r.smallestS() == 0 ? "none (P < 1/2 at every size)" : r.smallestS()));
      System.out.println("support_s_squared: " + (r.smallestS() == 0 ? "more than " + (long) sizes[sizes.length - 1]
          * sizes[sizes.length - 1] : (long) r.smallestS() * r.smallestS()));
      System.out.println("support_mle_uniform: " + (Double.isFinite(r.supportMle())
          ? String.format(Locale.ROOT, "%.1f", r.supportMle()) : "unbounded (no duplicate found)"));
      if (out != null) {
        System.out.println("closest pairs: " + out.resolve("pairs.png"));
      }
    }
    return 0;
  }

  private static ImageBatch readReal(List<Path> files) {
    List<DecodedImage> imgs = new ArrayList<>();
    for (Path f : files) {
      try {
        imgs.add(ImageDecoder.decode(f));
      } catch (ImageDecoder.BadImageException e) {
        throw new UserException("--real: " + f + ": " + e.getMessage());
      }
    }
    int w = imgs.get(0).width();
    int h = imgs.get(0).height();
    byte[] all = new byte[imgs.size() * w * h * 3];
    for (int i = 0; i < imgs.size(); i++) {
      DecodedImage d = imgs.get(i);
      if (d.width() != w || d.height() != h) {
        throw new UserException("--real: " + files.get(i) + " is " + d.width() + "x" + d.height() + ", the first image "
            + w + "x" + h + " (the real images must have one size)");
      }
      System.arraycopy(d.rgb(), 0, all, i * w * h * 3, w * h * 3);
    }
    return new ImageBatch(imgs.size(), h, w, all);
  }

  /** The kept pairs, one per row: the two images side by side. */
  static void writePairs(Path png, Birthday.Result r) throws java.io.IOException {
    if (r.closest().isEmpty() || r.sampleShape() == null) {
      return;
    }
    int h = (int) r.sampleShape()[1];
    int w = (int) r.sampleShape()[2];
    int c = (int) r.sampleShape()[3];
    int per = h * w * c;
    float[] px = new float[2 * r.closest().size() * per];
    int k = 0;
    for (Birthday.Pair p : r.closest()) {
      System.arraycopy(p.a(), 0, px, (k++) * per, per);
      System.arraycopy(p.b(), 0, px, (k++) * per, per);
    }
    ImageGrid.write(png, px, 2 * r.closest().size(), h, w, c, 2);
  }
}
