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
    if (!Files.isRegularFile(file)) {
      // (opening a named pipe blocks until something writes to it; a folder listing skipped these
      // without a word before)
      throw new BadImageException("not a regular file (a named pipe, socket or device)");
    }
    if (!Files.isReadable(file)) {
      // (before, ImageIO's "Can't create cache file!" was reported: it wraps the FileNotFoundException of
      // opening an unreadable file as if its temp-file cache had failed)
      throw new BadImageException("permission denied (the file cannot be read)");
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
      // only WebP files are looked into again (not every PNG and JPEG of a folder)
      String lossy = "webp".equalsIgnoreCase(reader.getFormatName()) ? lossyWebp(file) : null;
      if (lossy != null) {
        reader.dispose();
        throw new BadImageException(lossy);
      }
      try {
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        reader.setInput(in, true, true);
        img = reader.read(0, reader.getDefaultReadParam());
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      String m = e.getMessage();
      if (e instanceof javax.imageio.IIOException && e.getCause() instanceof java.io.FileNotFoundException fnf) {
        m = fnf.getMessage(); // "x.png (Permission denied)", not "Can't create cache file!"
      }
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
    } else if (cm instanceof ComponentColorModel && isFloat(r)) {
      // float or double samples (e.g. a 32-bit float TIFF): the 0..1 range of Java's ComponentColorModel,
      // clamped, times 255, rounded (before: truncated to int and scaled as 32-bit integers, all 0)
      int channels = cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB && bands >= 3 ? 3
          : cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY ? 1 : -1;
      if (channels < 0) {
        throw new IllegalArgumentException("floating-point samples in colour space type "
            + cm.getColorSpace().getType() + " are not supported");
      }
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int o = (y * w + x) * 3;
          for (int c = 0; c < 3; c++) {
            float v = r.getSampleFloat(x, y, channels == 1 ? 0 : c);
            out[o + c] = (byte) Math.round(255f * (Float.isNaN(v) ? 0f : Math.max(0f, Math.min(1f, v))));
          }
        }
      }
    } else if (cm instanceof ComponentColorModel && bands >= 4 && cm.getComponentSize(0) == 8
        && cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_CMYK) {
      // CMYK (JPEG from print workflows, TIFF) as PIL's convert("RGB") does it, without the colour profile:
      // R = (255 - C)(255 - K)/255 rounded. Before, JPEGs went through getRGB and the JDK's CMYK profile
      // (up to 70 levels lighter than PIL; CMYK TIFFs from TwelveMonkeys came out as PIL's).
      int[] px = new int[bands * w];
      for (int y = 0; y < h; y++) {
        r.getPixels(0, y, w, 1, px);
        for (int x = 0; x < w; x++) {
          int nk = 255 - px[x * bands + 3];
          int o = (y * w + x) * 3;
          for (int c = 0; c < 3; c++) {
            int t = px[x * bands + c] * nk + 128; // PIL's MULDIV255
            out[o + c] = (byte) Math.max(0, Math.min(255, nk - (((t >> 8) + t) >> 8)));
          }
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

  private static boolean isFloat(Raster r) {
    int t = r.getDataBuffer().getDataType();
    return t == java.awt.image.DataBuffer.TYPE_FLOAT || t == java.awt.image.DataBuffer.TYPE_DOUBLE;
  }

  /**
   * A reason to refuse the file if it is a lossy (VP8) WebP, else null. TwelveMonkeys' VP8 decoder
   * (3.12.0 and 3.13.0) returns wrong colours: a flat (200, 120, 40) image decodes as (50, 0, 0), and
   * errors grow down the frame (its TM_PRED border values and prediction from loop-filtered pixels,
   * TwelveMonkeys issues 734, 864, 785; fixed after 3.13.0 by pull request 1315). Lossless (VP8L) WebP
   * decodes exactly and is read.
   */
  static String lossyWebp(Path file) {
    byte[] head = new byte[4096];
    int n;
    try (java.io.InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      return null; // reported by the decoder
    }
    if (n < 20 || !new String(head, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1).equals("RIFF")
        || !new String(head, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1).equals("WEBP")) {
      return null;
    }
    // top-level chunks, and the frames of an animation (ANMF: 16 bytes of frame header, then chunks)
    for (int pos = 12; pos + 8 <= n; ) {
      String fourcc = new String(head, pos, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
      long size = (head[pos + 4] & 0xffL) | (head[pos + 5] & 0xffL) << 8 | (head[pos + 6] & 0xffL) << 16
          | (head[pos + 7] & 0xffL) << 24;
      if (fourcc.equals("VP8 ")) {
        return "lossy WebP (VP8) is not read: the TwelveMonkeys decoder returns wrong colours for it"
            + " (TwelveMonkeys issue 734); convert it to PNG first, e.g. dwebp FILE -o FILE.png";
      }
      if (fourcc.equals("VP8L")) {
        return null;
      }
      pos = fourcc.equals("ANMF") ? pos + 8 + 16 : (int) Math.min(Integer.MAX_VALUE, pos + 8 + size + (size & 1));
    }
    return null;
  }

  private static int scale(int v, int bits) {
    if (bits == 8) {
      return v;
    }
    long max = (1L << bits) - 1;
    return (int) ((v * 255L * 2 + max) / (2 * max));
  }
}
