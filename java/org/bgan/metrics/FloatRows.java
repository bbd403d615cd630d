package org.bgan.metrics;

/** A read-only matrix of float rows (features or logits), in memory or memory-mapped from a file. */
public interface FloatRows {
  int rows();

  int cols();

  /** Copies row {@code r} into {@code out[offset, offset + cols())}. */
  void row(int r, float[] out, int offset);

  /** An in-memory row-major matrix. */
  static FloatRows of(float[] data, int rows, int cols) {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException(data.length + " values are not " + rows + "x" + cols);
    }
    return new FloatRows() {
      @Override
      public int rows() {
        return rows;
      }

      @Override
      public int cols() {
        return cols;
      }

      @Override
      public void row(int r, float[] out, int offset) {
        System.arraycopy(data, r * cols, out, offset, cols);
      }
    };
  }
}
