package org.bgan.data.images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bgan.util.AtomicFiles;
import org.bgan.util.UserException;

/**
 * Writes float images in [-1, 1] (NHWC, 1 or 3 channels) as PNG: a grid with 1-pixel black
 * padding between and around the images, or one file per image. Values are clamped to [-1, 1]
 * (NaN as -1) and mapped to round((v + 1) * 127.5), the inverse of the datasets' byte / 127.5 - 1.
 * Files are written under a temporary name and renamed ({@link AtomicFiles}).
 */
public final class ImageGrid {
  static final int PAD = 1;

  private ImageGrid() {}

  static int toByte(float v) {
    if (!(v > -1f)) {
      return 0;
    }
    if (v >= 1f) {
      return 255;
    }
    return Math.round((v + 1f) * 127.5f);
  }

  private static void check(float[] nhwc, int n, int h, int w, int c) {
    if (n < 0 || h < 1 || w < 1 || (c != 1 && c != 3)) {
      throw new IllegalArgumentException("bad image shape: n=" + n + " h=" + h + " w=" + w + " c=" + c);
    }
    if ((long) n * h * w * c > nhwc.length) {
      throw new IllegalArgumentException("array of " + nhwc.length + " floats holds fewer than "
          + n + " x " + h + "x" + w + "x" + c);
    }
  }

  /**
   * The grid as an RGB image: cols images per row, ceil(n / cols) rows, of size
   * (cols * (w + 1) + 1) x (rows * (h + 1) + 1).
   */
  public static BufferedImage toImage(float[] nhwc, int n, int h, int w, int c, int cols) {
    check(nhwc, n, h, w, c);
    if (cols < 1) {
      throw new IllegalArgumentException("cols must be >= 1, got " + cols);
    }
    int rows = Math.max(1, (n + cols - 1) / cols);
    int gw = cols * (w + PAD) + PAD;
    int gh = rows * (h + PAD) + PAD;
    BufferedImage img = new BufferedImage(gw, gh, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[w];
    for (int i = 0; i < n; i++) {
      int x0 = PAD + (i % cols) * (w + PAD);
      int y0 = PAD + (i / cols) * (h + PAD);
      int base = i * h * w * c;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int o = base + (y * w + x) * c;
          int r = toByte(nhwc[o]);
          int g = c == 3 ? toByte(nhwc[o + 1]) : r;
          int b = c == 3 ? toByte(nhwc[o + 2]) : r;
          row[x] = (r << 16) | (g << 8) | b;
        }
        img.setRGB(x0, y0 + y, w, 1, row, 0, w);
      }
    }
    return img;
  }

  /** Writes the grid of {@link #toImage} to {@code png} atomically. */
  public static void write(Path png, float[] nhwc, int n, int h, int w, int c, int cols) throws IOException {
    writePng(png, toImage(nhwc, n, h, w, c, cols));
  }

  /**
   * Refuses a directory that already holds {@code <prefix>*.png} files: {@link #writeEach} into it
   * would leave an earlier, larger run's images beside the new ones, and anything that reads the
   * folder (the scorer) would see both. Checked before any work; {@code flag} names the option.
   */
  public static void requireNoEarlierImages(Path dir, String prefix, String flag) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.list(dir)) {
      var names = files.map(f -> f.getFileName().toString())
          .filter(n -> n.startsWith(prefix) && n.toLowerCase().endsWith(".png")).sorted().toList();
      if (!names.isEmpty()) {
        throw new UserException(flag + " " + dir + " already holds " + names.size() + " " + prefix + "*.png file"
            + (names.size() == 1 ? "" : "s") + " (" + names.get(0) + (names.size() > 1 ? " ... " + names.get(names.size() - 1) : "")
            + ") from an earlier run; new images would be mixed with them: remove them or give an empty directory");
      }
    } catch (IOException e) {
      throw new UserException(flag + " " + dir + ": cannot list the directory: " + e.getMessage());
    }
  }

  /**
   * Writes image i to {@code dir/<prefix><i>.png}, i zero-padded to 5 digits (more when n > 100000),
   * grey images as 8-bit grey PNGs, colour ones as RGB; each file atomically.
   */
  public static void writeEach(Path dir, String prefix, float[] nhwc, int n, int h, int w, int c) throws IOException {
    writeEach(dir, prefix, nhwc, n, h, w, c, 0, n);
  }

  /**
   * Part of a {@link #writeEach} of {@code total} images written in pieces: the {@code n} images of
   * {@code nhwc} are images {@code first .. first + n − 1} of the whole, named and numbered (digits from
   * {@code total}) exactly as one call with all of them would.
   */
  public static void writeEach(Path dir, String prefix, float[] nhwc, int n, int h, int w, int c, int first, int total)
      throws IOException {
    check(nhwc, n, h, w, c);
    if (first < 0 || (long) first + n > total) {
      throw new IllegalArgumentException("images " + first + " .. " + ((long) first + n) + " of " + total);
    }
    Files.createDirectories(dir);
    int digits = Math.max(5, Integer.toString(Math.max(0, total - 1)).length());
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
      var raster = img.getRaster();
      int base = i * h * w * c;  // n·h·w·c fits nhwc, an int-indexed array (checked)
      int[] px = new int[w * c];
      for (int y = 0; y < h; y++) {
        for (int k = 0; k < w * c; k++) {
          px[k] = toByte(nhwc[base + y * w * c + k]);
        }
        raster.setPixels(0, y, w, 1, px);
      }
      writePng(dir.resolve(prefix + String.format("%0" + digits + "d", first + i) + ".png"), img);
    }
  }

  private static void writePng(Path png, BufferedImage img) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(img, "png", bytes)) {
      throw new IOException("no PNG writer available");
    }
    AtomicFiles.writeBytes(png, bytes.toByteArray());
  }
}
