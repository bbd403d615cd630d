package org.bgan.data.images;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.bgan.config.proto.Images;

/** Writers for dataset files in their real formats, for the tests. */
final class Fixtures {
  private Fixtures() {}

  static byte[] idxBytes(int magic, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.writeInt(magic);
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(data);
    out.flush();
    return b.toByteArray();
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(b)) {
      gz.write(raw);
    }
    return b.toByteArray();
  }

  /** n images of rows x cols; pixel p of image i = (i * 31 + p * 7) mod 256. */
  static byte[] idxPixels(int n, int rows, int cols) {
    byte[] d = new byte[n * rows * cols];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < rows * cols; p++) {
        d[i * rows * cols + p] = (byte) ((i * 31 + p * 7) & 0xff);
      }
    }
    return d;
  }

  static Path writeIdxImages(Path file, int n, int rows, int cols, boolean gz) throws IOException {
    byte[] raw = idxBytes(Idx.IMAGES_MAGIC, new int[] {n, rows, cols}, idxPixels(n, rows, cols));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, gz ? gzip(raw) : raw);
    return file;
  }

  static Images.Builder cfg(Images.Format format, Path path) {
    Images.Builder b = Images.newBuilder().setFormat(format);
    if (path != null) {
      b.setPath(path.toString());
    }
    return b;
  }

  static float[] example(ImageDataset ds, int i) {
    float[] out = new float[ds.height() * ds.width() * ds.channels()];
    ds.copyTo(i, out, 0);
    return out;
  }

  /** The byte a [-1, 1] float came from (exact for values made by byte / 127.5f - 1f). */
  static int toByte(float v) {
    return Math.round((v + 1f) * 127.5f);
  }
}
