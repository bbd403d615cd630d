package org.bgan.serve;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A dense tensor held in a plain Java array, between JSON and TensorFlow: {@code float[]}
 * (DT_FLOAT), {@code double[]} (DT_DOUBLE), {@code int[]} (DT_INT32), {@code long[]} (DT_INT64)
 * or {@code byte[]} (DT_UINT8), row-major. Needs no TensorFlow natives.
 */
final class HostTensor {
  final DataType dtype;
  final long[] shape;
  final Object data;

  HostTensor(DataType dtype, long[] shape, Object data) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }

  static boolean supported(DataType dtype) {
    switch (dtype) {
      case DT_FLOAT:
      case DT_DOUBLE:
      case DT_INT32:
      case DT_INT64:
      case DT_UINT8:
        return true;
      default:
        return false;
    }
  }

  /** The name TF Serving users know, e.g. float32 for DT_FLOAT. */
  static String dtypeName(DataType dtype) {
    switch (dtype) {
      case DT_FLOAT:
        return "float32";
      case DT_DOUBLE:
        return "float64";
      case DT_INT32:
        return "int32";
      case DT_INT64:
        return "int64";
      case DT_UINT8:
        return "uint8";
      default:
        return dtype.name();
    }
  }

  static Object allocate(DataType dtype, int n) {
    switch (dtype) {
      case DT_FLOAT:
        return new float[n];
      case DT_DOUBLE:
        return new double[n];
      case DT_INT32:
        return new int[n];
      case DT_INT64:
        return new long[n];
      case DT_UINT8:
        return new byte[n];
      default:
        throw new IllegalArgumentException("unsupported dtype " + dtype);
    }
  }

  int size() {
    return java.lang.reflect.Array.getLength(data);
  }

  /** Elements per index of the first dimension. */
  int rowSize() {
    long n = 1;
    for (int i = 1; i < shape.length; i++) {
      n *= shape[i];
    }
    return (int) n;
  }

  static String shapeString(long[] shape) {
    return Arrays.toString(shape);
  }

  /** The signature's shape as TF Serving prints it, -1 for unknown dimensions. */
  static String shapeString(TensorShapeProto shape) {
    if (shape.getUnknownRank()) {
      return "<unknown rank>";
    }
    return Arrays.toString(shape.getDimList().stream().mapToLong(d -> d.getSize()).toArray());
  }

  /**
   * Converts a parsed JSON value (a number or a rectangular nested array of numbers) to a tensor of
   * {@code dtype}, checked against the signature's {@code expected} shape.
   *
   * @param what how to name the value in an error message, e.g. "input 'z'"
   * @param maxElements more elements than this cannot be in the request (used to refuse a huge
   *     allocation implied by a ragged array before walking it)
   */
  static HostTensor fromJson(
      String what, Object json, DataType dtype, TensorShapeProto expected, long maxElements)
      throws ApiException {
    if (!supported(dtype)) {
      throw ApiException.badRequest(
          what + " has dtype " + dtype + ", which this server cannot convert from JSON");
    }
    int rank = 0;
    long count = 1;
    long[] dims = new long[8];
    for (Object v = json; v instanceof List; ) {
      List<?> list = (List<?>) v;
      if (rank == dims.length) {
        dims = Arrays.copyOf(dims, rank * 2);
      }
      dims[rank++] = list.size();
      count *= list.size();
      if (count > maxElements) {
        throw ApiException.badRequest(what + " is not a rectangular array (ragged nesting)");
      }
      if (list.isEmpty()) {
        break;
      }
      v = list.get(0);
    }
    long[] shape = Arrays.copyOf(dims, rank);
    if (!expected.getUnknownRank()) {
      boolean ok = expected.getDimCount() == rank;
      for (int i = 0; ok && i < rank; i++) {
        long want = expected.getDim(i).getSize();
        ok = want < 0 || want == shape[i];
      }
      if (!ok) {
        throw ApiException.badRequest(
            what
                + " has shape "
                + shapeString(shape)
                + " but the signature expects "
                + shapeString(expected));
      }
    }
    HostTensor t = new HostTensor(dtype, shape, allocate(dtype, (int) count));
    int[] next = {0};
    t.fill(what, json, 0, next);
    return t;
  }

  private void fill(String what, Object v, int level, int[] next) throws ApiException {
    if (level < shape.length) {
      if (!(v instanceof List) || ((List<?>) v).size() != shape[level]) {
        throw ApiException.badRequest(
            what
                + " is not a rectangular array of shape "
                + shapeString(shape)
                + " (ragged nesting)");
      }
      for (Object e : (List<?>) v) {
        fill(what, e, level + 1, next);
      }
      return;
    }
    if (!(v instanceof Json.Num)) {
      String found = v instanceof List ? "a deeper array (ragged nesting)" : Json.typeName(v);
      throw ApiException.badRequest(
          what + " has dtype " + dtypeName(dtype) + " and expects numbers, found " + found);
    }
    set(what, next[0]++, (Json.Num) v);
  }

  private void set(String what, int i, Json.Num num) throws ApiException {
    String text = num.text();
    switch (dtype) {
      case DT_FLOAT:
        {
          float f = Float.parseFloat(text);
          if (Float.isInfinite(f) && !text.endsWith("Infinity")) {
            throw ApiException.badRequest(what + ": " + text + " is out of range for float32");
          }
          if (!Float.isFinite(f)) {
            throw notFinite(what, i, text);
          }
          ((float[]) data)[i] = f;
          return;
        }
      case DT_DOUBLE:
        {
          double d = Double.parseDouble(text);
          if (Double.isInfinite(d) && !text.endsWith("Infinity")) {
            throw ApiException.badRequest(what + ": " + text + " is out of range for float64");
          }
          if (!Double.isFinite(d)) {
            throw notFinite(what, i, text);
          }
          ((double[]) data)[i] = d;
          return;
        }
      default:
        break;
    }
    if (!num.integral) {
      throw ApiException.badRequest(
          what + " has dtype " + dtypeName(dtype) + " and expects integers, found " + text);
    }
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          what + ": " + text + " is out of range for " + dtypeName(dtype));
    }
    switch (dtype) {
      case DT_INT32:
        if (value != (int) value) {
          throw ApiException.badRequest(what + ": " + text + " is out of range for int32");
        }
        ((int[]) data)[i] = (int) value;
        return;
      case DT_INT64:
        ((long[]) data)[i] = value;
        return;
      case DT_UINT8:
        if (value < 0 || value > 255) {
          throw ApiException.badRequest(what + ": " + text + " is out of range for uint8");
        }
        ((byte[]) data)[i] = (byte) value;
        return;
      default:
        throw new IllegalStateException("unsupported dtype " + dtype);
    }
  }

  /**
   * A NaN or infinite input: the JSON literals parse (TF Serving's JSON takes them), but a generator
   * fed a NaN or infinite latent vector answers samples that mean nothing (its ReLUs may even turn
   * NaN into ordinary-looking numbers), so the element is refused by its position.
   */
  private ApiException notFinite(String what, int flat, String text) {
    return ApiException.badRequest(
        what + " element " + index(flat) + " is " + text + "; inputs must be finite numbers"
            + " (a generator maps a NaN or infinite z to meaningless samples)");
  }

  /** The multi-index of flat (row-major) index {@code flat}, e.g. [0, 1]. */
  String index(int flat) {
    long[] idx = new long[shape.length];
    long rest = flat;
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = shape[d] == 0 ? 0 : rest % shape[d];
      rest = shape[d] == 0 ? 0 : rest / shape[d];
    }
    return shapeString(idx);
  }

  /** Concatenates tensors along the first dimension (same dtype and trailing dimensions). */
  static HostTensor concat(List<HostTensor> parts) {
    HostTensor first = parts.get(0);
    if (parts.size() == 1) {
      return first;
    }
    long rows = 0;
    int total = 0;
    for (HostTensor p : parts) {
      rows += p.shape[0];
      total += p.size();
    }
    Object out = allocate(first.dtype, total);
    int at = 0;
    for (HostTensor p : parts) {
      int n = p.size();
      System.arraycopy(p.data, 0, out, at, n);
      at += n;
    }
    long[] shape = first.shape.clone();
    shape[0] = rows;
    return new HostTensor(first.dtype, shape, out);
  }

  /** True when {@code other} can be concatenated with this one along the first dimension. */
  boolean concatenableWith(HostTensor other) {
    if (dtype != other.dtype || shape.length != other.shape.length || shape.length == 0) {
      return false;
    }
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] != other.shape[i]) {
        return false;
      }
    }
    return true;
  }

  /** Rows {@code [from, from + count)} of the first dimension, copied. */
  HostTensor rows(int from, int count) {
    int rs = rowSize();
    Object out = allocate(dtype, count * rs);
    System.arraycopy(data, from * rs, out, 0, count * rs);
    long[] s = shape.clone();
    s[0] = count;
    return new HostTensor(dtype, s, out);
  }

  /** Appends the whole tensor as a JSON value (a number for a scalar, else nested arrays). */
  void writeJson(StringBuilder out) {
    writeNested(out, 0, 0);
  }

  /** Appends row {@code r} (index {@code r} of the first dimension) as a JSON value. */
  void writeRowJson(StringBuilder out, int r) {
    writeNested(out, 1, r * rowSize());
  }

  /** Writes the sub-array at dimension {@code dim} starting at flat index {@code offset}. */
  private int writeNested(StringBuilder out, int dim, int offset) {
    if (dim == shape.length) {
      writeElement(out, offset);
      return offset + 1;
    }
    out.append('[');
    for (long i = 0; i < shape[dim]; i++) {
      if (i > 0) {
        out.append(',');
      }
      offset = writeNested(out, dim + 1, offset);
    }
    out.append(']');
    return offset;
  }

  private void writeElement(StringBuilder out, int i) {
    switch (dtype) {
      case DT_FLOAT:
        out.append(((float[]) data)[i]); // NaN/Infinity literals, as TF Serving writes them
        break;
      case DT_DOUBLE:
        out.append(((double[]) data)[i]);
        break;
      case DT_INT32:
        out.append(((int[]) data)[i]);
        break;
      case DT_INT64:
        out.append(((long[]) data)[i]);
        break;
      case DT_UINT8:
        out.append(((byte[]) data)[i] & 0xff);
        break;
      default:
        throw new IllegalStateException("unsupported dtype " + dtype);
    }
  }

  /** The first dimension shared by every tensor in {@code m}, or -1 if they differ or are scalars. */
  static long commonRows(Map<String, HostTensor> m) {
    long rows = -2;
    for (HostTensor t : m.values()) {
      long r = t.shape.length == 0 ? -1 : t.shape[0];
      if (rows == -2) {
        rows = r;
      } else if (rows != r) {
        return -1;
      }
    }
    return rows < 0 ? -1 : rows;
  }
}
