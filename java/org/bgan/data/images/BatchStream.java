package org.bgan.data.images;

/** TEMPORARY stand-in until the dataset branch merges (same API, no prefetch). */
public final class BatchStream implements AutoCloseable {
  private final ImageDataset ds;
  private final int batch;
  private long next;

  public BatchStream(ImageDataset ds, int batchSize, long seed, long firstBatch, int prefetch) {
    this.ds = ds;
    this.batch = batchSize;
    this.next = firstBatch;
  }

  public float[] next() {
    int per = ds.height() * ds.width() * ds.channels();
    float[] out = new float[batch * per];
    for (int i = 0; i < batch; i++) {
      ds.copyTo((int) ((next * batch + i) % ds.size()), out, i * per);
    }
    next++;
    return out;
  }

  public long nextIndex() {
    return next;
  }

  @Override
  public void close() {}
}
