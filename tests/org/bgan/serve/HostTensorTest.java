package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorShapeProto;

class HostTensorTest {

  private static TensorShapeProto shape(long... dims) {
    TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
    for (long d : dims) {
      b.addDimBuilder().setSize(d);
    }
    return b.build();
  }

  private static HostTensor from(String json, DataType dtype, TensorShapeProto expected)
      throws Exception {
    return HostTensor.fromJson("input 'x'", Json.parse(json, 32), dtype, expected, json.length());
  }

  private static String badRequest(String json, DataType dtype, TensorShapeProto expected) {
    try {
      from(json, dtype, expected);
    } catch (ApiException e) {
      assertThat(e.status).isEqualTo(400);
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("accepted " + json);
  }

  @Test
  void convertsFloatMatrixRowMajor() throws Exception {
    HostTensor t = from("[[1, 2.5], [-3e2, 1e-45], [3e38, -0.125]]", DataType.DT_FLOAT, shape(-1, 2));
    assertThat(t.shape).containsExactly(3, 2);
    assertThat((float[]) t.data).containsExactly(1f, 2.5f, -300f, 1e-45f, 3e38f, -0.125f);
  }

  @Test
  void rejectsNanAndInfinityNamingTheElement() {
    // the literals parse (TF Serving's JSON), but a NaN or infinite latent vector is refused
    assertThat(badRequest("[[1, 2.5], [-3e2, NaN]]", DataType.DT_FLOAT, shape(-1, 2)))
        .isEqualTo("input 'x' element [1, 1] is NaN; inputs must be finite numbers"
            + " (a generator maps a NaN or infinite z to meaningless samples)");
    assertThat(badRequest("[[Infinity, 0]]", DataType.DT_FLOAT, shape(-1, 2)))
        .startsWith("input 'x' element [0, 0] is Infinity;");
    assertThat(badRequest("[[0, 1], [2, -Infinity]]", DataType.DT_DOUBLE, shape(-1, 2)))
        .startsWith("input 'x' element [1, 1] is -Infinity;");
    assertThat(badRequest("NaN", DataType.DT_FLOAT, shape()))
        .startsWith("input 'x' element [] is NaN;");
  }

  @Test
  void convertsScalarsAndIntegers() throws Exception {
    HostTensor n = from("16", DataType.DT_INT32, shape());
    assertThat(n.shape).isEmpty();
    assertThat((int[]) n.data).containsExactly(16);
    HostTensor s = from("-9223372036854775808", DataType.DT_INT64, shape());
    assertThat((long[]) s.data).containsExactly(Long.MIN_VALUE);
    HostTensor u = from("[0, 255]", DataType.DT_UINT8, shape(2));
    assertThat(((byte[]) u.data)[1] & 0xff).isEqualTo(255);
  }

  @Test
  void rejectsWrongShapes() {
    assertThat(badRequest("[[1, 2, 3]]", DataType.DT_FLOAT, shape(-1, 2)))
        .contains("input 'x' has shape [1, 3] but the signature expects [-1, 2]");
    assertThat(badRequest("[1, 2]", DataType.DT_FLOAT, shape(-1, 2))).contains("has shape [2]");
    assertThat(badRequest("[[[1, 2]]]", DataType.DT_FLOAT, shape(-1, 2))).contains("[1, 1, 2]");
    assertThat(badRequest("[16]", DataType.DT_INT32, shape())).contains("has shape [1]");
  }

  @Test
  void rejectsRaggedArrays() {
    assertThat(badRequest("[[1, 2], [3]]", DataType.DT_FLOAT, shape(-1, -1))).contains("ragged");
    assertThat(badRequest("[[1, 2], 3]", DataType.DT_FLOAT, shape(-1, -1))).contains("ragged");
    assertThat(badRequest("[1, [2]]", DataType.DT_FLOAT, shape(-1))).contains("ragged");
  }

  @Test
  void refusesAHugeAllocationImpliedByARaggedArray() {
    // the first element claims 1000 x 1000 x 1000 floats; the text cannot hold that many
    String inner = "[" + "0,".repeat(999) + "0]";
    String json = "[[" + (inner + ",").repeat(999) + inner + "]" + ",[]".repeat(999) + "]";
    assertThat(badRequest(json, DataType.DT_FLOAT, shape(-1, -1, -1))).contains("ragged");
  }

  @Test
  void rejectsWrongDtypes() {
    assertThat(badRequest("[[\"a\", 1]]", DataType.DT_FLOAT, shape(-1, 2)))
        .contains("dtype float32 and expects numbers, found string");
    assertThat(badRequest("[[true, 1]]", DataType.DT_FLOAT, shape(-1, 2))).contains("boolean");
    assertThat(badRequest("[[null, 1]]", DataType.DT_FLOAT, shape(-1, 2))).contains("null");
    assertThat(badRequest("[[{\"b64\": \"AA==\"}, 1]]", DataType.DT_FLOAT, shape(-1, 2)))
        .contains("object");
    assertThat(badRequest("16.5", DataType.DT_INT32, shape()))
        .contains("int32 and expects integers, found 16.5");
    assertThat(badRequest("NaN", DataType.DT_INT32, shape())).contains("expects integers");
    assertThat(badRequest("1e3", DataType.DT_INT64, shape())).contains("expects integers");
  }

  @Test
  void rejectsOutOfRangeNumbers() {
    assertThat(badRequest("[[1e39, 0]]", DataType.DT_FLOAT, shape(-1, 2)))
        .contains("1e39 is out of range for float32");
    assertThat(badRequest("1e999", DataType.DT_DOUBLE, shape())).contains("out of range for float64");
    assertThat(badRequest("2147483648", DataType.DT_INT32, shape())).contains("out of range for int32");
    assertThat(badRequest("99999999999999999999", DataType.DT_INT64, shape()))
        .contains("out of range for int64");
    assertThat(badRequest("[256]", DataType.DT_UINT8, shape(-1))).contains("out of range for uint8");
  }

  @Test
  void rejectsDtypesItCannotConvert() {
    assertThat(badRequest("[\"a\"]", DataType.DT_STRING, shape(-1))).contains("DT_STRING");
  }

  @Test
  void concatenatesSlicesAndWritesJson() throws Exception {
    HostTensor a = from("[[1, 2]]", DataType.DT_FLOAT, shape(-1, 2));
    HostTensor b = from("[[3, 4], [5, 6]]", DataType.DT_FLOAT, shape(-1, 2));
    assertThat(a.concatenableWith(b)).isTrue();
    HostTensor c = HostTensor.concat(List.of(a, b));
    assertThat(c.shape).containsExactly(3, 2);
    StringBuilder out = new StringBuilder();
    c.writeJson(out);
    assertThat(out.toString()).isEqualTo("[[1.0,2.0],[3.0,4.0],[5.0,6.0]]");
    HostTensor r = c.rows(1, 2);
    assertThat((float[]) r.data).containsExactly(3, 4, 5, 6);
    out.setLength(0);
    c.writeRowJson(out, 2);
    assertThat(out.toString()).isEqualTo("[5.0,6.0]");
    HostTensor other = from("[[1, 2, 3]]", DataType.DT_FLOAT, shape(-1, 3));
    assertThat(a.concatenableWith(other)).isFalse();
  }

  @Test
  void writesNanAndIntegersAsTfServingDoes() throws Exception {
    StringBuilder out = new StringBuilder();
    new HostTensor(DataType.DT_FLOAT, new long[] {3}, new float[] {Float.NaN, 1e-5f, -0f})
        .writeJson(out);
    assertThat(out.toString()).isEqualTo("[NaN,1.0E-5,-0.0]");
    out.setLength(0);
    new HostTensor(DataType.DT_UINT8, new long[] {2}, new byte[] {(byte) 200, 7}).writeJson(out);
    assertThat(out.toString()).isEqualTo("[200,7]");
  }
}
