package org.bgan.data.images;

/**
 * Batches of labelled examples drawn from a fixed subset of a dataset, deterministic in
 * (seed, batch index) exactly as {@link BatchStream}: batch k holds positions [kB, (k+1)B) of the
 * concatenated per-epoch permutations of the subset, so the k-th batch is the same whether a run
 * got there uninterrupted or resumed. Computed on demand (no thread): the subsets are small.
 */
public final class LabelledBatches {
  /** One batch: pixels float32 NHWC in [-1, 1] and their labels. */
  public record Batch(float[] pixels, int[] labels) {}

  private final ImageDataset ds;
  private final int[] subset;
  private final int[] labels;
  private final int batchSize;
  private final long seed;

  /**
   * @param subset indices into {@code ds} of the labelled examples
   * @param labels the label of every example of {@code ds} (read only at {@code subset})
   * @param trainSeed the run's seed; the order is seeded from it mixed with a constant of this class,
   *     so it differs from the unlabelled stream's order
   */
  public LabelledBatches(ImageDataset ds, int[] subset, int[] labels, int batchSize, long trainSeed) {
    if (subset.length < 1) {
      throw new IllegalArgumentException("empty labelled subset");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    for (int i : subset) {
      if (i < 0 || i >= ds.size() || i >= labels.length) {
        throw new IllegalArgumentException("subset index " + i + " outside the dataset (" + ds.size() + " examples)");
      }
    }
    this.ds = ds;
    this.subset = subset.clone();
    this.labels = labels;
    this.batchSize = batchSize;
    this.seed = Rng.mix(trainSeed, 0x5E41AB3L);
  }

  /** Positions in the subset of batch {@code k}'s examples. */
  int[] positions(long k) {
    return BatchStream.indices(subset.length, batchSize, seed, k);
  }

  /** Batch {@code k} (k >= 0). */
  public Batch batch(long k) {
    if (k < 0) {
      throw new IllegalArgumentException("batch index must be >= 0, got " + k);
    }
    int per = ds.height() * ds.width() * ds.channels();
    int[] pos = positions(k);
    float[] px = new float[batchSize * per];
    int[] y = new int[batchSize];
    for (int j = 0; j < batchSize; j++) {
      int i = subset[pos[j]];
      ds.copyTo(i, px, j * per);
      y[j] = labels[i];
    }
    return new Batch(px, y);
  }

  public int batchSize() {
    return batchSize;
  }

  /** Number of labelled examples. */
  public int size() {
    return subset.length;
  }
}
