package org.bgan.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The signatures a generator SavedModel must carry (the core's export contract), checked on the
 * {@code SignatureDef} protos alone, without TensorFlow natives:
 *
 * <ul>
 *   <li>{@code serving_default}: input {@code z} float32 [-1, z_dim] → output {@code samples}
 *       float32 (and {@code images} uint8 [N, H, W, C] for image generators);
 *   <li>{@code sample}: inputs {@code num} int32 scalar and {@code seed} int64 scalar → outputs
 *       {@code z}, {@code samples} (and {@code images}).
 * </ul>
 */
final class GeneratorSignatures {
  static final String DEFAULT = "serving_default";
  static final String SAMPLE = "sample";
  /** Marker signature of TF2 exports; not a function. */
  static final String INIT_OP = "__saved_model_init_op";

  private GeneratorSignatures() {}

  /** Every problem with {@code sigs} as a generator's signatures; empty when it is fine. */
  static List<String> problems(Map<String, SignatureDef> sigs) {
    List<String> out = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String key : new String[] {DEFAULT, SAMPLE}) {
      if (!sigs.containsKey(key)) {
        missing.add("'" + key + "'");
      }
    }
    if (!missing.isEmpty()) {
      out.add(
          "lacks signature "
              + String.join(" and ", missing)
              + " (a generator export has 'serving_default' (z → samples) and 'sample' (num, seed"
              + " → z, samples)); it has: "
              + describe(sigs));
      return out;
    }
    SignatureDef def = sigs.get(DEFAULT);
    need(out, DEFAULT, "input", def.getInputsMap(), "z", DataType.DT_FLOAT, 2);
    need(out, DEFAULT, "output", def.getOutputsMap(), "samples", DataType.DT_FLOAT, -1);
    optional(out, DEFAULT, def.getOutputsMap(), "images", DataType.DT_UINT8, 4);
    SignatureDef sample = sigs.get(SAMPLE);
    need(out, SAMPLE, "input", sample.getInputsMap(), "num", DataType.DT_INT32, 0);
    need(out, SAMPLE, "input", sample.getInputsMap(), "seed", DataType.DT_INT64, 0);
    need(out, SAMPLE, "output", sample.getOutputsMap(), "z", DataType.DT_FLOAT, 2);
    need(out, SAMPLE, "output", sample.getOutputsMap(), "samples", DataType.DT_FLOAT, -1);
    optional(out, SAMPLE, sample.getOutputsMap(), "images", DataType.DT_UINT8, 4);
    for (Map.Entry<String, SignatureDef> e : sigs.entrySet()) {
      for (Map<String, TensorInfo> m :
          List.of(e.getValue().getInputsMap(), e.getValue().getOutputsMap())) {
        for (Map.Entry<String, TensorInfo> t : m.entrySet()) {
          if ((e.getKey().equals(DEFAULT) || e.getKey().equals(SAMPLE))
              && !HostTensor.supported(t.getValue().getDtype())) {
            out.add(
                "signature '" + e.getKey() + "' tensor '" + t.getKey() + "' has dtype "
                    + t.getValue().getDtype() + ", which this server does not handle");
          }
        }
      }
    }
    return out;
  }

  private static void need(
      List<String> out,
      String sig,
      String kind,
      Map<String, TensorInfo> map,
      String name,
      DataType dtype,
      int rank) {
    TensorInfo t = map.get(name);
    if (t == null) {
      out.add("signature '" + sig + "' has no " + kind + " '" + name + "' (its " + kind + "s: "
          + new TreeMap<>(map).keySet() + ")");
      return;
    }
    check(out, sig, name, t, dtype, rank);
  }

  private static void optional(
      List<String> out, String sig, Map<String, TensorInfo> map, String name, DataType dtype, int rank) {
    TensorInfo t = map.get(name);
    if (t != null) {
      check(out, sig, name, t, dtype, rank);
    }
  }

  private static void check(
      List<String> out, String sig, String name, TensorInfo t, DataType dtype, int rank) {
    if (t.getDtype() != dtype) {
      out.add("signature '" + sig + "' tensor '" + name + "' is " + HostTensor.dtypeName(t.getDtype())
          + ", expected " + HostTensor.dtypeName(dtype));
    }
    TensorShapeProto s = t.getTensorShape();
    if (rank >= 0 && !s.getUnknownRank() && s.getDimCount() != rank) {
      out.add("signature '" + sig + "' tensor '" + name + "' has shape "
          + HostTensor.shapeString(s) + ", expected rank " + rank);
    }
  }

  /** True when every input and output has a leading dimension of unknown size (the batch). */
  static boolean batchable(SignatureDef def) {
    for (Map<String, TensorInfo> m : List.of(def.getInputsMap(), def.getOutputsMap())) {
      for (TensorInfo t : m.values()) {
        TensorShapeProto s = t.getTensorShape();
        if (s.getUnknownRank() || s.getDimCount() == 0 || s.getDim(0).getSize() != -1) {
          return false;
        }
      }
    }
    return !def.getInputsMap().isEmpty();
  }

  /** One line per signature: its inputs and outputs with dtypes and shapes. */
  static String describe(Map<String, SignatureDef> sigs) {
    if (sigs.isEmpty()) {
      return "no signatures";
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, SignatureDef> e : new TreeMap<>(sigs).entrySet()) {
      parts.add(
          "'" + e.getKey() + "' (inputs: " + tensors(e.getValue().getInputsMap())
              + "; outputs: " + tensors(e.getValue().getOutputsMap()) + ")");
    }
    return String.join(", ", parts);
  }

  private static String tensors(Map<String, TensorInfo> m) {
    if (m.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, TensorInfo> e : new TreeMap<>(m).entrySet()) {
      parts.add(e.getKey() + " " + HostTensor.dtypeName(e.getValue().getDtype()) + " "
          + HostTensor.shapeString(e.getValue().getTensorShape()));
    }
    return String.join(", ", parts);
  }
}
