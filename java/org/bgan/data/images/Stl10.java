package org.bgan.data.images;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.util.UserException;

/**
 * STL-10, binary version: files of 27648-byte records, 3 planes (R, G, B) of 96x96 bytes each in
 * column-major order. Read one record at a time; only the resized bytes are kept (the 100,000
 * unlabeled images at 48x48 take 691 MB instead of the file's 2.7 GB).
 */
final class Stl10 {
  static final int SIDE = 96;
  static final int RECORD = 3 * SIDE * SIDE;
  static final String WHERE = "get the STL-10 binary version (stl10_binary.tar.gz) from"
      + " https://cs.stanford.edu/~acoates/stl10/ and unpack it (tar xzf) to get stl10_binary/unlabeled_X.bin";

  private Stl10() {}

  /** unlabeled_X.bin (else train_X.bin) of a directory or of its stl10_binary/, or the file itself. */
  static Path file(Path path) {
    if (Files.isRegularFile(path)) {
      return path;
    }
    if (!Files.isDirectory(path)) {
      throw new UserException("data.images.path: " + path + ": no such file or directory; " + WHERE);
    }
    for (Path dir : new Path[] {path, path.resolve("stl10_binary")}) {
      for (String name : new String[] {"unlabeled_X.bin", "train_X.bin"}) {
        Path f = dir.resolve(name);
        if (Files.isRegularFile(f)) {
          return f;
        }
      }
    }
    throw new UserException("data.images.path: " + path + ": no unlabeled_X.bin or train_X.bin in this directory; " + WHERE);
  }

  static ByteImages load(Path path, int size, int limit) {
    Path f = file(path);
    long records = ByteImages.wholeRecords(f, RECORD, "an STL-10 binary image file", "image", WHERE);
    int n = (int) Math.min(records, limit > 0 ? limit : Integer.MAX_VALUE);
    ByteImages out = new ByteImages(n, size, size, 3);
    byte[] rec = new byte[RECORD];
    byte[] hwc = new byte[RECORD];
    int plane = SIDE * SIDE;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
      for (int i = 0; i < n; i++) {
        if (in.readNBytes(rec, 0, RECORD) < RECORD) {
          throw new UserException(f + ": truncated at image " + i + " (file changed while reading?)");
        }
        for (int ch = 0; ch < 3; ch++) {
          int base = ch * plane;
          for (int col = 0; col < SIDE; col++) {
            for (int row = 0; row < SIDE; row++) {
              hwc[(row * SIDE + col) * 3 + ch] = rec[base + col * SIDE + row];
            }
          }
        }
        out.put(i, Resize.resize(hwc, SIDE, SIDE, 3, size, size), 0);
      }
    } catch (IOException e) {
      throw new UserException(f + ": cannot read: " + e, e);
    }
    return out.describedAs("STL10 " + f + ": " + n + " x " + size + "x" + size + "x3"
        + (size != SIDE ? " (area-resized from 96)" : ""));
  }
}
