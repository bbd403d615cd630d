package org.bgan.scorer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.bgan.metrics.ActivationStats;
import org.bgan.metrics.Fid;
import org.bgan.metrics.InceptionScore;
import org.bgan.metrics.Kid;
import org.bgan.metrics.MetricInputException;
import org.bgan.metrics.Parallel;

/**
 * {@code tools/inception-score}: Inception Score, FID and KID for image folders, generator SavedModels,
 * {@code .npz} statistics and {@code .npy} features. Argument parsing and {@code --help} never touch
 * TensorFlow; models are loaded by {@link Scorer} only when a command needs them.
 */
public final class ScorerMain {
  public static final int EXIT_OK = 0;
  public static final int EXIT_INTERNAL = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_INPUT = 3;
  public static final int EXIT_MODEL = 4;

  static final String EXIT_CODES = """
      Exit codes: 0 success; 1 internal error (a bug: please report the stack trace); 2 usage error
      (unknown or missing flags, bad values); 3 bad input (missing or empty folder, unreadable or
      non-image files without --skip-bad, fewer than 2 images, bad .npz/.npy files, mismatched
      dimensions); 4 model problem (not a SavedModel, no usable signature or outputs); 141 the reader
      of standard output closed it (e.g. '| head'), silently, as a Unix filter stopped by SIGPIPE.""";

  static final String RESIZE_NOTE = """
      Images are resized inside a TensorFlow graph to the model's input size, by default with TF's
      bilinear resize (--resize tf-bilinear: align_corners=false, half_pixel_centers=false, the op the
      classic Inception graph uses). The resize method changes FID noticeably (Parmar et al., "On
      aliased resizing and surprising subtleties in GAN evaluation", the clean-fid study): compare only
      numbers computed with the same method, model and image format.""";

  private final PrintStream out;
  private final PrintStream err;

  public ScorerMain(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int code = new ScorerMain(org.bgan.util.StdoutStream.install(), System.err).run(args);
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command; returns the exit code. */
  public int run(String[] args) {
    int code = runCommand(args);
    // PrintStream swallows write errors: results lost to a full disk or a closed pipe gave exit 0
    if (code == EXIT_OK) {
      return org.bgan.util.StdoutStream.exitCode(out, EXIT_INPUT,
          why -> err.println("error: the results could not be written to standard output (" + why + ")"));
    }
    return code;
  }

  private int runCommand(String[] args) {
    try {
      return dispatch(args);
    } catch (UserError e) {
      err.println("error: " + e.getMessage());
      return e.exitCode();
    } catch (MetricInputException e) {
      err.println("error: " + e.getMessage());
      return EXIT_INPUT;
    } catch (ParseException e) {
      err.println("error: " + e.getMessage() + " (see --help)");
      return EXIT_USAGE;
    } catch (java.nio.file.NoSuchFileException e) {
      err.println("error: " + e.getMessage() + ": no such file or directory");
      return EXIT_INPUT;
    } catch (java.nio.file.AccessDeniedException e) {
      err.println("error: " + e.getMessage() + ": permission denied");
      return EXIT_INPUT;
    } catch (IOException e) {
      err.println("error: " + org.bgan.util.Errors.io(e));  // e.g. "x.npz: No space left on device"
      return EXIT_INPUT;
    } catch (OutOfMemoryError e) {
      err.println("error: out of memory; raise the heap with BGAN_JAVA_OPTS=-Xmx8g or use a smaller --batch-size");
      return EXIT_INTERNAL;
    } catch (org.tensorflow.exceptions.TFResourceExhaustedException e) {
      String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      err.println("error: TensorFlow ran out of memory (" + first + "); use a smaller --batch-size or --input-size");
      return EXIT_INTERNAL;
    } catch (Exception e) {
      err.println("internal error (please report):");
      e.printStackTrace(err);
      return EXIT_INTERNAL;
    }
  }

  private static final String USAGE = """
      inception-score: Inception Score, FID and KID for image folders, generators and feature files.

      Commands:
        score    --model DIR (--images DIR | --generator DIR --num N) [--ref DIR | --ref-stats F.npz | --ref-features F.npy]
                 IS (mean +- std over splits), FID and KID (mean +- std over subsets); --json for JSON
        stats    --model DIR --images DIR --out F.npz [--save-features F.npy]
                 mean and covariance (float64) in the .npz layout of the reference FID code
        fid A B  FID between two inputs, each an image folder (needs --model), a .npz or a .npy
        kid A B  KID between two inputs, each an image folder (needs --model) or a .npy of features
        inspect  --model DIR: list the signatures of a SavedModel and what the scorer would use
        import-graphdef FILE.pb --out DIR
                 the classic frozen Inception graph (classify_image_graph_def.pb) as a SavedModel
        train-fmnist --out DIR   train and export the Fashion-MNIST classifier (features + logits)
        random-inception --out DIR   an Inception-v3-architecture SavedModel with random weights
        bench    FID-from-statistics time and images/s of a model beside PyTorch

      Run 'inception-score COMMAND --help' for the flags of a command.
      """;

  int dispatch(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      out.print(USAGE);
      out.println(EXIT_CODES);
      return args.length == 0 ? EXIT_USAGE : EXIT_OK;
    }
    String cmd = args[0];
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    return switch (cmd) {
      case "score" -> score(rest);
      case "stats" -> stats(rest);
      case "fid" -> pair(rest, false);
      case "kid" -> pair(rest, true);
      case "inspect" -> inspect(rest);
      case "import-graphdef" -> importGraphDef(rest);
      case "train-fmnist" -> trainFmnist(rest);
      case "random-inception" -> randomInception(rest);
      case "bench" -> bench(rest);
      default -> throw new UserError(EXIT_USAGE, "unknown command '" + cmd + "' (see --help)");
    };
  }

  // ---------------------------------------------------------------- options

  private static Option opt(String name, String arg, String desc) {
    Option.Builder b = Option.builder().longOpt(name).desc(desc);
    if (arg != null) {
      b.hasArg().argName(arg);
    }
    return b.build();
  }

  /**
   * The feature extractor's options. {@code classOutputs}: the IS outputs (score and inspect only);
   * {@code runsImages}: the options of running the model over images (not inspect). A command gets
   * only the options it uses, so one it would ignore is an error instead of a silent no-op.
   */
  private static void modelOptions(Options o, boolean classOutputs, boolean runsImages) {
    o.addOption(opt("model", "DIR", "feature-extractor SavedModel (e.g. savedmodels/fmnist-classifier/1)"));
    o.addOption(opt("signature", "KEY", "signature to use (default serving_default, or the only one)"));
    o.addOption(opt("input", "NAME", "image input of the signature (default: its only 4-D input)"));
    o.addOption(opt("features-output", "NAME", "feature output (default: 'features', 'pool_3', ...)"));
    if (classOutputs) {
      o.addOption(opt("logits-output", "NAME", "logits output for IS (default: 'logits')"));
      o.addOption(opt("probs-output", "NAME", "probabilities output for IS, instead of logits"));
    }
    o.addOption(opt("input-range", "LO,HI", "pixel range the model expects, e.g. 0,255 or -1,1 (default: "
        + "from the model's " + ModelSpec.PROPERTIES + ")"));
    o.addOption(opt("input-size", "HxW", "resize images to this size (default: the signature's input size)"));
    o.addOption(opt("resize", "METHOD", "tf-bilinear (default), bilinear, bicubic, nearest or area; the "
        + "method changes FID"));
    if (runsImages) {
      o.addOption(opt("batch-size", "N", "images per model call (default 50)"));
      o.addOption(opt("threads", "N", "image decoding threads (default 2)"));
      o.addOption(opt("tf-threads", "N", "TensorFlow intra-op threads (default: TensorFlow's choice)"));
      o.addOption(opt("skip-bad", null, "skip (and list) unreadable or non-image files instead of failing"));
      o.addOption(opt("quiet", null, "no progress bar"));
    }
  }

  private static Options withHelp(Options o) {
    o.addOption(opt("help", null, "show this help"));
    return o;
  }

  private CommandLine parse(Options o, String[] args) throws ParseException {
    CommandLine cl = new DefaultParser().parse(o, args, false);
    // An empty value (--out "", an unset shell variable) would be the current directory as a path.
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Option opt : cl.getOptions()) {
      if (opt.hasArg() && (opt.getValue() == null || opt.getValue().isBlank())) {
        throw new UserError(EXIT_USAGE, "--" + opt.getLongOpt() + " needs a value, got an empty string");
      }
      // a repeated option would silently use its first value only (--splits 5 --splits 2 gave 5 splits)
      if (opt.hasArg() && !seen.add(opt.getLongOpt())) {
        throw new UserError(EXIT_USAGE, "--" + opt.getLongOpt() + " given more than once ("
            + String.join(", ", cl.getOptionValues(opt.getLongOpt())) + ")");
      }
    }
    return cl;
  }

  private boolean help(CommandLine cl, Options o, String syntax, String text) {
    if (!cl.hasOption("help")) {
      return false;
    }
    HelpFormatter hf = new HelpFormatter();
    hf.setWidth(100);
    StringWriter sw = new StringWriter();
    PrintWriter pw = new PrintWriter(sw);
    hf.printHelp(pw, 100, "inception-score " + syntax, "\n" + text + "\n\n", o, 2, 2,
        "\n" + RESIZE_NOTE + "\n\n" + EXIT_CODES, false);
    pw.flush();
    out.print(sw);
    return true;
  }

  static int intOpt(CommandLine cl, String name, int dflt, int min) {
    if (!cl.hasOption(name)) {
      return dflt;
    }
    String v = cl.getOptionValue(name);
    try {
      int x = Integer.parseInt(v.trim());
      if (x >= min) {
        return x;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UserError(EXIT_USAGE, "--" + name + ": expected an integer >= " + min + ", got '" + v + "'");
  }

  static long longOpt(CommandLine cl, String name, long dflt) {
    if (!cl.hasOption(name)) {
      return dflt;
    }
    try {
      return Long.parseLong(cl.getOptionValue(name).trim());
    } catch (NumberFormatException e) {
      throw new UserError(EXIT_USAGE, "--" + name + ": expected an integer, got '" + cl.getOptionValue(name) + "'");
    }
  }

  private Scorer.Settings settings(CommandLine cl) {
    Scorer.Settings s = new Scorer.Settings();
    if (cl.hasOption("model")) {
      s.model = Path.of(cl.getOptionValue("model"));
    }
    ModelSpec m = s.spec;
    m.signature = cl.getOptionValue("signature");
    m.input = cl.getOptionValue("input");
    m.featuresOutput = cl.getOptionValue("features-output");
    m.logitsOutput = cl.getOptionValue("logits-output");
    m.probsOutput = cl.getOptionValue("probs-output");
    if (m.logitsOutput != null && m.probsOutput != null) {
      throw new UserError(EXIT_USAGE, "give --logits-output or --probs-output, not both");
    }
    if (cl.hasOption("input-range")) {
      m.inputRange = ModelSpec.parseRange(cl.getOptionValue("input-range"), "--input-range");
    }
    if (cl.hasOption("input-size")) {
      m.inputSize = ModelSpec.parseSize(cl.getOptionValue("input-size"), "--input-size");
    }
    if (cl.hasOption("resize")) {
      m.resize = ModelSpec.Resize.parse(cl.getOptionValue("resize"));
      m.resizeGiven = true;
    }
    m.tfThreads = intOpt(cl, "tf-threads", 0, 0);
    s.batchSize = intOpt(cl, "batch-size", 50, 1);
    s.decodeThreads = intOpt(cl, "threads", 2, 1);
    s.skipBad = cl.hasOption("skip-bad");
    s.progress = !cl.hasOption("quiet");
    return s;
  }

  private static void noPositional(CommandLine cl) {
    if (!cl.getArgList().isEmpty()) {
      throw new UserError(EXIT_USAGE, "unexpected argument '" + cl.getArgList().get(0) + "' (see --help)");
    }
  }

  private static String required(CommandLine cl, String name) {
    String v = cl.getOptionValue(name);
    if (v == null) {
      throw new UserError(EXIT_USAGE, "--" + name + " is required (see --help)");
    }
    return v;
  }

  // ---------------------------------------------------------------- score

  private int score(String[] args) throws Exception {
    Options o = new Options();
    modelOptions(o, true, true);
    o.addOption(opt("images", "DIR", "folder of images to score (walked recursively, sorted)"));
    o.addOption(opt("generator", "DIR", "generator SavedModel to score instead of --images (serving_default: z -> samples in [-1,1]);"
        + " a base directory of numeric versions stands for its newest"));
    o.addOption(opt("num", "N", "images to draw from --generator (default 50000)"));
    o.addOption(opt("seed", "S", "seed of the generator's z and of KID's subsets (default 0)"));
    o.addOption(opt("ref", "DIR", "reference image folder (FID and KID)"));
    o.addOption(opt("ref-stats", "F.npz", "reference statistics (FID only)"));
    o.addOption(opt("ref-features", "F.npy", "reference features (FID and KID)"));
    o.addOption(opt("splits", "N", "IS splits (default 10)"));
    o.addOption(opt("kid-subsets", "N", "KID subsets (default 100)"));
    o.addOption(opt("kid-subset-size", "N", "KID subset size (default 1000)"));
    o.addOption(opt("save-stats", "F.npz", "also write the statistics of the scored images"));
    o.addOption(opt("save-features", "F.npy", "also write the features of the scored images"));
    o.addOption(opt("json", null, "print one JSON object instead of key: value lines"));
    withHelp(o);
    CommandLine cl = parse(o, args);
    if (help(cl, o, "score --model DIR (--images DIR | --generator DIR --num N) [--ref DIR | --ref-stats F.npz | --ref-features F.npy]",
        "Scores a folder of images (or a generator) with a feature-extractor SavedModel: the Inception Score "
            + "(mean +- std over --splits), and against a reference FID and KID (mean +- std over subsets).")) {
      return EXIT_OK;
    }
    noPositional(cl);
    Scorer.Settings s = settings(cl);
    if (s.model == null) {
      throw new UserError(EXIT_USAGE, "--model is required (see --help)");
    }
    boolean hasImages = cl.hasOption("images");
    boolean hasGen = cl.hasOption("generator");
    if (hasImages == hasGen) {
      throw new UserError(EXIT_USAGE, "give exactly one of --images DIR and --generator DIR");
    }
    int refs = (cl.hasOption("ref") ? 1 : 0) + (cl.hasOption("ref-stats") ? 1 : 0) + (cl.hasOption("ref-features") ? 1 : 0);
    if (refs > 1) {
      throw new UserError(EXIT_USAGE, "give at most one of --ref, --ref-stats and --ref-features");
    }
    int splits = intOpt(cl, "splits", InceptionScore.DEFAULT_SPLITS, 1);
    int subsets = intOpt(cl, "kid-subsets", Kid.DEFAULT_SUBSETS, 1);
    int subsetSize = intOpt(cl, "kid-subset-size", Kid.DEFAULT_SUBSET_SIZE, 2);
    int num = intOpt(cl, "num", 50000, 1);
    long seed = longOpt(cl, "seed", 0);
    Path saveFeatures = cl.hasOption("save-features") ? Path.of(cl.getOptionValue("save-features")) : null;
    Path saveStats = cl.hasOption("save-stats") ? Path.of(cl.getOptionValue("save-stats")) : null;
    checkNew(saveFeatures);
    checkNew(saveStats);
    checkDistinct(saveStats, "--save-stats", saveFeatures, "--save-features");
    boolean kidRef = cl.hasOption("ref") || cl.hasOption("ref-features");
    // options that this combination would not use are refused, not silently dropped
    if (cl.hasOption("num") && !hasGen) {
      throw new UserError(EXIT_USAGE, "--num is the number of images drawn from --generator; a folder's "
          + "images are all scored");
    }
    for (String k : new String[] {"kid-subsets", "kid-subset-size"}) {
      if (cl.hasOption(k) && !kidRef) {
        throw new UserError(EXIT_USAGE, "--" + k + " is for KID, which needs --ref DIR or --ref-features F.npy");
      }
    }
    if (cl.hasOption("seed") && !hasGen && !kidRef) {
      throw new UserError(EXIT_USAGE, "--seed seeds --generator's z and KID's subsets (--ref or --ref-features); "
          + "this command uses neither");
    }
    List<Path> imageFiles = null;
    if (hasImages) {
      // a folder, as documented: .npy features and .npz statistics go to the fid and kid commands
      Path images = Path.of(cl.getOptionValue("images"));
      if (java.nio.file.Files.exists(images) && !java.nio.file.Files.isDirectory(images)) {
        throw new UserError(EXIT_USAGE, "--images takes a folder of images; for .npy features or .npz "
            + "statistics use the fid and kid commands");
      }
      imageFiles = ImageFolder.list(images);
    }
    for (String k : new String[] {"ref-stats", "ref-features"}) {
      if (cl.hasOption(k) && java.nio.file.Files.isDirectory(Path.of(cl.getOptionValue(k)))) {
        throw new UserError(EXIT_USAGE, "--" + k + " takes a file; use --ref for a folder of images");
      }
    }
    if (cl.hasOption("ref")) {
      // before any images are run through the model: a reference that cannot be used fails at once
      Path ref = Path.of(cl.getOptionValue("ref"));
      if (java.nio.file.Files.exists(ref) && !java.nio.file.Files.isDirectory(ref)) {
        throw new UserError(EXIT_USAGE, "--ref takes a folder; use --ref-stats for .npz, --ref-features for .npy");
      }
      ImageFolder.list(ref);
    }
    Map<String, Object> res = new LinkedHashMap<>();
    try (Scorer scorer = new Scorer(s, err)) {
      // reference files are read and checked against the model before any image is run through it
      Scorer.ImageSet ref = null;
      if (cl.hasOption("ref-stats")) {
        ref = new Scorer.ImageSet(cl.getOptionValue("ref-stats"),
            ActivationStats.load(Path.of(cl.getOptionValue("ref-stats"))), null, null, false, 0);
      } else if (cl.hasOption("ref-features")) {
        ref = scorer.load(cl.getOptionValue("ref-features"), true, null);
      }
      org.bgan.metrics.FeatureExtractor fx = scorer.extractor();
      if (ref != null && ref.dim() != fx.featureDim()) {
        throw new UserError(EXIT_INPUT, ref.name() + ": " + ref.dim() + "-d features, but the model's feature "
            + "output has " + fx.featureDim() + " (was it computed with another model?)");
      }
      if (cl.hasOption("ref-stats")) {
        checkSameModel(Path.of(cl.getOptionValue("ref-stats")), fx.identity());
      }
      long most = hasGen ? num : imageFiles.size();
      if (fx.classCount() > 0 && most < splits) {
        throw new UserError(EXIT_INPUT, "--splits " + splits + ": the Inception Score needs at least one image "
            + "per split, and " + (hasGen ? "--num is " : cl.getOptionValue("images") + " has ") + most
            + (hasGen ? "" : " files"));
      }
      Scorer.ImageSet fake;
      if (hasGen) {
        // a model base directory in TF Serving's layout stands for its newest version, as in bgan's commands
        Path genDir = Path.of(cl.getOptionValue("generator"));
        genDir = org.bgan.util.SavedModelDirs.newestVersion(genDir).orElse(genDir);
        try (GeneratorSource gen = new GeneratorSource(genDir, num, seed, s.spec.tfThreads)) {
          scorer.extractor();
          fake = scorer.run(cl.getOptionValue("generator"), gen, saveFeatures);
        }
      } else {
        fake = scorer.folder(Path.of(cl.getOptionValue("images")), saveFeatures);
      }
      if (cl.hasOption("ref")) {
        ref = scorer.load(cl.getOptionValue("ref"), false, null);
      }
      res.put("images", fake.stats().count());
      res.put("skipped_files", fake.skipped());
      if (fake.classes() != null) {
        if (fake.stats().count() < splits) {
          throw new UserError(EXIT_INPUT, fake.name() + ": " + fake.stats().count() + " readable images for --splits "
              + splits + ": the Inception Score needs at least one image per split (lower --splits)");
        }
        InceptionScore.Result is;
        try {
          is = InceptionScore.compute(fake.classes(), fake.classesAreProbabilities(), splits);
        } catch (MetricInputException e) {
          throw new MetricInputException(fake.name() + ": the model's class output: " + e.getMessage()
              + (fake.classesAreProbabilities() ? " (taken as probabilities; if it holds logits, name it with "
              + "--logits-output instead of --probs-output)" : ""));
        }
        res.put("inception_score_mean", is.mean());
        res.put("inception_score_std", is.std());
        res.put("inception_score_splits", splits);
      }
      if (ref != null) {
        Fid.Result f = Fid.compute(fake.stats(), ref.stats());
        res.put("frechet_inception_distance", f.fid());
        if (ref.features() != null) {
          Kid.Result k = Kid.compute(fake.features(), ref.features(), subsets, subsetSize, seed);
          res.put("kernel_inception_distance_mean", k.mean());
          res.put("kernel_inception_distance_std", k.std());
          res.put("kid_subsets", subsets);
          res.put("kid_subset_size", k.subsetSize());
        }
        res.put("reference", ref.name());
      }
      if (saveStats != null) {
        fake.stats().save(saveStats, scorer.extractor().identity());
      }
    }
    print(res, cl.hasOption("json"));
    return EXIT_OK;
  }

  /**
   * An output file to create: it must not exist, and its directory must exist and take a new file,
   * checked before any image is read (not after an hour of feature extraction).
   */
  private static void checkNew(Path p) {
    if (p != null && java.nio.file.Files.exists(p)) {
      throw new UserError(EXIT_INPUT, p + ": already exists (refusing to overwrite)");
    }
    if (p != null) {
      Path dir = p.toAbsolutePath().getParent();
      if (!java.nio.file.Files.isDirectory(dir)) {
        throw new UserError(EXIT_INPUT, p + ": directory " + dir
            + (java.nio.file.Files.exists(dir) ? " is not a directory" : " does not exist"));
      }
      checkWritable(p, dir);
    }
  }

  /**
   * Statistics saved by this tool record the model and preprocessing that computed them: those of
   * another (a retrained classifier of the same feature size, another --resize) are refused, not
   * compared. A file written elsewhere records nothing: noted on stderr.
   */
  private void checkSameModel(Path npz, String ours) throws IOException {
    if (ours == null) {
      return;
    }
    String theirs = ActivationStats.savedModel(npz);
    if (theirs == null) {
      err.println("note: " + npz + " does not record the model that computed it; its FID is meaningful only if it "
          + "was " + ours);
    } else if (!theirs.equals(ours)) {
      throw new UserError(EXIT_INPUT, npz + ": statistics computed with another model or preprocessing ("
          + theirs + "); this run uses " + ours);
    }
  }

  /** Two output files of one command must differ: the second would fail after all the work, or clobber the first. */
  static void checkDistinct(Path a, String aFlag, Path b, String bFlag) {
    if (a != null && b != null && a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      throw new UserError(EXIT_USAGE, aFlag + " and " + bFlag + " name the same file " + a);
    }
  }

  /**
   * An output directory to create (with its missing parents): it must not exist, and its nearest
   * existing ancestor must be a directory that takes a new entry.
   */
  static void checkNewDir(Path p) {
    checkNewExisting(p);
    Path dir = p.toAbsolutePath().getParent();
    while (dir != null && !java.nio.file.Files.exists(dir)) {
      dir = dir.getParent();
    }
    if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
      throw new UserError(EXIT_INPUT, p + ": cannot be created, " + dir + " is not a directory");
    }
    checkWritable(p, dir);
  }

  private static void checkNewExisting(Path p) {
    if (java.nio.file.Files.exists(p)) {
      throw new UserError(EXIT_INPUT, p + ": already exists (refusing to overwrite)");
    }
  }

  private static void checkWritable(Path p, Path dir) {
    try {
      java.nio.file.Files.delete(java.nio.file.Files.createTempFile(dir, ".write-probe", ".tmp"));
    } catch (IOException | SecurityException e) {
      throw new UserError(EXIT_INPUT, p + ": cannot write in " + dir + " (" + e.getMessage() + ")");
    }
  }

  private void print(Map<String, Object> res, boolean json) {
    if (json) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (var e : res.entrySet()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        sb.append('"').append(e.getKey()).append("\": ");
        Object v = e.getValue();
        if (v instanceof String str) {
          sb.append('"').append(str.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        } else if (v instanceof Double d && !Double.isFinite(d)) {
          sb.append("null");
        } else {
          sb.append(v);
        }
      }
      out.println(sb.append("}"));
    } else {
      for (var e : res.entrySet()) {
        Object v = e.getValue();
        out.println(e.getKey() + ": " + (v instanceof Double d ? String.format(Locale.ROOT, "%.6f", d) : v));
      }
    }
  }

  // ---------------------------------------------------------------- stats

  private int stats(String[] args) throws Exception {
    Options o = new Options();
    modelOptions(o, false, true);
    o.addOption(opt("images", "DIR", "folder of images"));
    o.addOption(opt("out", "F.npz", "statistics file to write (mu, sigma in float64; never overwritten)"));
    o.addOption(opt("save-features", "F.npy", "also write the raw features (float32, N x d)"));
    withHelp(o);
    CommandLine cl = parse(o, args);
    if (help(cl, o, "stats --model DIR --images DIR --out F.npz [--save-features F.npy]",
        "Computes the mean and covariance of a folder's features, in float64, as an .npz with arrays 'mu' "
            + "and 'sigma' (the layout of the reference FID implementations: their statistics files load "
            + "here and ours load there), and 'scorer_model': the model (a hash of its files) and preprocessing, "
            + "checked when the file is used as a reference (statistics of another model are refused).")) {
      return EXIT_OK;
    }
    noPositional(cl);
    Scorer.Settings s = settings(cl);
    String images = required(cl, "images");
    Path outFile = Path.of(required(cl, "out"));
    required(cl, "model");
    checkNew(outFile);
    Path saveFeatures = cl.hasOption("save-features") ? Path.of(cl.getOptionValue("save-features")) : null;
    checkNew(saveFeatures);
    checkDistinct(outFile, "--out", saveFeatures, "--save-features");
    try (Scorer scorer = new Scorer(s, err)) {
      Scorer.ImageSet set = scorer.folder(Path.of(images), saveFeatures);
      set.stats().save(outFile, scorer.extractor().identity());
      out.println(outFile + ": mu (" + set.stats().dim() + "), sigma (" + set.stats().dim() + "x"
          + set.stats().dim() + ") from " + set.stats().count() + " images");
    }
    return EXIT_OK;
  }

  // ---------------------------------------------------------------- fid / kid

  private int pair(String[] args, boolean kid) throws Exception {
    Options o = new Options();
    modelOptions(o, false, true);
    if (kid) {
      o.addOption(opt("subsets", "N", "number of subsets (default 100)"));
      o.addOption(opt("subset-size", "N", "samples per subset (default 1000; capped at the smaller set)"));
      o.addOption(opt("seed", "S", "seed of the subset draws (default 0)"));
    }
    o.addOption(opt("json", null, "print JSON"));
    withHelp(o);
    CommandLine cl = parse(o, args);
    String name = kid ? "kid" : "fid";
    if (help(cl, o, name + " A B [--model DIR]", kid
        ? "Prints KID (unbiased MMD^2, kernel (x.y/d + 1)^3) as 'mean +- std' over random subsets. A and B are "
            + "image folders (need --model) or .npy feature files (N x d)."
        : "Prints the FID. A and B are image folders (need --model), .npz statistics files (arrays mu, sigma) "
            + "or .npy feature files (N x d).")) {
      return EXIT_OK;
    }
    List<String> pos = new ArrayList<>(cl.getArgList());
    if (pos.size() != 2) {
      throw new UserError(EXIT_USAGE, name + " takes exactly two inputs A B, got " + pos.size() + " (see --help)");
    }
    if (pos.stream().noneMatch(p -> java.nio.file.Files.isDirectory(Path.of(p)))) {
      // no image folder: the model options would be silently ignored
      for (String k : new String[] {"model", "signature", "input", "features-output", "input-range", "input-size",
          "resize", "batch-size", "threads", "tf-threads", "skip-bad"}) {
        if (cl.hasOption(k)) {
          throw new UserError(EXIT_USAGE, "--" + k + " is for image folders; " + pos.get(0) + " and " + pos.get(1)
              + " are " + (kid ? "feature files" : "statistics or feature files") + " (their features are already computed)");
        }
      }
    }
    Scorer.Settings s = settings(cl);
    Map<String, Object> res = new LinkedHashMap<>();
    try (Scorer scorer = new Scorer(s, err)) {
      if (kid) {
        scorer.withoutCovariance();  // KID uses the features only: no covariance, no warnings about it
      }
      Scorer.ImageSet a = scorer.load(pos.get(0), kid, null);
      Scorer.ImageSet b = scorer.load(pos.get(1), kid, null);
      if (a.dim() != b.dim()) {
        throw new UserError(EXIT_INPUT, "feature dimensions differ: " + pos.get(0) + " has "
            + a.dim() + ", " + pos.get(1) + " has " + b.dim());
      }
      if (!kid) {
        // .npz statistics against a folder's features, or against each other: the same model?
        List<Path> npz = pos.stream().filter(p -> p.toLowerCase(Locale.ROOT).endsWith(".npz")
            && !java.nio.file.Files.isDirectory(Path.of(p))).map(Path::of).toList();
        if (npz.size() < 2 && pos.stream().anyMatch(p -> java.nio.file.Files.isDirectory(Path.of(p)))) {
          for (Path p : npz) {
            checkSameModel(p, scorer.extractor().identity());
          }
        } else if (npz.size() == 2) {
          String ma = ActivationStats.savedModel(npz.get(0));
          String mb = ActivationStats.savedModel(npz.get(1));
          if (ma != null && mb != null && !ma.equals(mb)) {
            throw new UserError(EXIT_INPUT, pos.get(0) + " and " + pos.get(1) + " were computed with different "
                + "models or preprocessing (" + ma + "; " + mb + ")");
          }
        }
      }
      if (kid) {
        Kid.Result k = Kid.compute(a.features(), b.features(), intOpt(cl, "subsets", Kid.DEFAULT_SUBSETS, 1),
            intOpt(cl, "subset-size", Kid.DEFAULT_SUBSET_SIZE, 2), longOpt(cl, "seed", 0));
        if (cl.hasOption("json")) {
          res.put("kernel_inception_distance_mean", k.mean());
          res.put("kernel_inception_distance_std", k.std());
          res.put("kid_subset_size", k.subsetSize());
          print(res, true);
        } else {
          out.println(String.format(Locale.ROOT, "%.8g +- %.8g", k.mean(), k.std()));
        }
      } else {
        Fid.Result f = Fid.compute(a.stats(), b.stats());
        if (cl.hasOption("json")) {
          res.put("frechet_inception_distance", f.fid());
          print(res, true);
        } else {
          out.println(String.format(Locale.ROOT, "%.8g", f.fid()));
        }
      }
    }
    return EXIT_OK;
  }

  // ---------------------------------------------------------------- model tools

  private int inspect(String[] args) throws Exception {
    Options o = new Options();
    modelOptions(o, true, false);
    withHelp(o);
    CommandLine cl = parse(o, args);
    if (help(cl, o, "inspect --model DIR", "Lists the signatures of a SavedModel and what the scorer would use "
        + "(exit 0), or why it cannot use it as is (exit 4, or 2 when only --input-range is missing).")) {
      return EXIT_OK;
    }
    noPositional(cl);
    Path dir = Path.of(required(cl, "model"));
    Scorer.Settings s = settings(cl);
    Models.inspect(dir, s.spec, out);
    return EXIT_OK;
  }

  private int importGraphDef(String[] args) throws Exception {
    Options o = new Options();
    o.addOption(opt("out", "DIR", "SavedModel directory to create (must not exist)"));
    withHelp(o);
    CommandLine cl = parse(o, args);
    if (help(cl, o, "import-graphdef FILE.pb --out DIR",
        "Turns the classic frozen Inception graph of the original IS and FID code (classify_image_graph_def.pb: "
            + "input ExpandDims, pool_3 features, softmax/weights) into a SavedModel with signature serving_default: "
            + "input 'images' float32 [N, H, W, 3] in 0..255 (any size; the graph's own ResizeBilinear makes it "
            + "299x299), outputs 'features' [N, 2048] (pool_3) and 'logits' [N, 1008] = pool_3 . softmax/weights "
            + "(without the bias, as the reference IS code).")) {
      return EXIT_OK;
    }
    List<String> pos = cl.getArgList();
    if (pos.size() != 1) {
      throw new UserError(EXIT_USAGE, "import-graphdef takes one FILE.pb (see --help)");
    }
    Path outDir = Path.of(required(cl, "out"));
    checkNewDir(outDir);
    out.println(Models.importGraphDef(Path.of(pos.get(0)), outDir));
    return EXIT_OK;
  }

  private int trainFmnist(String[] args) throws Exception {
    Options o = new Options();
    o.addOption(opt("out", "DIR", "SavedModel directory to create, e.g. savedmodels/fmnist-classifier/1"));
    o.addOption(opt("data", "DIR", "folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)"));
    o.addOption(opt("epochs", "N", "training epochs (default 6)"));
    o.addOption(opt("train-limit", "N", "use only the first N training images (default all 60000)"));
    o.addOption(opt("seed", "S", "initialisation and shuffling seed (default 1)"));
    o.addOption(opt("min-accuracy", "A", "fail (exit 3, no model written) if the test accuracy is below A (default 0.91)"));
    withHelp(o);
    CommandLine cl = parse(o, args);
    if (help(cl, o, "train-fmnist --out DIR [--epochs N]",
        "Trains the project's Fashion-MNIST CNN classifier and exports it as a SavedModel with outputs "
            + "'features' (256-d penultimate layer) and 'logits' (10), input 'images' [N, 28, 28, 1] in 0..1. "
            + "Prints the accuracy on the 10000 test images.")) {
      return EXIT_OK;
    }
    noPositional(cl);
    Path outDir = Path.of(required(cl, "out"));
    Path data = Path.of(cl.getOptionValue("data", "/usr/share/datasets/fashion-mnist"));
    double minAcc;
    try {
      minAcc = Double.parseDouble(cl.getOptionValue("min-accuracy", "0.91"));
    } catch (NumberFormatException e) {
      throw new UserError(EXIT_USAGE, "--min-accuracy: expected a number");
    }
    if (!(minAcc >= 0 && minAcc <= 1)) {
      throw new UserError(EXIT_USAGE, "--min-accuracy: an accuracy is in [0, 1], got " + cl.getOptionValue("min-accuracy"));
    }
    checkNewDir(outDir);
    FmnistClassifier.Result r = FmnistClassifier.train(data, outDir, intOpt(cl, "epochs", 6, 1),
        intOpt(cl, "train-limit", 60000, 100), longOpt(cl, "seed", 1), minAcc, err);
    out.println(String.format(Locale.ROOT, "test accuracy %.4f (%d test images); SavedModel written to %s",
        r.testAccuracy(), r.testImages(), outDir));
    return EXIT_OK;
  }

  private int randomInception(String[] args) throws Exception {
    Options o = new Options();
    o.addOption(opt("out", "DIR", "SavedModel directory to create"));
    o.addOption(opt("seed", "S", "weight seed (default 0)"));
    withHelp(o);
    CommandLine cl = parse(o, args);
    if (help(cl, o, "random-inception --out DIR",
        "Builds an Inception-v3-architecture network (299x299x3 input, the layer shapes of Szegedy et al. 2016, "
            + "2048-d pool features, 1008 logits) with random weights, for tests and speed measurements: its "
            + "scores mean nothing.")) {
      return EXIT_OK;
    }
    noPositional(cl);
    Path outDir = Path.of(required(cl, "out"));
    checkNewDir(outDir);
    InceptionV3.export(outDir, longOpt(cl, "seed", 0));
    out.println("random-weight Inception v3 SavedModel written to " + outDir);
    return EXIT_OK;
  }

  private int bench(String[] args) throws Exception {
    Options o = new Options();
    o.addOption(opt("what", "LIST", "comma list of fid, images, gemm (the d×d×d float64 product behind FID "
        + "and its micro-kernel's GFLOPS on cached data; not in the default) (default fid,images)"));
    o.addOption(opt("model", "DIR", "model for images/s (default: build a random Inception v3 in a temp dir)"));
    o.addOption(opt("images", "N", "images to time (default 200)"));
    o.addOption(opt("batch-size", "N", "batch size (default 50)"));
    o.addOption(opt("repeats", "N", "FID (and gemm) repetitions, median reported (default 5)"));
    o.addOption(opt("dim", "D", "feature dimension for the FID timing, matrix size for gemm (default 2048)"));
    o.addOption(opt("torch", "on|off", "also run the PyTorch peer (tools/bench/torch_inception.py; default on)"));
    o.addOption(opt("threads", "LIST", "thread counts, e.g. 1,2: images/s is measured at each (TF intra-op and the "
        + "peer's torch/OpenBLAS pools), FID at the last (default: all cores)"));
    o.addOption(opt("rounds", "N", "images/s rounds, alternating this project and the PyTorch peer; medians "
        + "and their ratio are reported (default 1)"));
    withHelp(o);
    CommandLine cl = parse(o, args);
    if (help(cl, o, "bench [--what fid,images,gemm]",
        "Times FID from two d-dimensional statistics (median of --repeats, beside scipy.linalg.sqrtm when "
            + "/usr/bin/python3 has scipy) and images/s through an Inception-v3-size model beside torchvision's "
            + "Inception v3 on the same machine.")) {
      return EXIT_OK;
    }
    noPositional(cl);
    String tl = cl.getOptionValue("threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
    int[] threads;
    try {
      threads = java.util.Arrays.stream(tl.split(",")).mapToInt(t -> Integer.parseInt(t.trim())).toArray();
    } catch (NumberFormatException e) {
      throw new UserError(EXIT_USAGE, "--threads: expected a comma-separated list of positive integers, got '" + tl + "'");
    }
    if (threads.length == 0 || java.util.Arrays.stream(threads).anyMatch(t -> t < 1)) {
      throw new UserError(EXIT_USAGE, "--threads: expected a comma-separated list of positive integers, got '" + tl + "'");
    }
    String what = cl.getOptionValue("what", "fid,images");
    for (String w : what.split(",")) {
      if (!java.util.List.of("fid", "images", "gemm").contains(w.trim())) {
        throw new UserError(EXIT_USAGE, "--what: unknown benchmark '" + w.trim() + "' (expected a comma list of fid, "
            + "images, gemm)");
      }
    }
    String torch = cl.getOptionValue("torch", "on");
    if (!torch.equals("on") && !torch.equals("off")) {
      throw new UserError(EXIT_USAGE, "--torch: expected on or off, got '" + torch + "'");
    }
    Bench.run(out, err, what, cl.hasOption("model") ? Path.of(cl.getOptionValue("model")) : null,
        intOpt(cl, "images", 200, 1), intOpt(cl, "batch-size", 50, 1), intOpt(cl, "repeats", 5, 1),
        intOpt(cl, "dim", 2048, 2), torch.equals("on"), threads,
        intOpt(cl, "rounds", 1, 1));
    return EXIT_OK;
  }
}
