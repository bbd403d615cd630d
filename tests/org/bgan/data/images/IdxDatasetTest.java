package org.bgan.data.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bgan.data.images.Fixtures.cfg;
import static org.bgan.data.images.Fixtures.example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
  @TempDir Path tmp;

  private static void assertExact(ImageDataset ds, int n, int side) {
    assertThat(ds.size()).isEqualTo(n);
    assertThat(new int[] {ds.height(), ds.width(), ds.channels()}).containsExactly(side, side, 1);
    byte[] want = Fixtures.idxPixels(n, side, side);
    for (int i = 0; i < n; i++) {
      float[] got = example(ds, i);
      for (int p = 0; p < side * side; p++) {
        assertThat(got[p]).isEqualTo((want[i * side * side + p] & 0xff) / 127.5f - 1f);
      }
    }
  }

  @Test
  void plainAndGzippedRoundTripExactly() throws Exception {
    // gzip is recognised by its magic bytes, not by the name: a gzipped file without .gz, a plain one with it
    Path plain = Fixtures.writeIdxImages(tmp.resolve("a/plain.gz"), 4, 28, 28, false);
    Path gz = Fixtures.writeIdxImages(tmp.resolve("b/images.bin"), 4, 28, 28, true);
    assertThat(Files.readAllBytes(gz)[0]).isEqualTo((byte) 0x1f);
    ImageDataset p = ImageDatasets.open(cfg(Images.Format.IDX, plain).build(), 0);
    ImageDataset g = ImageDatasets.open(cfg(Images.Format.IDX, gz).build(), 0);
    assertExact(p, 4, 28);
    assertExact(g, 4, 28);
    assertThat(p.describe()).isEqualTo("IDX " + plain + ": 4 x 28x28x1");
    // values span [-1, 1]: byte 0 -> -1, 255 -> 1
    float[] all = new float[4 * 784];
    for (int i = 0; i < 4; i++) {
      p.copyTo(i, all, i * 784);
    }
    assertThat(all).contains(-1f, 1f);
    // copyTo honours the offset
    float[] dst = new float[784 + 3];
    p.copyTo(2, dst, 3);
    assertThat(Arrays.copyOfRange(dst, 3, 787)).containsExactly(example(p, 2));
  }

  @Test
  void directoryFindsTrainImagesAndLabels() throws Exception {
    Path dir = tmp.resolve("fmnist");
    Fixtures.writeIdxImages(dir.resolve("train-images-idx3-ubyte.gz"), 3, 28, 28, true);
    Fixtures.writeIdxImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 2, 28, 28, true);
    Files.write(dir.resolve("train-labels-idx1-ubyte.gz"),
        Fixtures.gzip(Fixtures.idxBytes(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {9, 0, (byte) 200})));
    ImageDataset ds = ImageDatasets.open(cfg(Images.Format.IDX, dir).build(), 0);
    assertExact(ds, 3, 28);
    Path images = Idx.imagesFile(dir);
    assertThat(images).isEqualTo(dir.resolve("train-images-idx3-ubyte.gz"));
    Path labels = Idx.labelsFileFor(images);
    assertThat(labels).isEqualTo(dir.resolve("train-labels-idx1-ubyte.gz"));
    assertThat(Idx.readLabels(labels)).containsExactly(9, 0, 200);
    Idx.Images raw = Idx.readImages(dir.resolve("t10k-images-idx3-ubyte.gz"));
    assertThat(new int[] {raw.n(), raw.rows(), raw.cols()}).containsExactly(2, 28, 28);
    assertThat(raw.data()).containsExactly(Fixtures.idxPixels(2, 28, 28));
  }

  @Test
  void limitAndResize() throws Exception {
    Path f = tmp.resolve("train-images-idx3-ubyte");
    byte[] data = new byte[5 * 784];
    Arrays.fill(data, (byte) 90);
    Files.write(f, Fixtures.idxBytes(Idx.IMAGES_MAGIC, new int[] {5, 28, 28}, data));
    ImageDataset ds = ImageDatasets.open(cfg(Images.Format.IDX, f).setLimit(2).setSize(14).build(), 0);
    assertThat(ds.size()).isEqualTo(2);
    assertThat(ds.height()).isEqualTo(14);
    assertThat(ds.describe()).contains("2 x 14x14x1", "resized from 28x28");
    float[] px = example(ds, 1);
    assertThat(px).hasSize(196);
    for (float v : px) {
      assertThat(v).isEqualTo(90 / 127.5f - 1f);
    }
    ImageDataset up = ImageDatasets.open(cfg(Images.Format.IDX, f).setSize(32).build(), 0);
    assertThat(up.size()).isEqualTo(5);
    assertThat(example(up, 4)).hasSize(1024).containsOnly(90 / 127.5f - 1f);
  }

  @Test
  void truncatedFilesSayExpectedAndActualBytes() throws Exception {
    byte[] full = Fixtures.idxBytes(Idx.IMAGES_MAGIC, new int[] {3, 28, 28}, Fixtures.idxPixels(3, 28, 28));
    Path plain = tmp.resolve("cut");
    Files.write(plain, Arrays.copyOf(full, full.length - 100));
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.IDX, plain).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining(plain.toString())
        .hasMessageContaining("truncated")
        .hasMessageContaining("announces " + full.length + " bytes")
        .hasMessageContaining("holds " + (full.length - 100));
    // a complete gzip stream of a short file
    Path gzShort = tmp.resolve("cut2.gz");
    Files.write(gzShort, Fixtures.gzip(Arrays.copyOf(full, full.length - 1)));
    assertThatThrownBy(() -> Idx.readImages(gzShort)).isInstanceOf(UserException.class)
        .hasMessageContaining("truncated").hasMessageContaining("holds " + (full.length - 1));
    // a gzip stream cut in the middle
    byte[] gz = Fixtures.gzip(full);
    Path gzCut = tmp.resolve("cut3.gz");
    Files.write(gzCut, Arrays.copyOf(gz, gz.length / 2));
    assertThatThrownBy(() -> Idx.readImages(gzCut)).isInstanceOf(UserException.class)
        .hasMessageContaining(gzCut.toString()).hasMessageContaining("truncated");
    // ... says how many bytes the cut stream still gives (it said 16, the header alone, before)
    long recoverable = 0;
    try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(gzCut))) {
      while (in.read() >= 0) {
        recoverable++;
      }
    } catch (java.io.EOFException expected) {
      // the cut
    }
    assertThat(recoverable).isGreaterThan(16).isLessThan(full.length);
    assertThatThrownBy(() -> Idx.readImages(gzCut)).isInstanceOf(UserException.class)
        .hasMessageContaining("gzip stream ends early")
        .hasMessageContaining("announces " + full.length + " bytes, the file holds " + recoverable);
    // header only partly there
    Path tiny = tmp.resolve("tiny");
    Files.write(tiny, Arrays.copyOf(full, 6));
    assertThatThrownBy(() -> Idx.readImages(tiny)).isInstanceOf(UserException.class)
        .hasMessageContaining("shorter than its 16-byte header");
    // longer than the header says
    Path longer = tmp.resolve("longer");
    Files.write(longer, Arrays.copyOf(full, full.length + 5));
    assertThatThrownBy(() -> Idx.readImages(longer)).isInstanceOf(UserException.class)
        .hasMessageContaining("longer than its header");
    // truncated labels
    Path lab = tmp.resolve("labels");
    Files.write(lab, Fixtures.idxBytes(Idx.LABELS_MAGIC, new int[] {10}, new byte[7]));
    assertThatThrownBy(() -> Idx.readLabels(lab)).isInstanceOf(UserException.class)
        .hasMessageContaining("truncated").hasMessageContaining("announces 18 bytes");
  }

  @Test
  void wrongMagicIsNamed() throws Exception {
    Path labels = tmp.resolve("train-labels-idx1-ubyte");
    Files.write(labels, Fixtures.idxBytes(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 2}));
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.IDX, labels).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining(labels.toString())
        .hasMessageContaining("magic number 0x00000801, expected 0x00000803 (this is a labels file)");
    Path images = Fixtures.writeIdxImages(tmp.resolve("img"), 1, 28, 28, false);
    assertThatThrownBy(() -> Idx.readLabels(images)).isInstanceOf(UserException.class)
        .hasMessageContaining("expected 0x00000801");
    Path png = tmp.resolve("x.png");
    Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    assertThatThrownBy(() -> Idx.readImages(png)).isInstanceOf(UserException.class)
        .hasMessageContaining("magic number 0x89504e47");
  }

  @Test
  void missingDataSaysWhereToGetIt() {
    Path nowhere = tmp.resolve("nope");
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.IDX, nowhere).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("data.images.path")
        .hasMessageContaining(nowhere.toString())
        .hasMessageContaining("apt-get install dataset-fashion-mnist")
        .hasMessageContaining("https://github.com/zalandoresearch/fashion-mnist");
    assertThatThrownBy(() -> ImageDatasets.open(cfg(Images.Format.IDX, tmp).build(), 0))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("no train-images-idx3-ubyte.gz or train-images-idx3-ubyte")
        .hasMessageContaining("apt-get install dataset-fashion-mnist");
  }

  @Test
  void debianFashionMnistWhenInstalled() {
    Path dir = Path.of(ImageDatasets.DEFAULT_IDX_PATH);
    Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")),
        "dataset-fashion-mnist is not installed");
    Images c = Images.getDefaultInstance();
    assertThat(ImageDatasets.resolvedSize(c)).isEqualTo(28);
    assertThat(ImageDatasets.resolvedChannels(c)).isEqualTo(1);
    ImageDataset ds = ImageDatasets.open(c, 0);
    assertThat(ds.size()).isEqualTo(60000);
    assertThat(new int[] {ds.height(), ds.width(), ds.channels()}).containsExactly(28, 28, 1);
    assertThat(ds.describe()).isEqualTo("IDX " + dir.resolve("train-images-idx3-ubyte.gz") + ": 60000 x 28x28x1");
    assertThat(Idx.readLabels(Idx.labelsFileFor(Idx.imagesFile(dir)))).hasSize(60000).containsOnly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }
}
