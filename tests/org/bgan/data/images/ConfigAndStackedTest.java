package org.bgan.data.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bgan.data.images.Fixtures.cfg;
import static org.bgan.data.images.Fixtures.example;

import java.nio.file.Path;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigAndStackedTest {
  @TempDir Path tmp;

  private static Images.Builder random() {
    return Images.newBuilder().setFormat(Images.Format.RANDOM);
  }

  @Test
  void badFieldsNameTheField() {
    Object[][] cases = {
        {random().setSize(4), "data.images.size must be 0 (the format's native size) or in [8, 1024], got 4"},
        {random().setSize(2048), "data.images.size"},
        {random().setLimit(-1), "data.images.limit must be >= 0 (0: all examples), got -1"},
        {random().setPrefetch(0), "data.images.prefetch must be >= 1, got 0"},
        {random().setChannels(2), "data.images.channels must be 1 or 3, got 2"},
        {random().setRandomExamples(0), "data.images.random_examples must be >= 1, got 0"},
        {Images.newBuilder().setFormat(Images.Format.CIFAR10).setChannels(1), "data.images.channels is for format RANDOM"},
        {Images.newBuilder().setFormat(Images.Format.CIFAR10).setStacked(true), "data.images.stacked needs a grey dataset"},
        {random().setStacked(true), "RANDOM with channels: 3 is colour"},
    };
    for (Object[] c : cases) {
      Images cfg = ((Images.Builder) c[0]).build();
      assertThatThrownBy(() -> ImageDatasets.open(cfg, 0)).isInstanceOf(UserException.class)
          .hasMessageStartingWith("config: ").hasMessageContaining((String) c[1]);
      assertThatThrownBy(() -> ImageDatasets.resolvedSize(cfg)).isInstanceOf(UserException.class);
    }
    // channels: 1 on IDX agrees with the format: accepted
    assertThat(ImageDatasets.resolvedChannels(Images.newBuilder().setChannels(1).build())).isEqualTo(1);
  }

  @Test
  void resolvedSizesAndChannels() {
    int[][] want = {{28, 1}, {32, 3}, {48, 3}, {64, 3}, {32, 3}};
    Images.Format[] f = {Images.Format.IDX, Images.Format.CIFAR10, Images.Format.STL10, Images.Format.FOLDER,
        Images.Format.RANDOM};
    for (int k = 0; k < f.length; k++) {
      Images c = Images.newBuilder().setFormat(f[k]).build();
      assertThat(new int[] {ImageDatasets.resolvedSize(c), ImageDatasets.resolvedChannels(c)}).containsExactly(want[k]);
    }
    assertThat(ImageDatasets.resolvedSize(random().setSize(40).build())).isEqualTo(40);
    assertThat(ImageDatasets.resolvedChannels(random().setChannels(1).build())).isEqualTo(1);
    assertThat(ImageDatasets.resolvedChannels(Images.newBuilder().setStacked(true).build())).isEqualTo(3);
    assertThat(ImageDatasets.resolvedChannels(random().setChannels(1).setStacked(true).build())).isEqualTo(3);
  }

  @Test
  void randomIsUniformAndSeeded() {
    ImageDataset a = ImageDatasets.open(random().setSize(16).setChannels(1).setRandomExamples(7).build(), 5);
    ImageDataset b = ImageDatasets.open(random().setSize(16).setChannels(1).setRandomExamples(7).build(), 5);
    ImageDataset c = ImageDatasets.open(random().setSize(16).setChannels(1).setRandomExamples(7).build(), 6);
    assertThat(new int[] {a.size(), a.height(), a.width(), a.channels()}).containsExactly(7, 16, 16, 1);
    assertThat(example(a, 6)).containsExactly(example(b, 6));
    assertThat(example(a, 6)).isNotEqualTo(example(c, 6));
    assertThat(example(a, 0)).isNotEqualTo(example(a, 1));
    double sum = 0;
    for (int i = 0; i < 7; i++) {
      for (float v : example(a, i)) {
        assertThat(v).isBetween(-1f, 1f);
        sum += v;
      }
    }
    assertThat(sum / (7 * 256)).isBetween(-0.1, 0.1);
    ImageDataset limited = ImageDatasets.open(random().setLimit(3).build(), 0);
    assertThat(limited.size()).isEqualTo(3);
    assertThat(limited.describe()).isEqualTo("RANDOM seed 0: 3 x 32x32x3");
  }

  @Test
  void stackedChannelsAreTheComponentImages() throws Exception {
    Path f = Fixtures.writeIdxImages(tmp.resolve("train-images-idx3-ubyte"), 6, 28, 28, false);
    ImageDataset grey = ImageDatasets.open(cfg(Images.Format.IDX, f).build(), 0);
    ImageDataset ds = ImageDatasets.open(cfg(Images.Format.IDX, f).setStacked(true).build(), 9);
    assertThat(ds).isInstanceOf(StackedDataset.class);
    StackedDataset st = (StackedDataset) ds;
    assertThat(new int[] {ds.size(), ds.height(), ds.width(), ds.channels()}).containsExactly(6, 28, 28, 3);
    assertThat(ds.describe()).startsWith("stacked IDX " + f + ": 6 x 28x28x3");
    boolean mixed = false;
    for (int i = 0; i < 6; i++) {
      int[] comp = st.components(i);
      assertThat(comp).hasSize(3);
      assertThat(java.util.Arrays.stream(comp).allMatch(k -> k >= 0 && k < 6)).isTrue();
      assertThat(st.components(i)).containsExactly(comp); // fixed per i
      mixed |= comp[0] != comp[1] || comp[1] != comp[2];
      float[] rgb = example(ds, i);
      for (int ch = 0; ch < 3; ch++) {
        float[] src = example(grey, comp[ch]);
        for (int p = 0; p < 784; p++) {
          assertThat(rgb[p * 3 + ch]).isEqualTo(src[p]);
        }
      }
    }
    assertThat(mixed).isTrue();
    // same seed, same triples; another seed, other triples; limit counts stacked examples
    StackedDataset again = (StackedDataset) ImageDatasets.open(cfg(Images.Format.IDX, f).setStacked(true).build(), 9);
    StackedDataset other = (StackedDataset) ImageDatasets.open(cfg(Images.Format.IDX, f).setStacked(true).build(), 10);
    int differ = 0;
    for (int i = 0; i < 6; i++) {
      assertThat(again.components(i)).containsExactly(st.components(i));
      differ += java.util.Arrays.equals(other.components(i), st.components(i)) ? 0 : 1;
    }
    assertThat(differ).isPositive();
    ImageDataset lim = ImageDatasets.open(cfg(Images.Format.IDX, f).setStacked(true).setLimit(2).build(), 9);
    assertThat(lim.size()).isEqualTo(2);
    assertThat(((StackedDataset) lim).components(1)).containsExactly(st.components(1));
  }

  @Test
  void stackingRandomGrey() {
    ImageDataset ds = ImageDatasets.open(random().setChannels(1).setStacked(true).setSize(8).build(), 1);
    assertThat(ds.channels()).isEqualTo(3);
    assertThat(ds.size()).isEqualTo(512);
  }
}
