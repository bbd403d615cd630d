package org.bgan.metrics;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * 2-D {@code .npy} feature files (N×d) without loading them on the heap: {@link #open} memory-maps a
 * little-endian float32 C-order file (other types are converted into memory), and {@link Writer}
 * streams rows to a new file whose header is rewritten in place with the final row count.
 */
public final class NpyFloatFile implements FloatRows, AutoCloseable {
  private final int rows;
  private final int cols;
  private final List<ByteBuffer> chunks = new ArrayList<>();
  private final int rowsPerChunk;
  private final float[] inMemory;

  private NpyFloatFile(int rows, int cols, int rowsPerChunk, float[] inMemory) {
    this.rows = rows;
    this.cols = cols;
    this.rowsPerChunk = rowsPerChunk;
    this.inMemory = inMemory;
  }

  /** Opens a 2-D {@code .npy} file of features (rows = samples). */
  public static NpyFloatFile open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new MetricInputException(file + ": no such file");
    }
    Npy.Header h;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      h = Npy.readHeader(new DataInputStream(in), file.toString());
    }
    int[] shape = h.shape();
    if (shape.length != 2) {
      throw new MetricInputException(file + ": a feature file must be 2-D (samples x features), its shape is "
          + NpyArray.shapeString(shape));
    }
    int rows = shape[0];
    int cols = shape[1];
    long expected = h.length() + (long) rows * cols * h.itemSize();
    long actual = Files.size(file);
    if (actual < expected) {
      throw new MetricInputException(file + ": truncated .npy data (" + actual + " bytes, expected "
          + expected + ")");
    }
    if (h.descr().equals("<f4") && !h.fortranOrder() && cols > 0) {
      int rowsPerChunk = Math.max(1, (1 << 30) / (cols * 4));
      NpyFloatFile f = new NpyFloatFile(rows, cols, rowsPerChunk, null);
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
          FileChannel ch = raf.getChannel()) {
        for (int r0 = 0; r0 < rows; r0 += rowsPerChunk) {
          int n = Math.min(rowsPerChunk, rows - r0);
          MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY,
              h.length() + (long) r0 * cols * 4, (long) n * cols * 4);
          f.chunks.add(m.order(ByteOrder.LITTLE_ENDIAN));
        }
      }
      return f;
    }
    NpyArray a;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      a = Npy.read(in, file.toString());
    }
    return new NpyFloatFile(rows, cols, 0, a.toFloats());
  }

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
    if (r < 0 || r >= rows) {
      throw new IndexOutOfBoundsException("row " + r + " of " + rows);
    }
    if (inMemory != null) {
      System.arraycopy(inMemory, r * cols, out, offset, cols);
      return;
    }
    ByteBuffer b = chunks.get(r / rowsPerChunk).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.position((r % rowsPerChunk) * cols * 4);
    b.asFloatBuffer().get(out, offset, cols);
  }

  @Override
  public void close() {
    chunks.clear();
  }

  /**
   * Streams float32 rows of width {@code cols} to a {@code .npy} file. The file is written under a
   * temporary name next to the target and renamed into place by {@link #commit()}; {@link #close()}
   * without commit deletes it.
   */
  public static final class Writer implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final int cols;
    private final RandomAccessFile raf;
    private final FileChannel channel;
    private final int headerLength;
    private long rows;
    private boolean committed;

    public Writer(Path target, int cols) throws IOException {
      this(target, cols, true);
    }

    /** With {@code checkTarget} false the target may be a temporary file that already exists. */
    public Writer(Path target, int cols, boolean checkTarget) throws IOException {
      if (checkTarget && Files.exists(target)) {
        throw new MetricInputException(target + ": already exists (refusing to overwrite)");
      }
      this.target = target;
      this.cols = cols;
      Path dir = target.toAbsolutePath().getParent();
      this.tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
      byte[] header = Npy.header("<f4", new int[] {0, cols});
      this.headerLength = header.length;
      RandomAccessFile f = null;
      try {
        f = new RandomAccessFile(tmp.toFile(), "rw");
        f.getChannel().write(ByteBuffer.wrap(header));
      } catch (IOException | RuntimeException e) {
        // the caller gets no writer to close: the temporary file is removed here (a full disk left it)
        if (f != null) {
          f.close();
        }
        Files.deleteIfExists(tmp);
        if (e instanceof IOException io) {
          throw named(io);
        }
        throw (RuntimeException) e;
      }
      this.raf = f;
      this.channel = f.getChannel();
    }

    /** "No space left on device" alone names no file: the target's name is added. */
    private IOException named(IOException e) {
      return e instanceof java.nio.file.FileSystemException ? e : org.bgan.util.AtomicFiles.named(target, e);
    }

    /** Appends {@code n} rows from {@code data} (row-major, starting at offset 0). */
    public void append(float[] data, int n) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(n * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(data, 0, n * cols);
      try {
        while (b.hasRemaining()) {
          channel.write(b);
        }
      } catch (IOException e) {
        throw named(e);
      }
      rows += n;
    }

    public long rows() {
      return rows;
    }

    /** Rewrites the header with the final row count and renames the file into place. */
    public void commit(boolean replace) throws IOException {
      byte[] header = Npy.header("<f4", new int[] {Math.toIntExact(rows), cols});
      if (header.length != headerLength) {
        throw new IllegalStateException("npy header length changed");
      }
      try {
        channel.write(ByteBuffer.wrap(header), 0);
        channel.force(false);
        channel.close();
        raf.close();
      } catch (IOException e) {
        throw named(e);
      }
      org.bgan.util.AtomicFiles.shareable(tmp);
      if (replace) {
        org.bgan.util.AtomicFiles.move(tmp, target);
      } else {
        Npz.moveNoReplace(tmp, target);
      }
      committed = true;
    }

    @Override
    public void close() throws IOException {
      if (!committed) {
        channel.close();
        raf.close();
        Files.deleteIfExists(tmp);
      }
    }
  }
}
