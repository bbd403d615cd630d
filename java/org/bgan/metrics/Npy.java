package org.bgan.metrics;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reader and writer for numpy's {@code .npy} format (versions 1.0, 2.0 and 3.0). Written headers are
 * byte-for-byte those of numpy 1.24: the sorted-key dictionary, 21 − digits spare spaces after it (so
 * the first dimension can be rewritten in place) and space padding to a multiple of 64 bytes, ending in
 * a newline. Big-endian and Fortran-order arrays are converted on reading.
 */
public final class Npy {
  static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGN = 64;
  private static final int GROWTH_AXIS_MAX_DIGITS = 21;
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** The header bytes numpy writes for an array of this type and shape (version 1.0 if it fits). */
  static byte[] header(String descr, int[] shape) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': "
        + NpyArray.shapeString(shape) + ", }";
    if (shape.length > 0) {
      dict += " ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length());
    }
    byte[] h = dict.getBytes(StandardCharsets.ISO_8859_1);
    int hlen = h.length + 1;
    boolean v1 = true;
    int prefix = MAGIC.length + 2 + 2;
    int padlen = ALIGN - ((prefix + hlen) % ALIGN);
    if (hlen + padlen > 65535) {
      v1 = false;
      prefix = MAGIC.length + 2 + 4;
      padlen = ALIGN - ((prefix + hlen) % ALIGN);
    }
    ByteBuffer b = ByteBuffer.allocate(prefix + hlen + padlen).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC);
    b.put((byte) (v1 ? 1 : 2)).put((byte) 0);
    if (v1) {
      b.putShort((short) (hlen + padlen));
    } else {
      b.putInt(hlen + padlen);
    }
    b.put(h);
    for (int i = 0; i < padlen; i++) {
      b.put((byte) ' ');
    }
    b.put((byte) '\n');
    return b.array();
  }

  /** Writes the array in {@code .npy} format. */
  public static void write(OutputStream out, NpyArray array) throws IOException {
    out.write(header(array.descr(), array.shape()));
    ByteBuffer data = array.rawData();
    byte[] buf = new byte[1 << 16];
    while (data.hasRemaining()) {
      int n = Math.min(buf.length, data.remaining());
      data.get(buf, 0, n);
      out.write(buf, 0, n);
    }
  }

  /** The encoded {@code .npy} file contents. */
  public static byte[] toBytes(NpyArray array) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try {
      write(bos, array);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bos.toByteArray();
  }

  /** Parsed header: element type, shape, byte order, Fortran order, and header length in bytes. */
  record Header(String descr, int[] shape, boolean fortranOrder, int length) {
    int itemSize() {
      return itemSizeOf(descr);
    }
  }

  static int itemSizeOf(String descr) {
    String t = descr.substring(1);
    return switch (t) {
      case "f8", "i8", "u8" -> 8;
      case "f4", "i4", "u4" -> 4;
      case "f2", "i2", "u2" -> 2;
      case "i1", "u1", "b1" -> 1;
      default -> throw new MetricInputException("unsupported numpy dtype '" + descr + "'");
    };
  }

  static Header readHeader(DataInputStream in, String what) throws IOException {
    byte[] magic = new byte[6];
    try {
      in.readFully(magic);
    } catch (EOFException e) {
      throw new MetricInputException(what + ": not a .npy file (too short)");
    }
    for (int i = 0; i < 6; i++) {
      if (magic[i] != MAGIC[i]) {
        throw new MetricInputException(what + ": not a .npy file (bad magic bytes)");
      }
    }
    try {
      return readHeaderAfterMagic(in, what);
    } catch (EOFException e) {
      // the magic bytes, then the file ends inside the version, length or header dictionary
      throw new MetricInputException(what + ": not a .npy file (truncated header)");
    }
  }

  private static Header readHeaderAfterMagic(DataInputStream in, String what) throws IOException {
    int major = in.readUnsignedByte();
    in.readUnsignedByte();
    int hlen;
    int prefix;
    if (major == 1) {
      hlen = in.readUnsignedByte() | (in.readUnsignedByte() << 8);
      prefix = 10;
    } else if (major == 2 || major == 3) {
      hlen = in.readUnsignedByte() | (in.readUnsignedByte() << 8) | (in.readUnsignedByte() << 16)
          | (in.readUnsignedByte() << 24);
      prefix = 12;
    } else {
      throw new MetricInputException(what + ": unsupported .npy version " + major);
    }
    if (hlen < 0 || hlen > (1 << 24)) {
      throw new MetricInputException(what + ": corrupt .npy header length " + hlen);
    }
    byte[] hb = new byte[hlen];
    in.readFully(hb);
    String h = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher md = DESCR.matcher(h);
    Matcher mf = FORTRAN.matcher(h);
    Matcher ms = SHAPE.matcher(h);
    if (!md.find() || !mf.find() || !ms.find()) {
      throw new MetricInputException(what + ": unreadable .npy header: " + h.trim());
    }
    String descr = md.group(1);
    if (descr.length() < 2) {
      throw new MetricInputException(what + ": unsupported numpy dtype '" + descr + "'");
    }
    char order = descr.charAt(0);
    if (order == '=') {
      descr = "<" + descr.substring(1);
    }
    List<Integer> dims = new ArrayList<>();
    for (String part : ms.group(1).split(",")) {
      String p = part.trim().replace("L", "");
      if (!p.isEmpty()) {
        int dim;
        try {
          dim = Integer.parseInt(p);
        } catch (NumberFormatException e) {
          dim = -1;
        }
        if (dim < 0) {
          throw new MetricInputException(what + ": unreadable .npy shape (" + ms.group(1).trim() + ")");
        }
        dims.add(dim);
      }
    }
    int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
    try {
      itemSizeOf(descr);
    } catch (MetricInputException e) {
      throw new MetricInputException(what + ": " + e.getMessage()
          + " (supported: float, signed and unsigned integer and bool arrays)");
    }
    return new Header(descr, shape, mf.group(1).equals("True"), prefix + hlen);
  }

  /** Reads one array from a stream positioned at the start of a {@code .npy} file. */
  public static NpyArray read(InputStream input, String what) throws IOException {
    DataInputStream in = new DataInputStream(input);
    Header h = readHeader(in, what);
    long size = 1;
    for (int d : h.shape()) {
      size *= d;
    }
    int item = h.itemSize();
    long bytes = size * item;
    if (bytes > Integer.MAX_VALUE - 64) {
      throw new MetricInputException(what + ": array too large to load (" + bytes + " bytes)");
    }
    byte[] raw = new byte[(int) bytes];
    try {
      in.readFully(raw);
    } catch (EOFException e) {
      throw new MetricInputException(what + ": truncated .npy data (expected " + bytes + " bytes)");
    }
    return normalise(h, raw);
  }

  /** Converts big-endian and Fortran-ordered data to little-endian C order. */
  static NpyArray normalise(Header h, byte[] raw) {
    String descr = h.descr();
    int item = h.itemSize();
    if (descr.charAt(0) == '>' && item > 1) {
      for (int i = 0; i < raw.length; i += item) {
        for (int a = i, b = i + item - 1; a < b; a++, b--) {
          byte t = raw[a];
          raw[a] = raw[b];
          raw[b] = t;
        }
      }
    }
    descr = (item == 1 ? "|" : "<") + descr.substring(1);
    int[] shape = h.shape();
    if (h.fortranOrder() && shape.length > 1) {
      raw = fortranToC(raw, shape, item);
    }
    return new NpyArray(descr, shape, ByteBuffer.wrap(raw));
  }

  private static byte[] fortranToC(byte[] raw, int[] shape, int item) {
    int nd = shape.length;
    long size = raw.length / item;
    byte[] out = new byte[raw.length];
    int[] idx = new int[nd];
    long[] fstride = new long[nd];
    long s = 1;
    for (int k = 0; k < nd; k++) {
      fstride[k] = s;
      s *= shape[k];
    }
    for (long c = 0; c < size; c++) {
      long f = 0;
      for (int k = 0; k < nd; k++) {
        f += idx[k] * fstride[k];
      }
      System.arraycopy(raw, (int) (f * item), out, (int) (c * item), item);
      for (int k = nd - 1; k >= 0; k--) {
        if (++idx[k] < shape[k]) {
          break;
        }
        idx[k] = 0;
      }
    }
    return out;
  }
}
