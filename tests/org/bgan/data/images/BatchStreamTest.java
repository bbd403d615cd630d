package org.bgan.data.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;

class BatchStreamTest {
  /** n examples of 1x1x2 whose values are (index, -index); throws for index == failAt. */
  record Indexed(int n, int failAt) implements ImageDataset {
    public int size() {
      return n;
    }

    public int height() {
      return 1;
    }

    public int width() {
      return 1;
    }

    public int channels() {
      return 2; // not a real image channel count; fine for the stream
    }

    public void copyTo(int index, float[] dst, int off) {
      if (index == failAt) {
        throw new UserException("example " + index + " is broken");
      }
      dst[off] = index;
      dst[off + 1] = -index;
    }

    public String describe() {
      return "indexed " + n;
    }
  }

  /** A dataset whose copyTo fails with a non-user exception. */
  static final class Failing implements ImageDataset {
    public int size() {
      return 3;
    }

    public int height() {
      return 1;
    }

    public int width() {
      return 1;
    }

    public int channels() {
      return 1;
    }

    public void copyTo(int index, float[] dst, int off) {
      throw new ArrayIndexOutOfBoundsException("boom");
    }

    public String describe() {
      return "broken";
    }
  }

  private static List<int[]> take(BatchStream s, int batches) {
    List<int[]> out = new ArrayList<>();
    for (int k = 0; k < batches; k++) {
      float[] b = s.next();
      int[] idx = new int[b.length / 2];
      for (int j = 0; j < idx.length; j++) {
        idx[j] = (int) b[2 * j];
        assertThat(b[2 * j + 1]).isEqualTo(-b[2 * j]);
      }
      out.add(idx);
    }
    return out;
  }

  @Test
  void everyEpochIsAPermutation() {
    int n = 10;
    try (BatchStream s = new BatchStream(new Indexed(n, -1), 3, 42, 0, 2)) {
      assertThat(s.nextIndex()).isZero();
      List<int[]> batches = take(s, 10); // 30 examples = 3 epochs; batches 3 and 6 span two epochs
      assertThat(s.nextIndex()).isEqualTo(10);
      int[] flat = batches.stream().flatMapToInt(Arrays::stream).toArray();
      int[][] epochs = new int[3][];
      for (int e = 0; e < 3; e++) {
        epochs[e] = Arrays.copyOfRange(flat, e * n, (e + 1) * n);
        int[] sorted = epochs[e].clone();
        Arrays.sort(sorted);
        assertThat(sorted).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
      }
      assertThat(epochs[0]).isNotEqualTo(epochs[1]);
      assertThat(epochs[1]).isNotEqualTo(epochs[2]);
    }
  }

  @Test
  void deterministicPerSeedAndResumable() {
    Indexed ds = new Indexed(37, -1);
    List<int[]> a;
    List<int[]> b;
    List<int[]> c;
    try (BatchStream s1 = new BatchStream(ds, 8, 7, 0, 4);
        BatchStream s2 = new BatchStream(ds, 8, 7, 0, 1);
        BatchStream s3 = new BatchStream(ds, 8, 8, 0, 4)) {
      a = take(s1, 20);
      b = take(s2, 20);
      c = take(s3, 20);
    }
    for (int k = 0; k < 20; k++) {
      assertThat(b.get(k)).containsExactly(a.get(k));
    }
    int same = 0;
    for (int k = 0; k < 20; k++) {
      same += Arrays.equals(a.get(k), c.get(k)) ? 1 : 0;
    }
    assertThat(same).isZero();
    for (long first : new long[] {1, 5, 13}) {
      try (BatchStream r = new BatchStream(ds, 8, 7, first, 3)) {
        assertThat(r.nextIndex()).isEqualTo(first);
        List<int[]> rest = take(r, 20 - (int) first);
        for (int k = (int) first; k < 20; k++) {
          assertThat(rest.get(k - (int) first)).as("batch %d from %d", k, first).containsExactly(a.get(k));
        }
        assertThat(r.nextIndex()).isEqualTo(20);
      }
    }
  }

  @Test
  void realDatasetBatchesAreItsExamples() {
    Images cfg = Images.newBuilder().setFormat(Images.Format.RANDOM).setSize(8).setRandomExamples(5).build();
    ImageDataset ds = ImageDatasets.open(cfg, 3);
    try (BatchStream s = new BatchStream(ds, 4, 11, 2, 2)) {
      float[] b = s.next();
      assertThat(b).hasSize(4 * 8 * 8 * 3);
      int[] idx = BatchStream.indices(5, 4, 11, 2);
      for (int j = 0; j < 4; j++) {
        float[] want = Fixtures.example(ds, idx[j]);
        assertThat(Arrays.copyOfRange(b, j * 192, (j + 1) * 192)).containsExactly(want);
      }
    }
  }

  @Test
  void closeStopsTheThread() throws Exception {
    BatchStream s = new BatchStream(new Indexed(100, -1), 10, 1, 0, 2);
    s.next();
    Thread.sleep(50); // the producer now waits on a full queue
    assertThat(s.producerAlive()).isTrue();
    long t0 = System.nanoTime();
    s.close();
    assertThat(s.producerAlive()).isFalse();
    assertThat((System.nanoTime() - t0) / 1e6).isLessThan(1000);
    assertThatThrownBy(s::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    s.close(); // twice is fine
  }

  @Test
  void producerFailureReachesNext() {
    try (BatchStream s = new BatchStream(new Indexed(20, 13), 4, 5, 0, 2)) {
      assertThatThrownBy(() -> {
        for (int k = 0; k < 10; k++) {
          s.next();
        }
      }).isInstanceOf(UserException.class).hasMessageContaining("example 13 is broken");
      // and again, rather than hanging
      assertThatThrownBy(s::next).isInstanceOf(UserException.class).hasMessageContaining("example 13 is broken");
    }
    try (BatchStream s = new BatchStream(new Failing(), 2, 0, 0, 1)) {
      assertThatThrownBy(s::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("boom")
          .hasCauseInstanceOf(ArrayIndexOutOfBoundsException.class);
    }
  }
}
