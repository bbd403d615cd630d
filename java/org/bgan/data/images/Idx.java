package org.bgan.data.images;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.bgan.util.UserException;

/**
 * IDX files (MNIST, Fashion-MNIST): a big-endian int32 magic number (0x00000803 for images of
 * unsigned bytes with dimensions N, rows, cols; 0x00000801 for labels with dimension N), the
 * dimensions as big-endian int32, then the data. Gzipped files are recognised by their first two
 * bytes (1f 8b), whatever their name. The data length must match the header exactly.
 */
public final class Idx {
  public static final int IMAGES_MAGIC = 0x00000803;
  public static final int LABELS_MAGIC = 0x00000801;

  /** Where to get IDX data, for error messages. */
  public static final String WHERE =
      "Fashion-MNIST: 'apt-get install dataset-fashion-mnist' (Debian; installs /usr/share/datasets/fashion-mnist)"
          + " or train-images-idx3-ubyte.gz from https://github.com/zalandoresearch/fashion-mnist;"
          + " MNIST: https://yann.lecun.com/exdb/mnist/";

  private Idx() {}

  /** The images of an IDX file: n examples of rows x cols unsigned bytes, row-major. */
  public record Images(int n, int rows, int cols, byte[] data) {}

  /** Reads an image file (magic 0x00000803), gzipped or plain. */
  public static Images readImages(Path file) {
    try (DataInputStream in = open(file)) {
      int magic = readHeaderInt(in, file, 16);
      if (magic != IMAGES_MAGIC) {
        throw new UserException(file + ": not an IDX image file: magic number " + hex(magic)
            + ", expected " + hex(IMAGES_MAGIC) + (magic == LABELS_MAGIC ? " (this is a labels file)" : ""));
      }
      int n = readHeaderInt(in, file, 16);
      int rows = readHeaderInt(in, file, 16);
      int cols = readHeaderInt(in, file, 16);
      if (n < 0 || rows < 1 || cols < 1) {
        throw new UserException(file + ": bad IDX header: " + n + " images of " + rows + "x" + cols);
      }
      long bytes = (long) n * rows * cols;
      if (bytes > Integer.MAX_VALUE - 16) {
        throw new UserException(file + ": IDX header announces " + bytes + " bytes of images, more than this reader holds (2 GB)");
      }
      byte[] data = readBody(in, file, (int) bytes, 16);
      return new Images(n, rows, cols, data);
    } catch (IOException e) {
      throw ioError(file, e);
    }
  }

  /** Reads a labels file (magic 0x00000801), gzipped or plain: one unsigned label per example. */
  public static int[] readLabels(Path file) {
    try (DataInputStream in = open(file)) {
      int magic = readHeaderInt(in, file, 8);
      if (magic != LABELS_MAGIC) {
        throw new UserException(file + ": not an IDX labels file: magic number " + hex(magic)
            + ", expected " + hex(LABELS_MAGIC) + (magic == IMAGES_MAGIC ? " (this is an image file)" : ""));
      }
      int n = readHeaderInt(in, file, 8);
      if (n < 0) {
        throw new UserException(file + ": bad IDX header: " + n + " labels");
      }
      byte[] data = readBody(in, file, n, 8);
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = data[i] & 0xff;
      }
      return labels;
    } catch (IOException e) {
      throw ioError(file, e);
    }
  }

  /**
   * The image file a path names: the file itself, or in a directory train-images-idx3-ubyte.gz,
   * train-images-idx3-ubyte or train-images.idx3-ubyte (the first present).
   */
  public static Path imagesFile(Path path) {
    return find(path, "train-images-idx3-ubyte", "train-images.idx3-ubyte");
  }

  /** The labels file beside an image file (train-images... -> train-labels..., t10k likewise), or null. */
  public static Path labelsFileFor(Path imagesFile) {
    String name = imagesFile.getFileName().toString();
    String other = name.replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1");
    if (other.equals(name)) {
      return null;
    }
    Path p = imagesFile.resolveSibling(other);
    return Files.isRegularFile(p) ? p : null;
  }

  private static Path find(Path path, String... names) {
    if (Files.isRegularFile(path)) {
      return path;
    }
    if (!Files.isDirectory(path)) {
      throw new UserException("data.images.path: " + path + ": no such file or directory. Get the data: " + WHERE);
    }
    for (String n : names) {
      for (String cand : new String[] {n + ".gz", n}) {
        Path p = path.resolve(cand);
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
    }
    throw new UserException("data.images.path: " + path + ": no " + names[0] + ".gz or " + names[0]
        + " in this directory. Get the data: " + WHERE);
  }

  private static byte[] readBody(DataInputStream in, Path file, int bytes, int headerBytes) throws IOException {
    byte[] data = new byte[bytes];
    int got = 0;
    String gzipNote = "";
    try {
      while (got < bytes) {
        int r = in.read(data, got, bytes - got);
        if (r < 0) {
          break;
        }
        got += r;
      }
    } catch (EOFException e) {
      gzipNote = " (the gzip stream ends early)";
    }
    if (got < bytes) {
      throw new UserException(file + ": truncated IDX file" + gzipNote + ": the header announces "
          + (headerBytes + (long) bytes) + " bytes, the file holds " + (headerBytes + (long) got));
    }
    long extra = 0;
    byte[] buf = new byte[8192];
    for (int r; (r = in.read(buf)) > 0; ) {
      extra += r;
    }
    if (extra > 0) {
      throw new UserException(file + ": IDX file longer than its header says: expected " + (headerBytes + (long) bytes)
          + " bytes, the file holds " + (headerBytes + bytes + extra));
    }
    return data;
  }

  private static int readHeaderInt(DataInputStream in, Path file, int headerBytes) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new UserException(file + ": truncated IDX file: shorter than its " + headerBytes + "-byte header");
    }
  }

  /** A stream over the file's IDX bytes, gunzipped when it starts with 1f 8b. */
  static DataInputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      // Not wrapped in a BufferedInputStream: its bulk read loops over the gzip stream and, when the
      // stream ends early, throws away the count of the bytes it had already delivered, so a truncated
      // file was reported as holding only its header. readBody reads in bulk, so no buffer is needed.
      raw = new GZIPInputStream(raw, 1 << 16);
    }
    return new DataInputStream(raw);
  }

  static UserException ioError(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new UserException(file + ": no such file. Get the data: " + WHERE);
    }
    if (e instanceof java.util.zip.ZipException || (e instanceof EOFException)) {
      return new UserException(file + ": corrupt or truncated gzip data: " + e.getMessage());
    }
    return new UserException(file + ": cannot read: " + e, e);
  }

  private static String hex(int v) {
    return String.format("0x%08x", v);
  }
}
