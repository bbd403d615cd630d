package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  /** A 2x1 lossless WebP (libwebp through PIL): red, green. */
  private static final String LOSSLESS_2X1 = "UklGRh4AAABXRUJQVlA4TBEAAAAvAQAAAA+w//Mf8x8VMqL/AQA=";

  @TempDir Path tmp;

  private DecodedImage roundTrip(BufferedImage img, String format) throws Exception {
    Path f = tmp.resolve("img" + System.nanoTime() + "." + format);
    assertThat(ImageIO.write(img, format, f.toFile())).isTrue();
    return ImageDecoder.decode(f);
  }

  private static int px(DecodedImage d, int x, int y, int c) {
    return d.rgb()[(y * d.width() + x) * 3 + c] & 0xff;
  }

  @Test
  void greyAnd16BitAndPaletteAndAlphaBecome8BitRgb() throws Exception {
    BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSample(1, 0, 0, 100);
    DecodedImage g = roundTrip(grey, "png");
    // the grey value itself on all three channels (no linear-to-sRGB brightening)
    assertThat(new int[] {px(g, 1, 0, 0), px(g, 1, 0, 1), px(g, 1, 0, 2)}).containsExactly(100, 100, 100);

    BufferedImage g16 = new BufferedImage(2, 2, BufferedImage.TYPE_USHORT_GRAY);
    g16.getRaster().setSample(0, 1, 0, 65535);
    g16.getRaster().setSample(1, 1, 0, 32896); // 32896 * 255 / 65535 = 128.0002 -> 128
    DecodedImage d16 = roundTrip(g16, "png");
    assertThat(px(d16, 0, 1, 0)).isEqualTo(255);
    assertThat(px(d16, 1, 1, 2)).isEqualTo(128);

    byte[] r = {0, (byte) 200, 10};
    byte[] gg = {0, 20, (byte) 250};
    byte[] b = {0, 30, 60};
    BufferedImage pal = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(2, 3, r, gg, b));
    WritableRaster pr = pal.getRaster();
    pr.setSample(0, 0, 0, 1);
    pr.setSample(1, 0, 0, 2);
    for (String fmt : new String[] {"png", "gif"}) {
      DecodedImage p = roundTrip(pal, fmt);
      assertThat(new int[] {px(p, 0, 0, 0), px(p, 0, 0, 1), px(p, 0, 0, 2)}).as(fmt).containsExactly(200, 20, 30);
      assertThat(new int[] {px(p, 1, 0, 0), px(p, 1, 0, 1), px(p, 1, 0, 2)}).as(fmt).containsExactly(10, 250, 60);
    }

    BufferedImage rgba = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(0, 0, (10 << 24) | (50 << 16) | (60 << 8) | 70);
    DecodedImage a = roundTrip(rgba, "png");
    assertThat(new int[] {px(a, 0, 0, 0), px(a, 0, 0, 1), px(a, 0, 0, 2)}).containsExactly(50, 60, 70);

    BufferedImage rgb = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        rgb.setRGB(x, y, (120 << 16) | (130 << 8) | 140);
      }
    }
    DecodedImage bmp = roundTrip(rgb, "bmp");
    assertThat(new int[] {px(bmp, 5, 6, 0), px(bmp, 5, 6, 1), px(bmp, 5, 6, 2)}).containsExactly(120, 130, 140);
    DecodedImage j = roundTrip(rgb, "jpg");
    assertThat(Math.abs(px(j, 3, 3, 0) - 120)).isLessThanOrEqualTo(3);
    assertThat(Math.abs(px(j, 3, 3, 2) - 140)).isLessThanOrEqualTo(3);
  }

  @Test
  void tiffAndTheTwelveMonkeysFormatsDecode() throws Exception {
    // the plugins on the classpath register themselves with ImageIO (service provider files)
    assertThat(List.of(ImageIO.getReaderFormatNames()).stream().map(String::toLowerCase).toList())
        .contains("tiff", "webp", "psd", "pnm", "tga", "sgi", "pcx");

    BufferedImage rgb = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 5; x++) {
        rgb.setRGB(x, y, ((10 * x) << 16) | ((20 * y) << 8) | (x + y));
      }
    }
    // TIFF: written by ImageIO's TIFF writer (lossless), read back exactly
    DecodedImage t = roundTrip(rgb, "tiff");
    assertThat(t.width()).isEqualTo(5);
    assertThat(t.height()).isEqualTo(4);
    assertThat(new int[] {px(t, 4, 3, 0), px(t, 4, 3, 1), px(t, 4, 3, 2)}).containsExactly(40, 60, 7);

    // binary PPM (P6) and PGM (P5), written byte by byte
    Path ppm = tmp.resolve("x.ppm");
    byte[] head = "P6\n2 1\n255\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] body = {(byte) 200, 20, 30, 1, 2, (byte) 250};
    Files.write(ppm, concat(head, body));
    DecodedImage p = ImageDecoder.decode(ppm);
    assertThat(new int[] {px(p, 0, 0, 0), px(p, 0, 0, 1), px(p, 0, 0, 2)}).containsExactly(200, 20, 30);
    assertThat(new int[] {px(p, 1, 0, 0), px(p, 1, 0, 1), px(p, 1, 0, 2)}).containsExactly(1, 2, 250);
    Path pgm = tmp.resolve("x.pgm");
    Files.write(pgm, concat("P5\n2 1\n255\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        new byte[] {(byte) 100, 7}));
    DecodedImage g = ImageDecoder.decode(pgm);
    assertThat(new int[] {px(g, 0, 0, 0), px(g, 0, 0, 1), px(g, 0, 0, 2)}).containsExactly(100, 100, 100);
    assertThat(px(g, 1, 0, 1)).isEqualTo(7);

    // uncompressed true-colour TGA (type 2, 24 bits, top-left origin), BGR pixels; 4x3 so that the file is
    // longer than the 26-byte TGA 2.0 footer the reader looks for
    byte[] tga = new byte[18 + 4 * 3 * 3];
    tga[2] = 2;
    tga[12] = 4; // width
    tga[14] = 3; // height
    tga[16] = 24;
    tga[17] = 0x20; // top-left origin
    byte[] px = {30, 20, (byte) 200, (byte) 250, 2, 1};
    System.arraycopy(px, 0, tga, 18, px.length);
    Path tgaFile = tmp.resolve("x.tga");
    Files.write(tgaFile, tga);
    DecodedImage a = ImageDecoder.decode(tgaFile);
    assertThat(new int[] {px(a, 0, 0, 0), px(a, 0, 0, 1), px(a, 0, 0, 2)}).containsExactly(200, 20, 30);
    assertThat(new int[] {px(a, 1, 0, 0), px(a, 1, 0, 1), px(a, 1, 0, 2)}).containsExactly(1, 2, 250);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * A JPEG cut short decoded "fine" (ImageIO fills the missing rows with grey and only warns), so a
   * folder with partly downloaded files was scored without a word: now it is a bad file.
   */
  @Test
  void truncatedJpegIsReported() throws Exception {
    BufferedImage img = new BufferedImage(96, 96, BufferedImage.TYPE_3BYTE_BGR);
    java.util.Random rng = new java.util.Random(3);
    for (int y = 0; y < 96; y++) {
      for (int x = 0; x < 96; x++) {
        img.setRGB(x, y, rng.nextInt(1 << 24));
      }
    }
    Path full = tmp.resolve("full.jpg");
    ImageIO.write(img, "jpg", full.toFile());
    assertThat(ImageDecoder.decode(full).width()).isEqualTo(96);
    byte[] bytes = Files.readAllBytes(full);
    Path cut = tmp.resolve("cut.jpg");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length * 7 / 10));
    assertThatThrownBy(() -> ImageDecoder.decode(cut)).isInstanceOf(ImageDecoder.BadImageException.class)
        .hasMessageStartingWith("truncated or corrupt: ").hasMessageContaining("premature end");
  }

  @Test
  void nonImagesAreReported() throws IOException {
    Path txt = tmp.resolve("notes.txt");
    Files.writeString(txt, "not an image");
    assertThatThrownBy(() -> ImageDecoder.decode(txt)).isInstanceOf(ImageDecoder.BadImageException.class)
        .hasMessageContaining("not an image");
  }

  @Test
  void foldersAreWalkedRecursivelyInAStableOrder() throws IOException {
    Files.createDirectories(tmp.resolve("b/sub"));
    Files.createDirectories(tmp.resolve(".hidden"));
    for (String f : new String[] {"b/sub/z.png", "a.png", "b/c.png", "B.png", ".hidden/x.png", ".dot.png"}) {
      Files.writeString(tmp.resolve(f), "x");
    }
    List<Path> files = ImageFolder.list(tmp);
    assertThat(files.stream().map(p -> tmp.relativize(p).toString()).toList())
        .containsExactly("B.png", "a.png", "b/c.png", "b/sub/z.png");
  }

  /**
   * A folder given as a symbolic link was "the folder contains no files", a linked subfolder and a
   * broken link were dropped without a word: links are followed, a broken one is reported, a loop is
   * an error naming it.
   */
  @Test
  void symbolicLinksAreFollowedAndBrokenOnesReported() throws IOException {
    Path real = Files.createDirectories(tmp.resolve("real"));
    Files.writeString(real.resolve("a.png"), "x");
    Path top = Files.createDirectories(tmp.resolve("top"));
    Files.writeString(top.resolve("b.png"), "x");
    Files.createSymbolicLink(top.resolve("linked"), real);
    Files.createSymbolicLink(top.resolve("c.png"), real.resolve("a.png"));
    Files.createSymbolicLink(top.resolve("d.png"), tmp.resolve("missing.png"));
    Path alias = Files.createSymbolicLink(tmp.resolve("alias"), top);
    assertThat(ImageFolder.list(alias).stream().map(p -> alias.relativize(p).toString()).toList())
        .containsExactly("b.png", "c.png", "d.png", "linked/a.png");
    assertThatThrownBy(() -> ImageDecoder.decode(alias.resolve("d.png")))
        .isInstanceOf(ImageDecoder.BadImageException.class).hasMessage("broken symbolic link (its target does not exist)");
    Files.createSymbolicLink(real.resolve("up"), tmp.resolve("real"));
    assertThatThrownBy(() -> ImageFolder.list(top)).isInstanceOf(UserError.class)
        .hasMessageContaining(top + ": symbolic link loop at");
  }

  /**
   * A named pipe in a folder was dropped without a word; opening it would block until something
   * writes to it. It is listed and reported as a bad file without being opened.
   */
  @Test
  @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
  void namedPipesAreListedAndReportedWithoutBeingOpened() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("withpipe"));
    Files.writeString(dir.resolve("a.png"), "x");
    Path fifo = dir.resolve("b.png");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo not available");
    assertThat(ImageFolder.list(dir).stream().map(p -> dir.relativize(p).toString()).toList())
        .containsExactly("a.png", "b.png");
    assertThatThrownBy(() -> ImageDecoder.decode(fifo)).isInstanceOf(ImageDecoder.BadImageException.class)
        .hasMessage("not a regular file (a named pipe, socket or device)");
  }

  @Test
  void cmykJpegIsConvertedAsPilDoesWithoutTheColourProfile() throws Exception {
    // the JDK's writer stores these ink values so that its reader (and PIL 9.4) read back CMYK
    // (200, 120, 40, 225); PIL's convert("RGB") gives (255 - C)(255 - K)/255 = (6, 16, 25). Before, the
    // JDK's CMYK profile (through getRGB) made the colours lighter: up to 70 levels on mid-tones.
    java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(
        java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        r.setPixel(x, y, new int[] {55, 135, 215, 30});
      }
    }
    Path f = tmp.resolve("cmyk.jpg");
    javax.imageio.ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    javax.imageio.ImageWriteParam p = w.getDefaultWriteParam();
    p.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
    p.setCompressionQuality(1f);
    try (javax.imageio.stream.ImageOutputStream o = ImageIO.createImageOutputStream(f.toFile())) {
      w.setOutput(o);
      w.write(null, new javax.imageio.IIOImage(r, null, null), p);
    } finally {
      w.dispose();
    }
    DecodedImage d = ImageDecoder.decode(f);
    assertThat(new int[] {px(d, 5, 5, 0), px(d, 5, 5, 1), px(d, 5, 5, 2)}).containsExactly(6, 16, 25);
  }

  @Test
  void floatSamplesAreReadAsZeroToOne() {
    // a 32-bit float grey TIFF, as the TwelveMonkeys reader returns it (before: all 0)
    java.awt.image.ColorModel cm = new java.awt.image.ComponentColorModel(
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY), false, false,
        java.awt.Transparency.OPAQUE, java.awt.image.DataBuffer.TYPE_FLOAT);
    BufferedImage grey = new BufferedImage(cm, cm.createCompatibleWritableRaster(4, 1), false, null);
    float[] v = {0f, 0.5f, 1f, 2f};
    for (int x = 0; x < 4; x++) {
      grey.getRaster().setSample(x, 0, 0, v[x]);
    }
    DecodedImage g = ImageDecoder.toRgb(grey);
    assertThat(new int[] {px(g, 0, 0, 0), px(g, 1, 0, 1), px(g, 2, 0, 2), px(g, 3, 0, 0)}).containsExactly(0, 128, 255, 255);

    java.awt.image.ColorModel rgbCm = new java.awt.image.ComponentColorModel(
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB), false, false,
        java.awt.Transparency.OPAQUE, java.awt.image.DataBuffer.TYPE_DOUBLE);
    BufferedImage rgb = new BufferedImage(rgbCm, rgbCm.createCompatibleWritableRaster(1, 1), false, null);
    rgb.getRaster().setPixel(0, 0, new double[] {0.2, -1, 0.75});
    DecodedImage c = ImageDecoder.toRgb(rgb);
    assertThat(new int[] {px(c, 0, 0, 0), px(c, 0, 0, 1), px(c, 0, 0, 2)}).containsExactly(51, 0, 191);
  }

  @Test
  void lossyWebpIsRefusedLosslessWebpIsRead() throws Exception {
    // 64x64 of (200, 120, 40), written by libwebp (PIL, quality 90): TwelveMonkeys 3.12.0 decoded it as
    // (50, 0, 0) without a word
    Path lossy = tmp.resolve("flat.webp");
    Files.write(lossy, java.util.Base64.getDecoder().decode(
        "UklGRlAAAABXRUJQVlA4IEQAAAAwBACdASpAAEAAPjEYi0QiIaERBAAgAwS0gDsAfgB+AAAaW0zupqAK6gAA/qTX//7p6QgaP+YP//7KvhMj/2SAAAAAAA=="));
    assertThatThrownBy(() -> ImageDecoder.decode(lossy)).isInstanceOf(ImageDecoder.BadImageException.class)
        .hasMessageContaining("lossy WebP (VP8) is not read").hasMessageContaining("convert it to PNG");
    // lossless (VP8L) 2x1: red, green
    Path lossless = tmp.resolve("ll.webp");
    Files.write(lossless, java.util.Base64.getDecoder().decode(LOSSLESS_2X1));
    DecodedImage d = ImageDecoder.decode(lossless);
    assertThat(new int[] {px(d, 0, 0, 0), px(d, 0, 0, 1), px(d, 1, 0, 0), px(d, 1, 0, 1)}).containsExactly(255, 0, 0, 255);
  }

  @Test
  void anUnreadableFileIsReportedAsSuch() throws Exception {
    Path f = tmp.resolve("locked.png");
    ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", f.toFile());
    Files.setPosixFilePermissions(f, java.util.Set.of());
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(f), "running as root: every file is readable");
      // before: "cannot decode: Can't create cache file!"
      assertThatThrownBy(() -> ImageDecoder.decode(f)).hasMessageContaining("permission denied");
    } finally {
      Files.setPosixFilePermissions(f, java.util.EnumSet.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
          java.nio.file.attribute.PosixFilePermission.OWNER_WRITE));
    }
  }

  @Test
  void anUnreadableSubfolderIsNamedAsSuch() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("top"));
    Path sub = Files.createDirectories(dir.resolve("locked"));
    Files.writeString(sub.resolve("a.png"), "x");
    Files.setPosixFilePermissions(sub, java.util.Set.of());
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(sub), "running as root: every folder is readable");
      // before: "<top>: cannot read the folder: <top>/locked"
      assertThatThrownBy(() -> ImageFolder.list(dir)).isInstanceOf(UserError.class)
          .hasMessage(sub + ": permission denied (the folder cannot be read)");
    } finally {
      Files.setPosixFilePermissions(sub, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }
  }
}
