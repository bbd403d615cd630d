package org.bgan.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bgan.data.images.ImageGrid;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.export.SavedModels;
import org.bgan.util.AtomicFiles;
import org.bgan.util.UserException;

/** {@code bgan sample --model DIR --num N [--seed S] [--out FILE]}. */
final class SampleCommand extends Command {
  @Override
  String name() {
    return "sample";
  }

  @Override
  String synopsis() {
    return "--model savedmodels/<name>[/<version>] --num N [--seed S] [--out FILE.csv|FILE.npy|GRID.png|DIR/]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Draw N samples from a generator SavedModel through its 'sample' signature (z ~ N(0, I) drawn in the",
        "graph from --seed, so the same seed gives the same samples). A base directory picks its newest",
        "numeric version. 2-D generators: CSV (one sample per line) or NPY (float32 [N, dim]) by the file's",
        "extension; without --out, CSV goes to stdout. Image generators: a .png file gets one grid of all",
        "samples, a directory (existing, or a path ending in '/') one PNG per sample (sample-00000.png, ...),",
        "and .npy the float32 [N, H, W, C] array in [-1, 1]. A directory that already holds sample-*.png",
        "files is refused (old and new images would mix in whatever reads the folder).");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR").desc("SavedModel directory or base directory").build());
    o.addOption(Option.builder().longOpt("num").hasArg().argName("N").desc("number of samples (1..10,000,000)").build());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("random seed (default 0)").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE").desc(".csv or .npy file; for images also a .png grid or a directory").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    noPositional(cl);
    if (!cl.hasOption("model")) {
      throw new UserException("--model DIR is required");
    }
    if (!cl.hasOption("num")) {
      throw new UserException("--num N is required");
    }
    long num = longOpt(cl, "num", 0, 1);
    if (num > 10_000_000) {
      throw new UserException("--num must be at most 10,000,000, got " + num);
    }
    long seed = longOpt(cl, "seed", 0, Long.MIN_VALUE);
    String outArg = cl.hasOption("out") ? cl.getOptionValue("out") : null;
    Path out = outArg == null ? null : Path.of(outArg);
    boolean dirOut = out != null && (outArg.endsWith("/") || Files.isDirectory(out));
    String fmt = out == null ? "csv" : dirOut ? "dir" : extension(out);
    if (!List.of("csv", "npy", "png", "dir").contains(fmt)) {
      throw new UserException("--out " + out + ": unknown extension (use .csv or .npy; for image generators .png or a directory)");
    }
    Path model = SavedModels.resolveVersion(Path.of(cl.getOptionValue("model")));
    if (dirOut) {
      ImageGrid.requireNoEarlierImages(out, "sample-", "--out");
    }
    Path outDir = out == null ? null : dirOut ? out.toAbsolutePath() : out.toAbsolutePath().getParent();
    Path created = outDir == null ? null : AtomicFiles.ensureWritableDir(outDir, "--out directory");
    SavedModels.Samples x;
    boolean images;
    try {
      x = SavedModels.sampleArray(model, (int) num, seed);
      images = x.shape().length == 4;
      if (images && (fmt.equals("csv"))) {
        throw new UserException("--model " + model + " makes images: use --out GRID.png, --out DIR/ or --out FILE.npy");
      }
      if (!images && (fmt.equals("png") || fmt.equals("dir"))) {
        throw new UserException("--model " + model + " makes " + x.shape()[1] + "-D points, not images: use --out FILE.csv or FILE.npy");
      }
    } catch (UserException e) {
      AtomicFiles.removeCreated(created, outDir);  // a refused command leaves no empty --out directory
      throw e;
    }
    long[] sh = x.shape();
    if (out == null) {
      System.out.write(csv(x.rows()));  // a failed write is reported by Main (System.out.checkError)
      System.out.flush();
      return 0;
    }
    writing(out, () -> {
      switch (fmt) {
        case "png" -> ImageGrid.write(out, x.values(), x.count(), (int) sh[1], (int) sh[2], (int) sh[3],
            (int) Math.ceil(Math.sqrt(x.count())));
        case "dir" -> ImageGrid.writeEach(out, "sample-", x.values(), x.count(), (int) sh[1], (int) sh[2], (int) sh[3]);
        default -> AtomicFiles.writeBytes(out, fmt.equals("csv") ? csv(x.rows()) : npy(x.shape(), x.values()));
      }
    });
    System.err.println("wrote " + x.count() + (images ? " image" : " sample") + (x.count() == 1 ? "" : "s") + " to " + out);
    return 0;
  }

  /** A write to {@code --out}. */
  interface Write {
    void run() throws IOException;
  }

  /**
   * Runs {@code w}; an I/O error (a full disk, a quota, a file system gone read-only) is a one-line
   * {@link UserException} naming {@code --out}, not an internal error with a stack trace. The files are
   * written under temporary names and renamed (AtomicFiles), so nothing half-written is left.
   */
  static void writing(Path out, Write w) {
    try {
      w.run();
    } catch (IOException e) {
      // AtomicFiles names the file it could not write; --out names it already
      String why = e instanceof java.nio.file.FileSystemException f && f.getClass() == java.nio.file.FileSystemException.class
          && out.toString().equals(f.getFile()) && f.getReason() != null ? f.getReason() : ioMessage(e);
      throw new UserException("--out " + out + ": cannot write it: " + why);
    }
  }

  /** The JDK's IOException messages: "No space left on device", or just a path for some of its subclasses. */
  static String ioMessage(IOException e) {
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName().replaceAll("Exception$", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase();
    return m == null ? kind : e.getClass() == IOException.class || e.getClass() == java.nio.file.FileSystemException.class ? m : kind + ": " + m;
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString().toLowerCase();
    int i = n.lastIndexOf('.');
    return i < 0 ? "" : n.substring(i + 1);
  }

  static byte[] csv(float[][] x) {
    StringBuilder sb = new StringBuilder();
    for (float[] row : x) {
      for (int j = 0; j < row.length; j++) {
        if (j > 0) {
          sb.append(',');
        }
        sb.append(row[j]);
      }
      sb.append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** NPY version 1.0, little-endian float32, C order, header padded to a multiple of 64 bytes. */
  static byte[] npy(float[][] x) throws IOException {
    int n = x.length;
    int d = n == 0 ? 0 : x[0].length;
    float[] flat = new float[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x[i], 0, flat, i * d, d);
    }
    return npy(new long[] {n, d}, flat);
  }

  /** NPY of a float32 array of any shape. */
  static byte[] npy(long[] shape, float[] values) throws IOException {
    // numpy's own form: "(n, d)", and "(n,)" for one dimension.
    String dims = java.util.Arrays.stream(shape).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining(", "))
        + (shape.length == 1 ? "," : "");
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    int unpadded = 10 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.write(header.length() & 0xff);
    out.write((header.length() >> 8) & 0xff);
    out.write(header.getBytes(StandardCharsets.US_ASCII));
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    out.write(b.array());
    return out.toByteArray();
  }
}
