package org.bgan.data.images;

/**
 * A fixed set of square images held in memory as 8-bit samples, handed out as float32 HWC in
 * [-1, 1]. Implementations are immutable once opened and safe to read from several threads.
 */
public interface ImageDataset {
  /** Number of examples. */
  int size();

  int height();

  int width();

  /** 1 (grey) or 3 (RGB). */
  int channels();

  /**
   * Writes example {@code index} as float32 HWC, value = byte / 127.5f - 1f (so in [-1, 1]), into
   * {@code dst} starting at {@code off}; {@code height() * width() * channels()} values.
   */
  void copyTo(int index, float[] dst, int off);

  /** One line for logs, e.g. "IDX /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz: 60000 x 28x28x1". */
  String describe();
}
