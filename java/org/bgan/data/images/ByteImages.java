package org.bgan.data.images;

/**
 * Images stored as unsigned bytes, HWC, in chunks of at most 1 GiB (so that e.g. CelebA at 64x64,
 * 2.5 GB, fits although one Java array cannot hold it).
 */
final class ByteImages implements ImageDataset {
  private static final int CHUNK_BYTES = 1 << 30;
  /** byte value b (unsigned) to b / 127.5f - 1f. */
  static final float[] TO_FLOAT = new float[256];

  static {
    for (int b = 0; b < 256; b++) {
      TO_FLOAT[b] = b / 127.5f - 1f;
    }
  }

  private final int n;
  private final int h;
  private final int w;
  private final int c;
  private final int exampleBytes;
  private final int perChunk;
  private final byte[][] chunks;
  private String description = "";

  /** Zero-filled storage for n examples of h x w x c. */
  ByteImages(int n, int h, int w, int c) {
    this.n = n;
    this.h = h;
    this.w = w;
    this.c = c;
    this.exampleBytes = h * w * c;
    this.perChunk = Math.max(1, CHUNK_BYTES / exampleBytes);
    int nChunks = (int) ((n + (long) perChunk - 1) / perChunk);
    this.chunks = new byte[nChunks][];
    for (int k = 0; k < nChunks; k++) {
      int count = Math.min(perChunk, n - k * perChunk);
      chunks[k] = new byte[count * exampleBytes];
    }
  }

  /** Wraps the first n examples of {@code data} (no copy when it holds exactly n). */
  static ByteImages wrap(byte[] data, int n, int h, int w, int c) {
    long need = (long) n * h * w * c;
    if (need > CHUNK_BYTES) {
      ByteImages out = new ByteImages(n, h, w, c);
      for (int i = 0; i < n; i++) {
        out.put(i, data, i * h * w * c);
      }
      return out;
    }
    return new ByteImages(n, h, w, c, data.length == need ? data : java.util.Arrays.copyOf(data, (int) need));
  }

  private ByteImages(int n, int h, int w, int c, byte[] data) {
    this.n = n;
    this.h = h;
    this.w = w;
    this.c = c;
    this.exampleBytes = h * w * c;
    this.perChunk = Math.max(1, n);
    this.chunks = new byte[][] {data};
  }

  ByteImages describedAs(String d) {
    this.description = d;
    return this;
  }

  /** Stores example i from src[off ..]. */
  void put(int i, byte[] src, int off) {
    System.arraycopy(src, off, chunks[i / perChunk], (i % perChunk) * exampleBytes, exampleBytes);
  }

  /** The unsigned sample at (y, x, ch) of example i. */
  int sample(int i, int pos) {
    return chunks[i / perChunk][(i % perChunk) * exampleBytes + pos] & 0xff;
  }

  @Override
  public int size() {
    return n;
  }

  @Override
  public int height() {
    return h;
  }

  @Override
  public int width() {
    return w;
  }

  @Override
  public int channels() {
    return c;
  }

  @Override
  public void copyTo(int index, float[] dst, int off) {
    if (index < 0 || index >= n) {
      throw new IndexOutOfBoundsException("example " + index + " of " + n);
    }
    byte[] chunk = chunks[index / perChunk];
    int base = (index % perChunk) * exampleBytes;
    for (int k = 0; k < exampleBytes; k++) {
      dst[off + k] = TO_FLOAT[chunk[base + k] & 0xff];
    }
  }

  @Override
  public String describe() {
    return description;
  }

  /**
   * The number of whole fixed-size records in a binary dataset file; an error naming the file when it
   * is empty or ends part-way through a record (a truncated download), with where to get the data.
   */
  static long wholeRecords(java.nio.file.Path f, int record, String format, String unit, String where) {
    long len;
    try {
      len = java.nio.file.Files.size(f);
    } catch (java.io.IOException e) {
      throw new org.bgan.util.UserException(f + ": cannot read: " + e, e);
    }
    if (len == 0 || len % record != 0) {
      throw new org.bgan.util.UserException(f + ": not " + format + " or truncated: " + len
          + " bytes is not a positive multiple of the " + record + "-byte " + unit + " (" + (len / record) + " whole "
          + unit + "s and " + (len % record) + " bytes over); " + where);
    }
    return len / record;
  }
}
