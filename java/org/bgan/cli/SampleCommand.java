package org.bgan.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
    return "--model savedmodels/<name>[/<version>] --num N [--seed S] [--out FILE.csv|FILE.npy]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Draw N samples from a generator SavedModel through its 'sample' signature (z ~ N(0, I) drawn in the",
        "graph from --seed, so the same seed gives the same samples). A base directory picks its newest",
        "numeric version. Writes CSV (one sample per line) or NPY (float32 [N, dim]) by the file's",
        "extension; without --out, CSV goes to stdout.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR").desc("SavedModel directory or base directory").build());
    o.addOption(Option.builder().longOpt("num").hasArg().argName("N").desc("number of samples (1..10,000,000)").build());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("random seed (default 0)").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE").desc(".csv or .npy output file").build());
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
    Path out = cl.hasOption("out") ? Path.of(cl.getOptionValue("out")) : null;
    String fmt = out == null ? "csv" : extension(out);
    if (!fmt.equals("csv") && !fmt.equals("npy")) {
      throw new UserException("--out " + out + ": unknown extension (use .csv or .npy)");
    }
    Path model = SavedModels.resolveVersion(Path.of(cl.getOptionValue("model")));
    if (out != null) {
      AtomicFiles.ensureWritableDir(out.toAbsolutePath().getParent(), "--out directory");
    }
    float[][] x = SavedModels.sample(model, (int) num, seed);
    byte[] bytes = fmt.equals("csv") ? csv(x) : npy(x);
    if (out == null) {
      System.out.write(bytes);
      System.out.flush();
    } else {
      AtomicFiles.writeBytes(out, bytes);
      System.err.println("wrote " + x.length + " samples to " + out);
    }
    return 0;
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
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + d + "), }";
    int unpadded = 10 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.write(header.length() & 0xff);
    out.write((header.length() >> 8) & 0xff);
    out.write(header.getBytes(StandardCharsets.US_ASCII));
    ByteBuffer b = ByteBuffer.allocate(4 * n * d).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : x) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    out.write(b.array());
    return out.toByteArray();
  }
}
