package org.bgan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.testing.StdCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The command line's exit codes and messages for bad input (no stack traces). */
class MainTest {
  @TempDir
  Path tmp;
  @RegisterExtension final StdCapture std = new StdCapture();
  private final ByteArrayOutputStream out = std.out;
  private final ByteArrayOutputStream err = std.err;

  private int run(String... args) {
    out.reset();
    err.reset();
    return Main.run(args);
  }

  @Test
  void helpEverywhereAndWithoutTensorFlow() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("train").contains("demo").contains("Exit codes");
    // each command's line is a whole sentence (its description's first source line broke off mid-phrase)
    assertThat(out.toString()).contains("  sample   Draw N samples from a generator SavedModel through its 'sample' signature.\n")
        .contains("  train    Train a GAN from an experiment config.\n").doesNotContain("drawn in the\n");
    assertThat(out.toString().lines().filter(l -> l.startsWith("  ") && l.length() > 100)).isEmpty();
    assertThat(Main.summary("Do a (with an aside (nested). e.g. this) thing.\nMore. Text.")).isEqualTo("Do a thing.");
    for (String c : new String[] {"train", "build", "export", "sample", "demo", "bench"}) {
      assertThat(run(c, "--help")).as(c).isZero();
      assertThat(out.toString()).as(c).contains("usage: bgan " + c).contains("Exit codes");
    }
    // Parsing and help never loaded TensorFlow's native library.
    assertThat(isLoaded("org.tensorflow.internal.c_api.global.tensorflow")).isFalse();
  }

  private static boolean isLoaded(String cls) {
    try {
      var m = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
      m.setAccessible(true);
      return m.invoke(MainTest.class.getClassLoader(), cls) != null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Module encapsulation may forbid the probe; fall back to the weaker check below.
      return false;
    }
  }

  @Test
  void userErrorsExitTwoWithAMessageAndNoStackTrace() throws Exception {
    assertThat(run()).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown command 'frobnicate'");
    assertThat(run("train", "graphs/no_such_preset.pbtxt")).isEqualTo(2);
    assertThat(err.toString()).contains("config file not found: graphs/no_such_preset.pbtxt").doesNotContain("\tat ");
    assertThat(run("train")).isEqualTo(2);
    assertThat(err.toString()).contains("missing config file");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "train.batch_size=0")).isEqualTo(2);
    assertThat(err.toString()).contains("train.batch_size must be positive");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "train.batch_size=-3")).isEqualTo(2);
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "mixing.gamma=0.9")).isEqualTo(2);
    assertThat(err.toString()).contains("mixing.gamma must be in [0, 0.5]");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--bogus")).isEqualTo(2);
    assertThat(err.toString()).contains("Unrecognized option: --bogus");
    Path bad = Files.writeString(tmp.resolve("x.pbtxt"), "name: \"x\"\nlos: BGAN\n");
    assertThat(run("train", bad.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(bad + ":2:").contains("los");
    assertThat(run("sample", "--model", tmp.resolve("none").toString(), "--num", "3")).isEqualTo(2);
    assertThat(err.toString()).contains("no such directory");
    assertThat(run("sample", "--model", tmp.toString(), "--num", "-3")).isEqualTo(2);
    assertThat(err.toString()).contains("--num must be at least 1");
    assertThat(run("export", "--run", tmp.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("no config.pbtxt");
    assertThat(run("bench", "--disc", "wgan")).isEqualTo(2);
    assertThat(err.toString()).doesNotContain("\tat ");
  }

  @Test
  void aTildeTheShellDidNotExpandIsRefusedNotMadeADirectoryNamedTilde() throws Exception {
    // --out=~/x reaches the program as is (the shell expands '~' only at the start of a word)
    assertThat(run("sample", "--model", tmp.toString(), "--num", "3", "--out=~/x.csv")).isEqualTo(2);
    assertThat(err.toString()).contains("--out '~/x.csv': '~' is not expanded").contains(System.getProperty("user.home") + "/x.csv");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "train.output_dir=~/runs/x")).isEqualTo(2);
    assertThat(err.toString()).contains("train.output_dir '~/runs/x' starts with '~'");
    assertThat(Path.of("~")).doesNotExist();
  }

  @Test
  void benchRefusesASetOfAFieldItsFlagsOwnAndNamesTheFlag() {
    // --set is applied after the flags: loss=BGAN with --disc gan trained BGAN reported as disc=gan
    assertThat(run("bench", "--disc", "gan", "--threads", "1", "--set", "loss=BGAN")).isEqualTo(2);
    assertThat(err.toString()).contains("--set 'loss=BGAN'").contains("use --disc instead");
    assertThat(run("bench", "--set", "mixing.gamma=0.1", "--gamma", "0.2")).isEqualTo(2);
    assertThat(err.toString()).contains("use --gamma instead");
    assertThat(run("bench", "--set", " train.intra_op_threads =4")).isEqualTo(2);
    assertThat(err.toString()).contains("use --threads instead");
    assertThat(run("bench", "--set", "discriminator.equivariant=false")).isEqualTo(2);
    assertThat(err.toString()).contains("-noeq");
    assertThat(run("bench", "--gamma", "0.9")).isEqualTo(2);
    assertThat(err.toString()).contains("--gamma must be in [0, 0.5], got 0.9");
    assertThat(run("bench", "--gamma", "half")).isEqualTo(2);
    assertThat(err.toString()).contains("--gamma expects a number").doesNotContain("\tat ");
    // a thread count or a kind listed twice would be measured twice under one label
    assertThat(run("bench", "--threads", "1,1")).isEqualTo(2);
    assertThat(err.toString()).contains("--threads: 1 is listed twice");
    assertThat(run("bench", "--disc", "gan,bgan,gan")).isEqualTo(2);
    assertThat(err.toString()).contains("--disc: gan is listed twice");
    // --trace traces --iters steps of each kind once: a --rounds beside it was silently unused
    assertThat(run("bench", "--trace", "--rounds", "5")).isEqualTo(2);
    assertThat(err.toString()).contains("--rounds is for timing");
  }

  @Test
  void demoCanResumeTheRunItsMessageOffers() throws Exception {
    Path run = tmp.resolve("demo");
    String[] common = {"--out", run.toString(), "--quiet", "--set", "train.export=false", "--set", "train.intra_op_threads=1",
        "--set", "train.inter_op_threads=1", "--set", "eval.num_samples=100"};
    assertThat(run(concat(new String[] {"demo", "--set", "train.steps=2"}, common))).isZero();
    // the message for a second run in the same directory offers --resume: demo takes it
    assertThat(run(concat(new String[] {"demo", "--set", "train.steps=2"}, common))).isEqualTo(2);
    assertThat(err.toString()).contains("already holds a run").contains("--resume");
    assertThat(run(concat(new String[] {"demo", "--set", "train.steps=3", "--resume"}, common))).isZero();
    assertThat(Files.readString(run.resolve("metrics.json"))).contains("\"step\": 3,");
    assertThat(run("demo", "--resume")).isEqualTo(2);
    assertThat(err.toString()).contains("--resume needs --out");
    // --out is train.output_dir: both at once are refused (train kept --out, demo the --set), nothing written
    Path other = tmp.resolve("other");
    assertThat(run("demo", "--out", run.resolve("x").toString(), "--set", "train.output_dir=" + other)).isEqualTo(2);
    assertThat(err.toString()).contains("--out and --set train.output_dir both give the run directory");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--out", run.resolve("x").toString(), "--set",
        " train.output_dir =" + other)).isEqualTo(2);
    assertThat(err.toString()).contains("give one of them");
    assertThat(other).doesNotExist();
    assertThat(run.resolve("x")).doesNotExist();
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void resumeWithoutCheckpointAndUnwritableOutput() throws Exception {
    Path run = tmp.resolve("run");
    assertThat(run("train", "graphs/grid2d_mlp_gan.pbtxt", "--out", run.toString(), "--resume")).isEqualTo(2);
    assertThat(err.toString()).contains("--resume: no checkpoint in");
    Path file = Files.writeString(tmp.resolve("f"), "");
    assertThat(run("train", "graphs/grid2d_mlp_gan.pbtxt", "--out", file.resolve("x").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("not writable");
  }

  @Test
  void aFileTheRunCannotWriteIsOneLineNamingItNotAnInternalError() throws Exception {
    // A run's files that cannot be written mid-run (a full disk, a directory removed or blocked)
    // were "internal error: java.nio.file.FileAlreadyExistsException: ..." with a stack trace, exit 1.
    Path run = Files.createDirectories(tmp.resolve("blocked"));
    Files.writeString(run.resolve("checkpoints"), "");  // where the run's checkpoints/ directory goes
    assertThat(run("demo", "--out", run.toString(), "--quiet", "--set", "train.export=false", "--set", "train.steps=2",
        "--set", "train.checkpoint_every=1", "--set", "train.intra_op_threads=1", "--set", "train.inter_op_threads=1",
        "--set", "eval.num_samples=100")).isEqualTo(2);
    assertThat(err.toString()).contains("bgan demo: error: " + run.resolve("checkpoints") + ": already exists\n")
        .doesNotContain("internal error").doesNotContain("\tat ");
  }

  @Test
  void tensorFlowsFailedWritesAreFileErrorsItsOtherErrorsNot() {
    // TensorBoard's event file on a full disk (TF's summary writer op) was an internal error, exit 1
    assertThat(Main.fileError(new org.tensorflow.exceptions.TFResourceExhaustedException(
        "run/tb/events.out.tfevents.1.vm.2.0.bgan; No space left on device\n\t [[{{node CreateSummaryFileWriter}}]]")))
        .isEqualTo("run/tb/events.out.tfevents.1.vm.2.0.bgan; No space left on device");
    assertThat(Main.fileError(new org.tensorflow.exceptions.TFPermissionDeniedException("run/tb/x; Permission denied")))
        .isEqualTo("run/tb/x; Permission denied");
    // running out of memory is not a file's problem
    assertThat(Main.fileError(new org.tensorflow.exceptions.TFResourceExhaustedException("OOM when allocating tensor"))).isNull();
    assertThat(Main.fileError(new java.io.UncheckedIOException(new java.io.IOException("No space left on device")))).isNull();
  }

  @Test
  void buildWritesTheGraphWithNamedBlocks() throws Exception {
    Path pb = tmp.resolve("g.pbtxt");
    assertThat(run("build", "graphs/grid2d_mlp_bgan.pbtxt", "--out", pb.toString(), "--text")).isZero();
    String text = Files.readString(pb);
    for (String block : new String[] {"d_step/discriminator/layer_0/BatchRho/", "d_step/MixingRatio/", "d_step/MixingMask/", "d_step/MixBatch/", "d_step/MixBatchComplement/", "d_optimizer/",
        "g_optimizer/", "discriminator/layer_0/gamma"}) {
      assertThat(text).as(block).contains(block);
    }
    assertThat(out.toString()).contains("ops;");
    // a .pbtxt name without --text is text too (it was binary bytes under a text name); .pb stays binary
    Path named = tmp.resolve("named.pbtxt");
    assertThat(run("build", "graphs/grid2d_mlp_bgan.pbtxt", "--out", named.toString())).isZero();
    assertThat(Files.readString(named)).startsWith("node {").contains("d_step/MixBatch/");
    Path bin = tmp.resolve("g.pb");
    assertThat(run("build", "graphs/grid2d_mlp_bgan.pbtxt", "--out", bin.toString())).isZero();
    assertThat(org.tensorflow.proto.GraphDef.parseFrom(Files.readAllBytes(bin)).getNodeCount()).isPositive();
  }

  @Test
  void helpParagraphsAreJoinedBeforeWrapping() {
    // a list item starts a new line and its continuation lines join it; a line ending in ':' keeps its break
    assertThat(Command.reflow("one\ntwo\n\nthree\n  indented\n- item\nwrapped\n- second:\nnext"))
        .isEqualTo("one two\n\nthree\n  indented\n- item wrapped\n- second:\nnext");
    // the description is wrapped once, at the formatter's width: every line but its last is long (wrapping
    // the 100-column source lines again at 100 left lines of one or two words)
    assertThat(run("study", "--help")).isZero();
    String help = out.toString();
    String[] lines = help.substring(help.indexOf("\n\n") + 2, help.indexOf("\n\nOptions:")).split("\n");
    assertThat(lines.length).isGreaterThan(5);
    for (int i = 0; i + 1 < lines.length; i++) {
      assertThat(lines[i].length()).as("line %d: %s", i, lines[i]).isGreaterThan(80);
    }
  }

  @Test
  void emptyValuesAreErrorsNotTheCurrentDirectory() throws Exception {
    // an empty path (e.g. an unset shell variable) used to mean "here": the run, the SavedModel or the images
    // were written into the current directory
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--out", "")).isEqualTo(2);
    assertThat(err.toString()).contains("--out needs a value, got an empty string").doesNotContain("\tat ");
    assertThat(run("export", "--run", tmp.toString(), "--out", " ")).isEqualTo(2);
    assertThat(err.toString()).contains("--out needs a value");
    assertThat(run("sample", "--model", "", "--num", "3")).isEqualTo(2);
    assertThat(err.toString()).contains("--model needs a value");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "train.output_dir=")).isEqualTo(2);
    assertThat(err.toString()).contains("train.output_dir must not be empty");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "train.export_dir=")).isEqualTo(2);
    assertThat(err.toString()).contains("train.export_dir must not be empty");
    Path pb = Files.writeString(tmp.resolve("e.pbtxt"), "name: \"e\" data { synthetic2d { kind: GRID } } train { output_dir: \"\" }");
    assertThat(run("build", pb.toString(), "--out", tmp.resolve("g.pb").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("train.output_dir must not be empty");
    // a --set with nothing after '=' says so (it was "Couldn't parse integer: For input string: \"}\"")
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "train.steps=")).isEqualTo(2);
    assertThat(err.toString()).contains("--set 'train.steps=': no value after '='").doesNotContain("\"}\"");
    assertThat(run("train", "graphs/grid2d_mlp_bgan.pbtxt", "--set", "loss=")).isEqualTo(2);
    assertThat(err.toString()).contains("no value after '='");
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("e.pbtxt");
    }
  }

  @Test
  void wholeNumbersBeyondIntAreErrorsNotWrapped() throws Exception {
    // 4294967297 was cast to the int 1 (one image written, exit 0); 2147483648 to a negative count (exit 1)
    Path png = tmp.resolve("d.png");
    assertThat(run("data", "graphs/fmnist_dcgan_gan.pbtxt", "--num", "4294967297", "--out", png.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--num must be at most 2147483647, got 4294967297");
    assertThat(run("data", "graphs/fmnist_dcgan_gan.pbtxt", "--num", "2147483648", "--out", png.toString())).isEqualTo(2);
    assertThat(err.toString()).doesNotContain("internal error").doesNotContain("\tat ");
    assertThat(png).doesNotExist();
    assertThat(run("bench", "--iters", "4294967296")).isEqualTo(2);
    assertThat(err.toString()).contains("--iters must be at most 2147483647");
    assertThat(run("modes", "--generator", "g", "--classifier", "c", "--threads", "4294967297")).isEqualTo(2);
    assertThat(err.toString()).contains("--threads must be at most");
    assertThat(run("birthday", "--generator", "g", "--classifier", "c", "--threshold", "1", "--trials", "4294967296"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--trials must be at most");
  }

  @Test
  void studySeedsAndArmsThatSelectNothingOrOverflow() throws Exception {
    Path study = Files.writeString(tmp.resolve("s.pbtxt"), "name: \"s\" output_dir: \"" + tmp.resolve("out")
        + "\" seeds: [0, 1]\narm { name: \"bgan\" preset: \"" + Path.of("graphs/grid2d_mlp_bgan.pbtxt").toAbsolutePath()
        + "\" }\n");
    assertThat(run("study", study.toString(), "--seeds", "99999999999999999999")).isEqualTo(2);
    assertThat(err.toString()).contains("--seeds: seed out of range in '99999999999999999999'").doesNotContain("\tat ");
    assertThat(run("study", study.toString(), "--seeds", "0-99999999999999999999")).isEqualTo(2);
    assertThat(err.toString()).contains("--seeds: seed out of range");
    // "--arms ," selected no arm: the study trained nothing and exited 0
    assertThat(run("study", study.toString(), "--arms", ",")).isEqualTo(2);
    assertThat(err.toString()).contains("--arms: no arm names in ','").contains("bgan");
    assertThat(run("study", study.toString(), "--seeds", "5-2")).isEqualTo(2);
    assertThat(err.toString()).contains("--seeds: bad range '5-2'");
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void commaListsWithNothingInThemAreErrors() throws Exception {
    // "--threads ," was an index error (exit 1); "--disc ," printed the header, measured nothing, exit 0
    assertThat(run("bench", "--threads", ",")).isEqualTo(2);
    assertThat(err.toString()).contains("--threads: no thread counts in ','").doesNotContain("internal error");
    assertThat(run("bench", "--disc", ",", "--threads", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("--disc: no kinds in ','");
    assertThat(out.toString()).doesNotContain("# bgan bench");
    // "--batch-sizes ," loaded and sampled both models, then failed with an index error (exit 1)
    assertThat(run("birthday", "--generator", "g", "--classifier", "c", "--threshold", "1", "--batch-sizes", ","))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--batch-sizes: no sizes in ','").doesNotContain("internal error");
  }

  @Test
  void birthdayNamesTheRealFolderWithTooFewImagesBeforeLoadingModels() throws Exception {
    Path real = Files.createDirectories(tmp.resolve("real"));
    javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_RGB), "png",
        real.resolve("a.png").toFile());
    // the generator and classifier do not exist: the folder is checked first
    assertThat(run("birthday", "--generator", tmp.resolve("g").toString(), "--classifier", tmp.resolve("c").toString(),
        "--real", real.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--real " + real + ": the threshold needs at least 2 real images, the folder has 1");
  }

  @Test
  void threadCountsPastTheLimitAreErrorsNotANativeAbort() throws Exception {
    // train.intra_op_threads=99999 aborted the JVM (exit 134) when TensorFlow could not start its pool
    Path g = tmp.resolve("g.pb");
    assertThat(run("build", "graphs/grid2d_mlp_gan.pbtxt", "--set", "train.intra_op_threads=99999", "--out", g.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("config: train.intra_op_threads must be at most 1024").contains("got 99999");
    assertThat(run("build", "graphs/grid2d_mlp_gan.pbtxt", "--set", "train.inter_op_threads=1025", "--out", g.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("config: train.inter_op_threads must be at most 1024");
    assertThat(g).doesNotExist();
    assertThat(run("modes", "--generator", "g", "--classifier", "c", "--threads", "99999")).isEqualTo(2);
    assertThat(err.toString()).contains("--threads must be at most 1024");
    assertThat(run("birthday", "--generator", "g", "--classifier", "c", "--threshold", "1", "--threads", "5000"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--threads must be at most 1024");
    assertThat(run("bench", "--threads", "1,5000")).isEqualTo(2);
    assertThat(err.toString()).contains("--threads must be at most 1024").contains("got 5000");
    assertThat(out.toString()).doesNotContain("# bgan bench");
  }

  @Test
  void aRunNamedOnlyDotsIsRefusedNamingTheField() throws Exception {
    // name ".." made runs/.. the run directory: "output directory 'runs/..' is not writable: runs/../.write-probe..."
    Path g = tmp.resolve("g.pb");
    assertThat(run("build", "graphs/grid2d_mlp_gan.pbtxt", "--set", "name=..", "--out", g.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("config: name '..' must be non-empty").contains("not be only dots")
        .doesNotContain("write-probe");
    assertThat(g).doesNotExist();
  }

  @Test
  void anEmptyHiddenListIsAnErrorNotTheDefaultNetwork() throws Exception {
    // "discriminator.hidden=" cleared the list, which means the default 512,512,512: a 527,361-parameter D, exit 0
    Path g = tmp.resolve("g.pb");
    for (String set : new String[] {"discriminator.hidden=", "generator.hidden=,"}) {
      assertThat(run("build", "graphs/grid2d_mlp_gan.pbtxt", "--set", set, "--out", g.toString())).as(set).isEqualTo(2);
      assertThat(err.toString()).contains("--set '" + set + "': no widths").contains("not a network without hidden layers");
    }
    assertThat(g).doesNotExist();
    // train.plot_at= stays allowed: no plots
    assertThat(run("build", "graphs/grid2d_mlp_gan.pbtxt", "--set", "train.plot_at=", "--set", "generator.hidden=8",
        "--out", g.toString())).as(err.toString()).isZero();
    assertThat(g).isRegularFile();
  }
}
