package org.bgan.data.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bgan.data.images.Fixtures.cfg;
import static org.bgan.data.images.Fixtures.example;
import static org.bgan.data.images.Fixtures.toByte;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CIFAR-10 and STL-10 binary files. */
class BinaryFormatsTest {
  @TempDir Path tmp;

  private static int px(float[] hwc, int side, int row, int col, int ch) {
    return toByte(hwc[(row * side + col) * 3 + ch]);
  }

  /** Record 0: R(2,5)=200, G(0,31)=100, B(31,0)=50, rest 0. Record 1: R 255, G 0, B 128 everywhere. */
  private static byte[] cifarRecords() {
    byte[] d = new byte[2 * 3073];
    d[0] = 7; // label, ignored
    d[1 + 2 * 32 + 5] = (byte) 200;
    d[1 + 1024 + 31] = 100;
    d[1 + 2048 + 31 * 32] = 50;
    d[3073] = 3;
    Arrays.fill(d, 3073 + 1, 3073 + 1 + 1024, (byte) 255);
    Arrays.fill(d, 3073 + 1 + 2048, 2 * 3073, (byte) 128);
    return d;
  }

  @Test
  void cifarChannelPlanesBecomeHwc() throws Exception {
    Path f = tmp.resolve("one.bin");
    Files.write(f, cifarRecords());
    Images c = cfg(Images.Format.CIFAR10, f).build();
    assertThat(ImageDatasets.resolvedSize(c)).isEqualTo(32);
    assertThat(ImageDatasets.resolvedChannels(c)).isEqualTo(3);
    ImageDataset ds = ImageDatasets.open(c, 0);
    assertThat(ds.size()).isEqualTo(2);
    assertThat(new int[] {ds.height(), ds.width(), ds.channels()}).containsExactly(32, 32, 3);
    float[] a = example(ds, 0);
    assertThat(px(a, 32, 2, 5, 0)).isEqualTo(200);
    assertThat(px(a, 32, 2, 5, 1)).isEqualTo(0);
    assertThat(px(a, 32, 0, 31, 1)).isEqualTo(100);
    assertThat(px(a, 32, 31, 0, 2)).isEqualTo(50);
    assertThat(px(a, 32, 5, 2, 0)).isEqualTo(0);
    int nonZero = 0;
    for (float v : a) {
      nonZero += v != -1f ? 1 : 0;
    }
    assertThat(nonZero).isEqualTo(3);
    float[] b = example(ds, 1);
    for (int p = 0; p < 1024; p++) {
      assertThat(new int[] {toByte(b[p * 3]), toByte(b[p * 3 + 1]), toByte(b[p * 3 + 2])}).containsExactly(255, 0, 128);
    }
  }

  @Test
  void cifarDirectoryReadsFiveBatchesInOrder() throws Exception {
    Path dir = tmp.resolve("cifar-10-batches-bin");
    Files.createDirectories(dir);
    for (int k = 1; k <= 5; k++) {
      byte[] rec = new byte[3073];
      rec[1] = (byte) (k * 10);
      Files.write(dir.resolve("data_batch_" + k + ".bin"), rec);
    }
    Files.write(dir.resolve("test_batch.bin"), new byte[3073]);
    // the parent directory works too
    ImageDataset ds = ImageDatasets.open(cfg(Images.Format.CIFAR10, tmp).setLimit(4).setSize(16).build(), 0);
    assertThat(ds.size()).isEqualTo(4);
    assertThat(ds.height()).isEqualTo(16);
    for (int i = 0; i < 4; i++) {
      // R(0,0) = 10(i+1) averaged with three zeros over the 2x2 area: round(2.5(i+1))
      assertThat(px(example(ds, i), 16, 0, 0, 0)).isEqualTo(Math.round(2.5f * (i + 1)));
    }
    assertThat(ds.describe()).startsWith("CIFAR10 " + dir).contains("4 x 16x16x3");
    Files.delete(dir.resolve("data_batch_3.bin"));
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.CIFAR10, dir).build(), 0))
        .isInstanceOf(UserException.class).hasMessageContaining("missing data_batch_3.bin")
        .hasMessageContaining("https://www.cs.toronto.edu/~kriz/cifar.html");
  }

  @Test
  void cifarTruncatedAndMissing() throws Exception {
    Path f = tmp.resolve("data_batch_1.bin");
    Files.write(f, Arrays.copyOf(cifarRecords(), 2 * 3073 - 1));
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.CIFAR10, f).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("truncated")
        .hasMessageContaining("1 whole records and 3072 bytes over");
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.CIFAR10, tmp.resolve("none")).build(), 0))
        .isInstanceOf(UserException.class).hasMessageContaining("none")
        .hasMessageContaining("cifar-10-binary.tar.gz").hasMessageContaining("https://www.cs.toronto.edu/~kriz/cifar.html");
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.CIFAR10, null).build(), 0))
        .isInstanceOf(UserException.class).hasMessageContaining("data.images.path is required");
  }

  private static final int S = 96;

  /** Stores value v at (row, col) of channel ch of an STL record: column-major planes. */
  private static void stl(byte[] rec, int ch, int row, int col, int v) {
    rec[ch * S * S + col * S + row] = (byte) v;
  }

  @Test
  void stlPlanesAreColumnMajor() throws Exception {
    byte[] rec = new byte[3 * S * S];
    stl(rec, 0, 1, 0, 200); // R at row 1, col 0
    stl(rec, 1, 0, 1, 100); // G at row 0, col 1
    stl(rec, 2, 95, 3, 50); // B at row 95, col 3
    assertThat(rec[1]).isEqualTo((byte) 200); // the second byte of the file's R plane is (row 1, col 0)
    Path f = tmp.resolve("unlabeled_X.bin");
    Files.write(f, rec);
    ImageDataset ds = ImageDatasets.open(cfg(Images.Format.STL10, f).setSize(96).build(), 0);
    float[] a = example(ds, 0);
    assertThat(px(a, S, 1, 0, 0)).isEqualTo(200);
    assertThat(px(a, S, 0, 1, 0)).isEqualTo(0);
    assertThat(px(a, S, 0, 1, 1)).isEqualTo(100);
    assertThat(px(a, S, 1, 0, 1)).isEqualTo(0);
    assertThat(px(a, S, 95, 3, 2)).isEqualTo(50);
    assertThat(px(a, S, 3, 95, 2)).isEqualTo(0);
  }

  @Test
  void stlResizes96To48ByAreaAveraging() throws Exception {
    byte[] rec = new byte[3 * S * S];
    for (int row = 0; row < S; row++) {
      for (int col = 0; col < S; col++) {
        stl(rec, 0, row, col, 2 * col); // horizontal gradient
        stl(rec, 1, row, col, 2 * row); // vertical gradient
        stl(rec, 2, row, col, 77); // constant
      }
    }
    byte[] three = new byte[3 * rec.length];
    for (int k = 0; k < 3; k++) {
      System.arraycopy(rec, 0, three, k * rec.length, rec.length);
    }
    Path dir = tmp.resolve("stl10_binary");
    Files.createDirectories(dir);
    Files.write(dir.resolve("train_X.bin"), three);
    Images c = cfg(Images.Format.STL10, tmp).setLimit(2).build(); // the parent of stl10_binary, train_X.bin fallback
    assertThat(ImageDatasets.resolvedSize(c)).isEqualTo(48);
    ImageDataset ds = ImageDatasets.open(c, 0);
    assertThat(ds.size()).isEqualTo(2);
    assertThat(ds.describe()).contains("train_X.bin").contains("2 x 48x48x3");
    float[] a = example(ds, 1);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 48; x++) {
        // mean of 2(2x) and 2(2x+1)
        assertThat(px(a, 48, y, x, 0)).isEqualTo(4 * x + 1);
        assertThat(px(a, 48, y, x, 1)).isEqualTo(4 * y + 1);
        assertThat(px(a, 48, y, x, 2)).isEqualTo(77);
      }
    }
    // unlabeled_X.bin is preferred when both are there
    Files.write(dir.resolve("unlabeled_X.bin"), rec);
    assertThat(ImageDatasets.open(cfg(Images.Format.STL10, dir).build(), 0).size()).isEqualTo(1);
  }

  @Test
  void stlTruncatedAndMissing() throws Exception {
    Path f = tmp.resolve("unlabeled_X.bin");
    Files.write(f, new byte[3 * S * S + 5]);
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.STL10, f).build(), 0))
        .isInstanceOf(UserException.class).hasMessageContaining(f.toString()).hasMessageContaining("truncated")
        .hasMessageContaining("1 whole images and 5 bytes over");
    Path empty = tmp.resolve("empty");
    Files.createDirectories(empty);
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.STL10, empty).build(), 0))
        .isInstanceOf(UserException.class).hasMessageContaining("no unlabeled_X.bin")
        .hasMessageContaining("stl10_binary.tar.gz").hasMessageContaining("https://cs.stanford.edu/~acoates/stl10/");
  }

  @Test
  void resizeKeepsConstantsForAnyRatio() {
    for (int[] r : new int[][] {{100, 37}, {28, 32}, {10, 8}, {7, 20}, {218, 64}}) {
      byte[] src = new byte[r[0] * r[0] * 3];
      Arrays.fill(src, (byte) 201);
      byte[] out = Resize.resize(src, r[0], r[0], 3, r[1], r[1]);
      assertThat(out).hasSize(r[1] * r[1] * 3);
      for (byte b : out) {
        assertThat(b & 0xff).isEqualTo(201);
      }
    }
    // 3 -> 2 area weights: out0 = (2 * a + b) / 3, out1 = (b + 2 * c) / 3
    byte[] row = {30, 60, 90};
    assertThat(Resize.resize(row, 1, 3, 1, 1, 2)).containsExactly(40, 80);
    // 2 -> 4 bilinear with half-pixel centres: 0, 0.25, 0.75, 1 of the way
    byte[] two = {0, 100};
    assertThat(Resize.resize(two, 1, 2, 1, 1, 4)).containsExactly(0, 25, 75, 100);
  }
}
