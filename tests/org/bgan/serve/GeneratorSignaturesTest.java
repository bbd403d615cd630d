package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

class GeneratorSignaturesTest {

  private static TensorInfo info(DataType dtype, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDimBuilder().setSize(d);
    }
    return TensorInfo.newBuilder().setDtype(dtype).setTensorShape(s).setName("t:0").build();
  }

  private static SignatureDef serving(DataType zType) {
    return SignatureDef.newBuilder()
        .putInputs("z", info(zType, -1, 2))
        .putOutputs("samples", info(DataType.DT_FLOAT, -1, 2))
        .build();
  }

  private static SignatureDef sample() {
    return SignatureDef.newBuilder()
        .putInputs("num", info(DataType.DT_INT32))
        .putInputs("seed", info(DataType.DT_INT64))
        .putOutputs("z", info(DataType.DT_FLOAT, -1, 2))
        .putOutputs("samples", info(DataType.DT_FLOAT, -1, 2))
        .build();
  }

  @Test
  void acceptsTheExportContract() {
    assertThat(GeneratorSignatures.problems(
            Map.of("serving_default", serving(DataType.DT_FLOAT), "sample", sample())))
        .isEmpty();
  }

  @Test
  void namesMissingSignaturesAndListsWhatTheModelHas() {
    assertThat(GeneratorSignatures.problems(Map.of("predict", serving(DataType.DT_FLOAT))))
        .singleElement()
        .asString()
        .contains("lacks signature 'serving_default' and 'sample'")
        .contains("it has: 'predict' (inputs: z float32 [-1, 2]; outputs: samples float32 [-1, 2])");
    assertThat(GeneratorSignatures.problems(Map.of())).singleElement().asString()
        .contains("it has: no signatures");
  }

  @Test
  void namesWrongInputsDtypesAndRanks() {
    SignatureDef badSample = sample().toBuilder()
        .putInputs("num", info(DataType.DT_INT64, 1))
        .removeOutputs("z")
        .build();
    assertThat(GeneratorSignatures.problems(
            Map.of("serving_default", serving(DataType.DT_DOUBLE), "sample", badSample)))
        .containsExactlyInAnyOrder(
            "signature 'serving_default' tensor 'z' is float64, expected float32",
            "signature 'sample' tensor 'num' is int64, expected int32",
            "signature 'sample' tensor 'num' has shape [1], expected rank 0",
            "signature 'sample' has no output 'z' (its outputs: [samples])");
  }

  @Test
  void batchableMeansALeadingUnknownDimensionEverywhere() {
    assertThat(GeneratorSignatures.batchable(serving(DataType.DT_FLOAT))).isTrue();
    assertThat(GeneratorSignatures.batchable(sample())).isFalse();
    SignatureDef fixed = serving(DataType.DT_FLOAT).toBuilder()
        .putOutputs("samples", info(DataType.DT_FLOAT, 4, 2)).build();
    assertThat(GeneratorSignatures.batchable(fixed)).isFalse();
  }
}
