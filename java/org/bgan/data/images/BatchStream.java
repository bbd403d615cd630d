package org.bgan.data.images;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bgan.util.UserException;

/**
 * Shuffled batches, deterministic in (seed, batch index). Batch k holds the examples at positions
 * [k*B, (k+1)*B) of the infinite sequence formed by concatenating per-epoch permutations of the
 * dataset, epoch e permuted by Fisher-Yates with a SplitMix64 generator seeded from (seed, e); a
 * batch may span two epochs. A daemon thread keeps {@code prefetch} batches decoded ahead. Starting
 * at {@code firstBatch} gives exactly the batches an uninterrupted stream would have given from that
 * index on (for --resume).
 */
public final class BatchStream implements AutoCloseable {
  private record Item(float[] batch, Throwable failure) {}

  private final ImageDataset ds;
  private final int batchSize;
  private final long seed;
  private final BlockingQueue<Item> queue;
  private final Thread producer;
  private volatile boolean closed;
  private long nextIndex;
  private Throwable failure;

  public BatchStream(ImageDataset ds, int batchSize, long seed, long firstBatch, int prefetch) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (prefetch < 1) {
      throw new IllegalArgumentException("prefetch must be >= 1, got " + prefetch);
    }
    if (firstBatch < 0) {
      throw new IllegalArgumentException("firstBatch must be >= 0, got " + firstBatch);
    }
    if (ds.size() < 1) {
      throw new IllegalArgumentException("empty dataset: " + ds.describe());
    }
    this.ds = ds;
    this.batchSize = batchSize;
    this.seed = seed;
    this.nextIndex = firstBatch;
    this.queue = new ArrayBlockingQueue<>(prefetch);
    this.producer = new Thread(() -> produce(firstBatch), "bgan-batch-stream");
    producer.setDaemon(true);
    producer.start();
  }

  /** Permutations of one epoch at a time, for one thread. */
  private static final class Order {
    private final int n;
    private final long seed;
    private long epoch = -1;
    private int[] perm;

    Order(int n, long seed) {
      this.n = n;
      this.seed = seed;
    }

    int at(long pos) {
      long e = pos / n;
      if (e != epoch) {
        perm = Rng.permutation(n, Rng.mix(seed, e));
        epoch = e;
      }
      return perm[(int) (pos % n)];
    }
  }

  /** The example indices of batch k: a pure function of the dataset size, batch size, seed and k. */
  static int[] indices(int n, int batchSize, long seed, long k) {
    return indices(new Order(n, seed), batchSize, k);
  }

  private static int[] indices(Order order, int batchSize, long k) {
    int[] out = new int[batchSize];
    for (int j = 0; j < batchSize; j++) {
      out[j] = order.at(k * batchSize + j);
    }
    return out;
  }

  private void produce(long first) {
    int per = ds.height() * ds.width() * ds.channels();
    Order order = new Order(ds.size(), seed);
    try {
      for (long k = first; !closed; k++) {
        int[] idx = indices(order, batchSize, k);
        float[] batch = new float[batchSize * per];
        for (int j = 0; j < batchSize; j++) {
          ds.copyTo(idx[j], batch, j * per);
        }
        queue.put(new Item(batch, null));
      }
    } catch (InterruptedException e) {
      // closed
    } catch (Throwable t) {
      try {
        queue.put(new Item(null, t));
      } catch (InterruptedException e) {
        // closed
      }
    }
  }

  /** The next batch, float[batchSize * H * W * C] NHWC; rethrows a producer failure (unchecked). */
  public float[] next() {
    if (closed) {
      throw new IllegalStateException("batch stream closed");
    }
    if (failure != null) {
      throw rethrow(failure);
    }
    try {
      while (true) {
        Item it = queue.poll(200, TimeUnit.MILLISECONDS);
        if (it != null) {
          if (it.failure() != null) {
            failure = it.failure();
            throw rethrow(failure);
          }
          nextIndex++;
          return it.batch();
        }
        if (!producer.isAlive() && queue.isEmpty()) {
          failure = new IllegalStateException("the batch producer thread ended without a batch");
          throw rethrow(failure);
        }
        if (closed) {
          throw new IllegalStateException("batch stream closed");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a batch", e);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof UserException u) {
      return new UserException(u.getMessage(), u);
    }
    return new IllegalStateException("loading batch failed: " + t, t);
  }

  /** Index of the batch the next call to {@link #next()} returns. */
  public long nextIndex() {
    return nextIndex;
  }

  /** Stops the producer thread (waits for it up to a few seconds). */
  @Override
  public void close() {
    closed = true;
    producer.interrupt();
    queue.clear();
    try {
      producer.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** For tests. */
  boolean producerAlive() {
    return producer.isAlive();
  }
}
