package org.bgan.data.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The balanced labelled subset, the labelled batches and the IDX label files of semi-supervised runs. */
class LabelledSubsetTest {
  @TempDir Path tmp;

  // 3 classes: class 0 at 0, 3, 6, 9 (4 examples), class 1 at 1, 4, 7 (3), class 2 at 2, 5, 8, 10, 11 (5)
  private static final int[] LABELS = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 2, 2};

  @Test
  void subsetIsBalancedSortedAndDeterministic() {
    int[] a = LabelledSubset.select(LABELS, LABELS.length, 3, 2, 7, "labels");
    assertThat(a).hasSize(6).isSorted().doesNotHaveDuplicates();
    Map<Integer, Integer> perClass = new HashMap<>();
    for (int i : a) {
      perClass.merge(LABELS[i], 1, Integer::sum);
    }
    assertThat(perClass).containsOnly(Map.entry(0, 2), Map.entry(1, 2), Map.entry(2, 2));
    assertThat(LabelledSubset.select(LABELS, LABELS.length, 3, 2, 7, "labels")).containsExactly(a);
    // all of a class when labels_per_class equals its count
    int[] all = LabelledSubset.select(LABELS, LABELS.length, 3, 3, 1, "labels");
    assertThat(Arrays.stream(all).filter(i -> LABELS[i] == 1).toArray()).containsExactly(1, 4, 7);
    // the seed matters: over 20 seeds the subsets are not all the same
    Set<String> seen = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      seen.add(Arrays.toString(LabelledSubset.select(LABELS, LABELS.length, 3, 2, seed, "labels")));
    }
    assertThat(seen.size()).isGreaterThan(5);
    // only the first n examples are candidates (data.images.limit)
    int[] first6 = LabelledSubset.select(LABELS, 6, 3, 2, 7, "labels");
    assertThat(first6).containsExactly(0, 1, 2, 3, 4, 5);
  }

  @Test
  void eachExampleOfAClassIsChosenWithEqualProbability() {
    // Class 2 has 5 examples and 2 are kept: each should be chosen with probability 2/5 over seeds.
    // 4000 seeds: s.e. sqrt(0.4·0.6/4000) = 0.0077, so ±0.035 is 4.5 s.e.
    int[] counts = new int[LABELS.length];
    int trials = 4000;
    for (long seed = 0; seed < trials; seed++) {
      for (int i : LabelledSubset.select(LABELS, LABELS.length, 3, 2, seed, "labels")) {
        counts[i]++;
      }
    }
    for (int i : new int[] {2, 5, 8, 10, 11}) {
      assertThat(counts[i] / (double) trials).as("example %d", i).isCloseTo(0.4, within(0.035));
    }
    for (int i : new int[] {1, 4, 7}) {
      assertThat(counts[i] / (double) trials).as("example %d", i).isCloseTo(2.0 / 3, within(0.035));
    }
  }

  @Test
  void tooFewExamplesOrALabelOutsideTheClassesAreUserErrors() {
    assertThatThrownBy(() -> LabelledSubset.select(LABELS, LABELS.length, 3, 4, 0, "train-labels.gz"))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("semi_supervised.labels_per_class is 4")
        .hasMessageContaining("class 1 has only 3 examples")
        .hasMessageContaining("train-labels.gz");
    assertThatThrownBy(() -> LabelledSubset.select(LABELS, LABELS.length, 2, 1, 0, "train-labels.gz"))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("train-labels.gz: example 2 has label 2, outside [0, 2)")
        .hasMessageContaining("semi_supervised.classes is 2");
  }

  /** 12 images of 4x4 whose pixel bytes are all equal to 10·i (example i), so a batch's images name their indices. */
  private static ImageDataset indexImages() {
    ByteImages b = new ByteImages(LABELS.length, 4, 4, 1);
    for (int i = 0; i < LABELS.length; i++) {
      byte[] px = new byte[16];
      Arrays.fill(px, (byte) (10 * i));
      b.put(i, px, 0);
    }
    return b;
  }

  private static int indexOf(float[] px, int j) {
    return Fixtures.toByte(px[j * 16]) / 10;
  }

  @Test
  void labelledBatchesCycleThroughTheSubsetPerEpochAndArePureFunctionsOfTheIndex() {
    ImageDataset ds = indexImages();
    int[] subset = {1, 2, 4, 6, 9, 11};
    LabelledBatches lb = new LabelledBatches(ds, subset, LABELS, 3, 5);
    // subset of 6, batches of 3: batches 2e and 2e+1 together are one epoch, each example once
    for (int epoch = 0; epoch < 3; epoch++) {
      Set<Integer> seen = new HashSet<>();
      for (int k = 2 * epoch; k < 2 * epoch + 2; k++) {
        LabelledBatches.Batch b = lb.batch(k);
        for (int j = 0; j < 3; j++) {
          int i = indexOf(b.pixels(), j);
          assertThat(b.labels()[j]).as("label of example %d", i).isEqualTo(LABELS[i]);
          seen.add(i);
        }
      }
      assertThat(seen).containsExactlyInAnyOrder(1, 2, 4, 6, 9, 11);
    }
    // a fresh instance (a resumed run) gives the same batch k, in any order of asking
    LabelledBatches again = new LabelledBatches(ds, subset, LABELS, 3, 5);
    for (long k : new long[] {7, 0, 3}) {
      assertThat(again.batch(k).pixels()).containsExactly(lb.batch(k).pixels());
      assertThat(again.batch(k).labels()).containsExactly(lb.batch(k).labels());
    }
    // the order depends on the training seed
    boolean differs = false;
    LabelledBatches other = new LabelledBatches(ds, subset, LABELS, 3, 6);
    for (long k = 0; k < 4; k++) {
      differs |= !Arrays.equals(other.batch(k).labels(), lb.batch(k).labels())
          || !Arrays.equals(other.batch(k).pixels(), lb.batch(k).pixels());
    }
    assertThat(differs).isTrue();
  }

  private Path labelsFile(Path file, int[] labels, boolean gz) throws Exception {
    byte[] b = new byte[labels.length];
    for (int i = 0; i < labels.length; i++) {
      b[i] = (byte) labels[i];
    }
    byte[] raw = Fixtures.idxBytes(Idx.LABELS_MAGIC, new int[] {labels.length}, b);
    Files.createDirectories(file.getParent());
    Files.write(file, gz ? Fixtures.gzip(raw) : raw);
    return file;
  }

  @Test
  void labelFilesAreFoundBesideTheImagesGzippedOrNotAndMissingOnesAreNamed() throws Exception {
    Path dir = tmp.resolve("fm");
    Fixtures.writeIdxImages(dir.resolve("train-images-idx3-ubyte.gz"), 3, 8, 8, true);
    Images cfg = Fixtures.cfg(Images.Format.IDX, dir).build();
    ImageDataset ds = ImageDatasets.open(cfg, 0);
    assertThatThrownBy(() -> LabelledIdx.train(cfg, ds))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("data.images.path")
        .hasMessageContaining(dir.resolve("train-labels-idx1-ubyte").toString());
    // plain labels beside gzipped images
    labelsFile(dir.resolve("train-labels-idx1-ubyte"), new int[] {4, 0, 7}, false);
    LabelledIdx.Split s = LabelledIdx.train(cfg, ds);
    assertThat(s.labels()).containsExactly(4, 0, 7);
    assertThat(s.labelsFile()).isEqualTo(dir.resolve("train-labels-idx1-ubyte"));
    // test split: missing images, then missing labels, then found (with the training size)
    assertThatThrownBy(() -> LabelledIdx.test(cfg, "", 0))
        .isInstanceOf(UserException.class).hasMessageContaining("semi_supervised.test_path").hasMessageContaining("t10k-images-idx3-ubyte");
    Fixtures.writeIdxImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 2, 8, 8, true);
    assertThatThrownBy(() -> LabelledIdx.test(cfg, "", 0))
        .isInstanceOf(UserException.class).hasMessageContaining("semi_supervised.test_path").hasMessageContaining("t10k-labels-idx1-ubyte");
    labelsFile(dir.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {1, 2}, true);
    LabelledIdx.Split t = LabelledIdx.test(cfg, "", 0);
    assertThat(t.labels()).containsExactly(1, 2);
    assertThat(t.images().size()).isEqualTo(2);
    assertThat(LabelledIdx.test(cfg, dir.resolve("t10k-images-idx3-ubyte.gz").toString(), 1).images().size()).isEqualTo(1);
    assertThatThrownBy(() -> LabelledIdx.test(cfg, tmp.resolve("nowhere").toString(), 0))
        .isInstanceOf(UserException.class).hasMessageContaining("semi_supervised.test_path: " + tmp.resolve("nowhere"));
    // a label count that does not match the images
    labelsFile(dir.resolve("train-labels-idx1-ubyte"), new int[] {4, 0}, false);
    assertThatThrownBy(() -> LabelledIdx.train(cfg, ds))
        .isInstanceOf(UserException.class).hasMessageContaining("2 labels for the 3 images");
  }
}
