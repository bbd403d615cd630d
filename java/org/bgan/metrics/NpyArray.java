package org.bgan.metrics;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array read from or written to numpy's {@code .npy} format: its numpy type string
 * ({@code descr}, e.g. {@code <f8}), its shape and its data in C (row-major) order, little-endian.
 */
public final class NpyArray {
  private final String descr;
  private final int[] shape;
  /** Element data, little-endian, C order. */
  private final ByteBuffer data;

  NpyArray(String descr, int[] shape, ByteBuffer data) {
    this.descr = descr;
    this.shape = shape.clone();
    this.data = data.order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A float64 ({@code <f8}) array of the given shape. */
  public static NpyArray ofDoubles(double[] values, int... shape) {
    checkSize(values.length, shape);
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asDoubleBuffer().put(values);
    return new NpyArray("<f8", shape, b);
  }

  /** A float32 ({@code <f4}) array of the given shape. */
  public static NpyArray ofFloats(float[] values, int... shape) {
    checkSize(values.length, shape);
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return new NpyArray("<f4", shape, b);
  }

  /** A text as a 1-D uint8 ({@code |u1}) array of its UTF-8 bytes (numpy: {@code a.tobytes().decode()}). */
  public static NpyArray ofText(String text) {
    byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return new NpyArray("|u1", new int[] {b.length}, ByteBuffer.wrap(b));
  }

  /** The UTF-8 text of a 1-D uint8 array written by {@link #ofText}, or null for any other array. */
  public String text() {
    if (!descr.equals("|u1") || shape.length != 1) {
      return null;
    }
    byte[] b = new byte[shape[0]];
    data.duplicate().position(0).get(b);
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void checkSize(int n, int[] shape) {
    long size = 1;
    for (int s : shape) {
      size *= s;
    }
    if (size != n) {
      throw new IllegalArgumentException(n + " values do not fill shape " + shapeString(shape));
    }
  }

  public String descr() {
    return descr;
  }

  public int[] shape() {
    return shape.clone();
  }

  public long size() {
    long s = 1;
    for (int d : shape) {
      s *= d;
    }
    return s;
  }

  ByteBuffer rawData() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** All elements converted to double (C order). */
  public double[] toDoubles() {
    int n = Math.toIntExact(size());
    double[] out = new double[n];
    ByteBuffer b = rawData();
    switch (descr) {
      case "<f8" -> b.asDoubleBuffer().get(out);
      case "<f4" -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getFloat(i * 4);
        }
      }
      case "<f2" -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.float16ToFloatCompat(b.getShort(i * 2));
        }
      }
      case "<i8" -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getLong(i * 8);
        }
      }
      case "<i4" -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getInt(i * 4);
        }
      }
      case "<i2" -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getShort(i * 2);
        }
      }
      case "<u2" -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getShort(i * 2) & 0xffff;
        }
      }
      case "|i1" -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i);
        }
      }
      case "|u1", "|b1" -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i) & 0xff;
        }
      }
      default -> throw new MetricInputException("unsupported numpy dtype '" + descr + "'");
    }
    return out;
  }

  /** All elements converted to float (C order). */
  public float[] toFloats() {
    if (descr.equals("<f4")) {
      float[] out = new float[Math.toIntExact(size())];
      rawData().asFloatBuffer().get(out);
      return out;
    }
    double[] d = toDoubles();
    float[] out = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = (float) d[i];
    }
    return out;
  }

  /** numpy's repr of a shape tuple: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
  public static String shapeString(int[] shape) {
    if (shape.length == 1) {
      return "(" + shape[0] + ",)";
    }
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(shape[i]);
    }
    return sb.append(")").toString();
  }

  @Override
  public String toString() {
    return "NpyArray[" + descr + " " + shapeString(shape) + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NpyArray other && descr.equals(other.descr) && Arrays.equals(shape, other.shape)
        && rawData().equals(other.rawData());
  }

  @Override
  public int hashCode() {
    return descr.hashCode() * 31 + Arrays.hashCode(shape);
  }

  /** Half-precision conversion kept local (Float.float16ToFloat is Java 20+). */
  private static final class Float {
    static float float16ToFloatCompat(short h) {
      int bits = h & 0xffff;
      int sign = (bits >>> 15) << 31;
      int exp = (bits >>> 10) & 0x1f;
      int mant = bits & 0x3ff;
      if (exp == 0) {
        float v = mant * 0x1p-24f;
        return sign == 0 ? v : -v;
      }
      if (exp == 31) {
        return java.lang.Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
      }
      return java.lang.Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
  }
}
