package org.bgan.data.images;

/** TEMPORARY stand-in until the dataset branch merges (same API). */
public final class ImageGrid {
  private ImageGrid() {}

  public static void write(java.nio.file.Path png, float[] nhwc, int n, int h, int w, int c, int cols) throws java.io.IOException {
    java.nio.file.Files.createDirectories(png.toAbsolutePath().getParent());
    javax.imageio.ImageIO.write(toImage(nhwc, n, h, w, c, cols), "png", png.toFile());
  }

  public static void writeEach(java.nio.file.Path dir, String prefix, float[] nhwc, int n, int h, int w, int c) throws java.io.IOException {
    java.nio.file.Files.createDirectories(dir);
    for (int i = 0; i < n; i++) {
      float[] one = java.util.Arrays.copyOfRange(nhwc, i * h * w * c, (i + 1) * h * w * c);
      write(dir.resolve(String.format("%s%05d.png", prefix, i)), one, 1, h, w, c, 1);
    }
  }

  public static java.awt.image.BufferedImage toImage(float[] nhwc, int n, int h, int w, int c, int cols) {
    int rows = (n + cols - 1) / cols;
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(cols * (w + 1) + 1, rows * (h + 1) + 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int[] rgb = new int[3];
          for (int k = 0; k < 3; k++) {
            float v = nhwc[((i * h + y) * w + x) * c + (c == 1 ? 0 : k)];
            rgb[k] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5f)));
          }
          img.setRGB(1 + (i % cols) * (w + 1) + x, 1 + (i / cols) * (h + 1) + y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
        }
      }
    }
    return img;
  }
}
