package org.bgan.scorer;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an image file (any format an installed ImageIO reader handles: PNG, JPEG, BMP, GIF, WBMP
 * and TIFF with a stock JDK; WebP, PSD, PNM, TGA, SGI and PCX from the TwelveMonkeys plugins on the
 * classpath) to 8-bit RGB. Grey images are replicated to three channels, palette images looked
 * up, alpha dropped (as PIL's {@code convert("RGB")} does), and 16-bit (or other depths) samples scaled
 * to 0..255 with rounding. Grey samples are used as they are: no linear-to-sRGB conversion, which
 * {@code BufferedImage.getRGB} would apply to grey images.
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  /** Thrown for files that are not decodable images; the message says why. */
  public static final class BadImageException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadImageException(String message) {
      super(message);
    }
  }

  public static DecodedImage decode(Path file) throws BadImageException {
    if (!Files.exists(file)) {
      throw new BadImageException(Files.isSymbolicLink(file) ? "broken symbolic link (its target does not exist)"
          : "no such file");
    }
    BufferedImage img;
    // a random-access stream: TIFF and TGA readers seek (to IFD offsets, to the TGA 2.0 footer), which a
    // stream-cached input cannot do once it has been flushed
    // (ImageIO.read(File) opens a FileImageInputStream and closes it)
    // (what ImageIO.read(File) does, with the reader's warnings kept: the JDK's JPEG reader decodes a
    // truncated file, filling the missing part with grey, and only warns)
    java.util.List<String> warnings = new java.util.ArrayList<>();
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        throw new BadImageException("cannot open the file");
      }
      java.util.Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new BadImageException("not an image in a format ImageIO can read");
      }
      ImageReader reader = readers.next();
      try {
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        reader.setInput(in, true, true);
        img = reader.read(0, reader.getDefaultReadParam());
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      String m = e.getMessage();
      throw new BadImageException("cannot decode: " + (m == null ? e.getClass().getSimpleName() : m));
    }
    if (img == null) {
      throw new BadImageException("not an image in a format ImageIO can read");
    }
    for (String w : warnings) {
      String lw = w.toLowerCase(java.util.Locale.ROOT);
      if (lw.contains("truncated") || lw.contains("premature end")) {
        throw new BadImageException("truncated or corrupt: " + String.join("; ", new java.util.LinkedHashSet<>(warnings)));
      }
    }
    try {
      return toRgb(img);
    } catch (RuntimeException e) {
      throw new BadImageException("cannot convert to RGB: " + e);
    }
  }

  /** Converts any BufferedImage to 8-bit RGB. */
  public static DecodedImage toRgb(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[w * h * 3];
    ColorModel cm = img.getColorModel();
    Raster r = img.getRaster();
    int bands = r.getNumBands();
    if (cm instanceof IndexColorModel icm) {
      int[] px = new int[w];
      for (int y = 0; y < h; y++) {
        r.getSamples(0, y, w, 1, 0, px);
        for (int x = 0; x < w; x++) {
          int rgb = icm.getRGB(px[x]);
          int o = (y * w + x) * 3;
          out[o] = (byte) (rgb >> 16);
          out[o + 1] = (byte) (rgb >> 8);
          out[o + 2] = (byte) rgb;
        }
      }
    } else if (cm instanceof ComponentColorModel && (bands == 1 || bands == 2)) {
      int bits = cm.getComponentSize(0);
      int[] px = new int[w];
      for (int y = 0; y < h; y++) {
        r.getSamples(0, y, w, 1, 0, px);
        for (int x = 0; x < w; x++) {
          byte v = (byte) scale(px[x], bits);
          int o = (y * w + x) * 3;
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
        }
      }
    } else if (cm instanceof ComponentColorModel && bands >= 3
        && cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB) {
      int[] px = new int[w];
      for (int c = 0; c < 3; c++) {
        int bits = cm.getComponentSize(c);
        for (int y = 0; y < h; y++) {
          r.getSamples(0, y, w, 1, c, px);
          for (int x = 0; x < w; x++) {
            out[(y * w + x) * 3 + c] = (byte) scale(px[x], bits);
          }
        }
      }
    } else {
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        img.getRGB(0, y, w, 1, row, 0, w);
        for (int x = 0; x < w; x++) {
          int o = (y * w + x) * 3;
          out[o] = (byte) (row[x] >> 16);
          out[o + 1] = (byte) (row[x] >> 8);
          out[o + 2] = (byte) row[x];
        }
      }
    }
    return new DecodedImage(w, h, out);
  }

  private static int scale(int v, int bits) {
    if (bits == 8) {
      return v;
    }
    long max = (1L << bits) - 1;
    return (int) ((v * 255L * 2 + max) / (2 * max));
  }
}
