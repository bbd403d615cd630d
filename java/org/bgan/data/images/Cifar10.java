package org.bgan.data.images;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgan.util.UserException;

/**
 * CIFAR-10, binary version: files of 3073-byte records (1 label byte, then 1024 R, 1024 G, 1024 B
 * bytes, each plane 32x32 row-major). Labels are ignored here.
 */
final class Cifar10 {
  static final int SIDE = 32;
  static final int RECORD = 1 + 3 * SIDE * SIDE;
  static final String WHERE = "get the \"CIFAR-10 binary version\" (cifar-10-binary.tar.gz) from"
      + " https://www.cs.toronto.edu/~kriz/cifar.html and unpack it (tar xzf) to get cifar-10-batches-bin/";

  private Cifar10() {}

  /** The files a path names: one .bin file, or data_batch_1..5.bin of a directory (or of its cifar-10-batches-bin/). */
  static List<Path> files(Path path) {
    if (Files.isRegularFile(path)) {
      return List.of(path);
    }
    if (!Files.isDirectory(path)) {
      throw new UserException("data.images.path: " + path + ": no such file or directory; " + WHERE);
    }
    Path dir = path;
    if (!Files.exists(dir.resolve("data_batch_1.bin")) && Files.isDirectory(dir.resolve("cifar-10-batches-bin"))) {
      dir = dir.resolve("cifar-10-batches-bin");
    }
    List<Path> out = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (int k = 1; k <= 5; k++) {
      Path f = dir.resolve("data_batch_" + k + ".bin");
      if (Files.isRegularFile(f)) {
        out.add(f);
      } else {
        missing.add(f.getFileName().toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new UserException("data.images.path: " + dir + ": missing " + String.join(", ", missing)
          + " (expected the cifar-10-batches-bin directory with data_batch_1.bin .. data_batch_5.bin); " + WHERE);
    }
    return out;
  }

  static ByteImages load(Path path, int size, int limit) {
    List<Path> files = files(path);
    long total = 0;
    for (Path f : files) {
      total += ByteImages.wholeRecords(f, RECORD, "a CIFAR-10 binary file", "record", WHERE);
    }
    int n = (int) Math.min(total, limit > 0 ? limit : Integer.MAX_VALUE);
    ByteImages out = new ByteImages(n, size, size, 3);
    byte[] rec = new byte[RECORD];
    byte[] hwc = new byte[SIDE * SIDE * 3];
    int i = 0;
    for (Path f : files) {
      if (i >= n) {
        break;
      }
      try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
        while (i < n) {
          int got = in.readNBytes(rec, 0, RECORD);
          if (got == 0) {
            break;
          }
          if (got < RECORD) {
            throw new UserException(f + ": truncated CIFAR-10 record " + i + " (file changed while reading?)");
          }
          int plane = SIDE * SIDE;
          for (int p = 0; p < plane; p++) {
            hwc[p * 3] = rec[1 + p];
            hwc[p * 3 + 1] = rec[1 + plane + p];
            hwc[p * 3 + 2] = rec[1 + 2 * plane + p];
          }
          out.put(i++, Resize.resize(hwc, SIDE, SIDE, 3, size, size), 0);
        }
      } catch (IOException e) {
        throw new UserException(f + ": cannot read: " + e, e);
      }
    }
    String src = files.size() == 1 ? files.get(0).toString() : files.get(0).getParent() + "/data_batch_{1..5}.bin";
    return out.describedAs("CIFAR10 " + src + ": " + n + " x " + size + "x" + size + "x3"
        + (size != SIDE ? " (resized from 32)" : ""));
  }
}
