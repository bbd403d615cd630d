package org.bgan.data.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
  @TempDir Path tmp;

  private static String[] list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void gridLayoutAndPixels() throws Exception {
    int n = 5, h = 4, w = 2, c = 3;
    float[] x = new float[n * h * w * c];
    java.util.Arrays.fill(x, -1f);
    // image 4 sits at grid row 1, column 1; its pixel (y 2, x 1) = (1, -1, 0) -> (255, 0, 128)
    int o = 4 * h * w * c + (2 * w + 1) * c;
    x[o] = 1f;
    x[o + 1] = -1f;
    x[o + 2] = 0f;
    // image 0 pixel (0, 0): out of range and NaN values are clamped
    x[0] = 3f;
    x[1] = Float.NaN;
    x[2] = -7f;
    BufferedImage img = ImageGrid.toImage(x, n, h, w, c, 3);
    assertThat(img.getWidth()).isEqualTo(3 * (w + 1) + 1);
    assertThat(img.getHeight()).isEqualTo(2 * (h + 1) + 1);
    assertThat(img.getRGB(1 + 1 * 3 + 1, 1 + 1 * 5 + 2) & 0xffffff).isEqualTo(0xff0080);
    assertThat(img.getRGB(1, 1) & 0xffffff).isEqualTo(0xff0000);
    assertThat(img.getRGB(0, 0) & 0xffffff).isZero(); // padding
    Path png = tmp.resolve("out/grid.png");
    ImageGrid.write(png, x, n, h, w, c, 3);
    BufferedImage back = ImageIO.read(png.toFile());
    assertThat(back.getWidth()).isEqualTo(10);
    assertThat(back.getHeight()).isEqualTo(11);
    assertThat(back.getRGB(5, 8) & 0xffffff).isEqualTo(0xff0080);
    assertThat(list(png.getParent())).containsExactly("grid.png"); // no temporary file left
    ImageGrid.write(png, x, n, h, w, c, 5); // replaced in place
    assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(5 * 3 + 1);
    assertThat(list(png.getParent())).containsExactly("grid.png");
  }

  @Test
  void greyImagesAndEveryByteRoundTrips() throws Exception {
    // 256 grey 1x1 images b / 127.5 - 1 come back as b
    float[] x = new float[256];
    for (int b = 0; b < 256; b++) {
      x[b] = ByteImages.TO_FLOAT[b];
    }
    BufferedImage img = ImageGrid.toImage(x, 256, 1, 1, 1, 16);
    assertThat(img.getWidth()).isEqualTo(33);
    for (int b = 0; b < 256; b++) {
      int rgb = img.getRGB(1 + (b % 16) * 2, 1 + (b / 16) * 2) & 0xffffff;
      assertThat(rgb).isEqualTo(b * 0x010101);
    }
    Path dir = tmp.resolve("each");
    ImageGrid.writeEach(dir, "s", x, 3, 1, 1, 1);
    assertThat(list(dir)).containsExactly("s00000.png", "s00001.png", "s00002.png");
    BufferedImage one = ImageIO.read(dir.resolve("s00002.png").toFile());
    assertThat(one.getRaster().getSample(0, 0, 0)).isEqualTo(2);
  }

  @Test
  void writeEachColour() throws Exception {
    float[] x = {1f, -1f, 0f, -1f, 1f, -1f}; // two 1x1 RGB images
    Path dir = tmp.resolve("rgb");
    ImageGrid.writeEach(dir, "img-", x, 2, 1, 1, 3);
    assertThat(ImageIO.read(dir.resolve("img-00000.png").toFile()).getRGB(0, 0) & 0xffffff).isEqualTo(0xff0080);
    assertThat(ImageIO.read(dir.resolve("img-00001.png").toFile()).getRGB(0, 0) & 0xffffff).isEqualTo(0x00ff00);
  }

  @Test
  void writeEachInPiecesNamesAndNumbersAsOneCallDoes() throws Exception {
    float[] x = new float[12];
    for (int i = 0; i < 12; i++) {
      x[i] = i / 127.5f - 1f;
    }
    Path whole = tmp.resolve("whole");
    ImageGrid.writeEach(whole, "p", x, 12, 1, 1, 1);
    Path pieces = tmp.resolve("pieces");
    for (int first = 0; first < 12; first += 5) {
      int n = Math.min(5, 12 - first);
      ImageGrid.writeEach(pieces, "p", java.util.Arrays.copyOfRange(x, first, first + n), n, 1, 1, 1, first, 12);
    }
    assertThat(list(pieces)).containsExactly(list(whole));
    for (String f : list(whole)) {
      assertThat(Files.readAllBytes(pieces.resolve(f))).isEqualTo(Files.readAllBytes(whole.resolve(f)));
    }
    // the digits come from the whole count, not the piece's
    Path wide = tmp.resolve("wide");
    ImageGrid.writeEach(wide, "p", x, 1, 1, 1, 1, 5, 100_001);
    assertThat(list(wide)).containsExactly("p000005.png");
  }
}
