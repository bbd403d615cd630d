package org.bgan.data.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bgan.data.images.Fixtures.cfg;
import static org.bgan.data.images.Fixtures.example;
import static org.bgan.data.images.Fixtures.toByte;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderImagesTest {
  @TempDir Path tmp;

  /** An image whose pixel (x, y) is colour.at(x, y) (0xRRGGBB). */
  interface Paint {
    int at(int x, int y);
  }

  private static void write(Path f, int w, int h, Paint p) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, p.at(x, y));
      }
    }
    Files.createDirectories(f.getParent());
    String fmt = f.toString().endsWith(".png") ? "png" : "jpg";
    assertThat(ImageIO.write(img, fmt, f.toFile())).isTrue();
  }

  private static int[] rgbAt(float[] hwc, int side, int row, int col) {
    int o = (row * side + col) * 3;
    return new int[] {toByte(hwc[o]), toByte(hwc[o + 1]), toByte(hwc[o + 2])};
  }

  private static void assertUniform(float[] hwc, int side, int r, int g, int b, int tol) {
    for (int p = 0; p < side * side; p++) {
      int[] got = rgbAt(hwc, side, p / side, p % side);
      assertThat(Math.abs(got[0] - r)).as("R at %d: %d", p, got[0]).isLessThanOrEqualTo(tol);
      assertThat(Math.abs(got[1] - g)).as("G at %d: %d", p, got[1]).isLessThanOrEqualTo(tol);
      assertThat(Math.abs(got[2] - b)).as("B at %d: %d", p, got[2]).isLessThanOrEqualTo(tol);
    }
  }

  @Test
  void nestedFoldersInStableOrderWithCentreCrop() throws Exception {
    Path dir = tmp.resolve("faces");
    // sorted relative paths: a/b.png, a/c/d.jpg, tall.png, wide.png
    // wide: 30x10, thirds red | green | blue: the centre square is the green third
    write(dir.resolve("wide.png"), 30, 10, (x, y) -> x < 10 ? 0xff0000 : x < 20 ? 0x00ff00 : 0x0000ff);
    // tall: 10x30, thirds red / white / blue: the centre square is white
    write(dir.resolve("tall.png"), 10, 30, (x, y) -> y < 10 ? 0xff0000 : y < 20 ? 0xffffff : 0x0000ff);
    write(dir.resolve("a/c/d.jpg"), 16, 16, (x, y) -> 0x30c050);
    write(dir.resolve("a/b.png"), 8, 8, (x, y) -> x == 2 && y == 5 ? 0x102030 : 0xc80a0a);
    Files.writeString(dir.resolve(".hidden.txt"), "skipped"); // hidden files are not part of the folder
    Images c = cfg(Images.Format.FOLDER, dir).setSize(8).build();
    assertThat(ImageDatasets.resolvedSize(cfg(Images.Format.FOLDER, dir).build())).isEqualTo(64);
    ImageDataset ds = ImageDatasets.open(c, 0);
    assertThat(ds.size()).isEqualTo(4);
    assertThat(new int[] {ds.height(), ds.width(), ds.channels()}).containsExactly(8, 8, 3);
    float[] b = example(ds, 0);
    assertThat(rgbAt(b, 8, 5, 2)).containsExactly(0x10, 0x20, 0x30); // 8x8 PNG: exact, no resampling
    assertThat(rgbAt(b, 8, 2, 5)).containsExactly(0xc8, 0x0a, 0x0a);
    assertUniform(example(ds, 1), 8, 0x30, 0xc0, 0x50, 3); // JPEG: near
    assertUniform(example(ds, 2), 8, 255, 255, 255, 0); // tall -> white middle
    assertUniform(example(ds, 3), 8, 0, 255, 0, 0); // wide -> green middle
    assertThat(ds.describe()).startsWith("FOLDER " + dir).contains("4 x 8x8x3");
    // same order on a second load, and limit keeps the first ones
    ImageDataset two = ImageDatasets.open(cfg(Images.Format.FOLDER, dir).setSize(8).setLimit(2).build(), 0);
    assertThat(two.size()).isEqualTo(2);
    assertThat(example(two, 1)).containsExactly(example(ds, 1));
  }

  @Test
  void downscaleAveragesAreas() throws Exception {
    Path dir = tmp.resolve("stripes");
    // 16x16 with alternating black and white columns -> 8x8 of mid grey (area averaging, no aliasing)
    write(dir.resolve("s.png"), 16, 16, (x, y) -> x % 2 == 0 ? 0 : 0xffffff);
    ImageDataset ds = ImageDatasets.open(cfg(Images.Format.FOLDER, dir).setSize(8).build(), 0);
    assertUniform(example(ds, 0), 8, 128, 128, 128, 0);
  }

  @Test
  void nonImagesAreListed() throws Exception {
    Path dir = tmp.resolve("mixed");
    write(dir.resolve("ok.png"), 8, 8, (x, y) -> 0);
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/notes.txt"), "x", java.nio.charset.StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE_NEW);
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.FOLDER, dir).setSize(8).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("1 file is not an image")
        .hasMessageContaining("sub/notes.txt");
    Files.delete(dir.resolve("sub/notes.txt"));
    for (int k = 0; k < 12; k++) {
      Files.write(dir.resolve("bad" + (char) ('a' + k) + ".png"), new byte[] {1, 2, 3, (byte) k});
    }
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.FOLDER, dir).setSize(8).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("12 files cannot be decoded")
        .hasMessageContaining("bada.png")
        .hasMessageContaining("badj.png")
        .hasMessageNotContaining("badk.png")
        .hasMessageContaining("and 2 more");
  }

  @Test
  void emptyAndMissingFolders() throws Exception {
    Path empty = tmp.resolve("empty");
    Files.createDirectories(empty.resolve("sub"));
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.FOLDER, empty).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining(empty.toString()).hasMessageContaining("no files");
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.FOLDER, tmp.resolve("celeba")).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("celeba").hasMessageContaining("no such folder")
        .hasMessageContaining("img_align_celeba");
  }
}
