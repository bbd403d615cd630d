package org.bgan.data.images;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.bgan.scorer.DecodedImage;
import org.bgan.scorer.ImageDecoder;
import org.bgan.scorer.ImageFolder;
import org.bgan.scorer.UserError;
import org.bgan.util.UserException;

/**
 * A folder of images, walked recursively in the scorer's stable order ({@link ImageFolder}: sorted
 * relative paths, hidden files and directories skipped), decoded by {@link ImageDecoder} on
 * availableProcessors threads, centre-cropped to a square and area-averaged (or bilinearly enlarged)
 * to size x size RGB.
 */
final class FolderImages {
  static final String WHERE = "for CelebA, download img_align_celeba.zip (\"Align&Cropped Images\") from"
      + " https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html and unzip it; point data.images.path at img_align_celeba/";
  private static final int MAX_LISTED = 10;

  private FolderImages() {}

  static Set<String> extensions() {
    Set<String> s = new TreeSet<>();
    for (String e : ImageIO.getReaderFileSuffixes()) {
      s.add(e.toLowerCase(Locale.ROOT));
    }
    return s;
  }

  static ByteImages load(Path dir, int size, int limit) {
    if (!Files.exists(dir)) {
      throw new UserException("data.images.path: " + dir + ": no such folder; " + WHERE);
    }
    if (!Files.isDirectory(dir)) {
      throw new UserException("data.images.path: " + dir + ": not a folder (FOLDER reads a directory of images)");
    }
    List<Path> files;
    try {
      files = ImageFolder.list(dir);
    } catch (UserError e) {
      throw new UserException("data.images.path: " + e.getMessage() + "; " + WHERE);
    }
    Set<String> exts = extensions();
    List<String> bad = new ArrayList<>();
    for (Path f : files) {
      String name = f.getFileName().toString();
      int dot = name.lastIndexOf('.');
      String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
      if (!exts.contains(ext)) {
        bad.add(dir.relativize(f) + " (not an image extension)");
      }
    }
    if (!bad.isEmpty()) {
      throw badFiles(dir, bad, bad.size() == 1 ? "is not an image" : "are not images",
          " (extensions read: " + String.join(", ", exts) + ")");
    }
    int n = limit > 0 ? Math.min(limit, files.size()) : files.size();
    ByteImages out = new ByteImages(n, size, size, 3);
    String[] errors = new String[n];
    AtomicInteger next = new AtomicInteger();
    int threads = Math.max(1, Math.min(n, Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "bgan-folder-decode");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          for (int i; (i = next.getAndIncrement()) < n; ) {
            try {
              DecodedImage img = ImageDecoder.decode(files.get(i));
              byte[] sq = Resize.centreCrop(img.rgb(), img.height(), img.width(), 3);
              int side = Math.min(img.height(), img.width());
              out.put(i, Resize.resize(sq, side, side, 3, size, size), 0);
            } catch (ImageDecoder.BadImageException e) {
              errors[i] = dir.relativize(files.get(i)) + " (" + e.getMessage() + ")";
            }
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while decoding " + dir, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("decoding " + dir + " failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    for (String e : errors) {
      if (e != null) {
        bad.add(e);
      }
    }
    if (!bad.isEmpty()) {
      throw badFiles(dir, bad, "cannot be decoded", "");
    }
    return out.describedAs("FOLDER " + dir + ": " + n + " x " + size + "x" + size + "x3 (centre-cropped, resized)");
  }

  private static UserException badFiles(Path dir, List<String> bad, String what, String note) {
    StringBuilder sb = new StringBuilder("data.images.path: " + dir + ": " + bad.size()
        + (bad.size() == 1 ? " file " : " files ") + what + note + "; remove or move them: ");
    sb.append(String.join(", ", bad.subList(0, Math.min(MAX_LISTED, bad.size()))));
    if (bad.size() > MAX_LISTED) {
      sb.append(", ... and ").append(bad.size() - MAX_LISTED).append(" more");
    }
    return new UserException(sb.toString());
  }
}
