package org.bgan.serve;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * One loaded version of a generator SavedModel: the bundle, its checked signatures, and a reference
 * count so that a replaced version is closed only after the requests holding it have finished.
 * The session is shared by all requests (TensorFlow sessions run concurrently).
 */
final class ServableModel {
  final long version;
  final Path dir;
  /** Signature key → definition, sorted, without the init-op marker. */
  final Map<String, SignatureDef> signatures;

  private final Map<String, Boolean> batchable = new TreeMap<>();
  private final SavedModelBundle bundle;
  private final Session session;
  /** The manager's reference plus one per request in flight; closed on reaching 0. */
  private final AtomicInteger refs = new AtomicInteger(1);

  /** Thrown when a version directory cannot be served. */
  static final class LoadException extends Exception {
    LoadException(String message) {
      super(message, null, false, false);
    }
  }

  private ServableModel(long version, Path dir, SavedModelBundle bundle) {
    this.version = version;
    this.dir = dir;
    this.bundle = bundle;
    this.session = bundle.session();
    Map<String, SignatureDef> sigs = new TreeMap<>(bundle.metaGraphDef().getSignatureDefMap());
    sigs.remove(GeneratorSignatures.INIT_OP);
    this.signatures = Collections.unmodifiableMap(sigs);
    sigs.forEach((k, v) -> batchable.put(k, GeneratorSignatures.batchable(v)));
  }

  /**
   * Loads the SavedModel in {@code dir} with tag {@code serve}, checks the generator signatures
   * and runs each once (a tiny warm-up) so a broken version is refused before it is served.
   */
  static ServableModel load(Path dir, long version, ConfigProto config) throws LoadException {
    SavedModelBundle bundle;
    try {
      SavedModelBundle.Loader loader = SavedModelBundle.loader(dir.toString()).withTags("serve");
      if (config != null) {
        loader.withConfigProto(config);
      }
      bundle = loader.load();
    } catch (RuntimeException e) {
      throw new LoadException(
          "cannot load the SavedModel in " + dir + " with tag 'serve': " + org.bgan.util.Errors.firstLine(e));
    }
    ServableModel m = new ServableModel(version, dir, bundle);
    List<String> problems = GeneratorSignatures.problems(m.signatures);
    if (!problems.isEmpty()) {
      m.release();
      throw new LoadException("the SavedModel in " + dir + " " + String.join("; ", problems));
    }
    try {
      m.warmUp();
    } catch (Exception e) {
      m.release();
      throw new LoadException("the SavedModel in " + dir + " fails a warm-up run: " + org.bgan.util.Errors.firstLine(e));
    }
    return m;
  }

  private void warmUp() throws Exception {
    TensorInfo z = signatures.get(GeneratorSignatures.DEFAULT).getInputsMap().get("z");
    long zDim = z.getTensorShape().getUnknownRank() ? -1 : z.getTensorShape().getDim(1).getSize();
    if (zDim > 0) {
      run(GeneratorSignatures.DEFAULT,
          Map.of("z", new HostTensor(z.getDtype(), new long[] {1, zDim}, new float[(int) zDim])));
    }
    run(GeneratorSignatures.SAMPLE,
        Map.of(
            "num", new HostTensor(org.tensorflow.proto.DataType.DT_INT32, new long[0], new int[] {1}),
            "seed", new HostTensor(org.tensorflow.proto.DataType.DT_INT64, new long[0], new long[] {0})));
  }

  boolean isBatchable(String signature) {
    return batchable.getOrDefault(signature, false);
  }

  /** Takes a reference for a request; false once the model is closed (retired and drained). */
  boolean tryAcquire() {
    for (int r = refs.get(); r > 0; r = refs.get()) {
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Drops a reference; the last one closes the session and graph. */
  void release() {
    if (refs.decrementAndGet() == 0) {
      bundle.close();
    }
  }

  boolean isClosed() {
    return refs.get() <= 0;
  }

  /**
   * Runs {@code signature} on {@code inputs} (every input of the signature, by name) and returns
   * all its outputs.
   */
  Map<String, HostTensor> run(String signature, Map<String, HostTensor> inputs) {
    SignatureDef def = signatures.get(signature);
    List<Tensor> fed = new ArrayList<>(inputs.size());
    try {
      Session.Runner runner = session.runner();
      for (Map.Entry<String, TensorInfo> e : def.getInputsMap().entrySet()) {
        HostTensor h = inputs.get(e.getKey());
        if (h == null) {
          throw new IllegalArgumentException("missing input '" + e.getKey() + "'");
        }
        Tensor t = toTensor(h);
        fed.add(t);
        runner.feed(e.getValue().getName(), t);
      }
      List<String> names = new ArrayList<>(def.getOutputsMap().keySet());
      for (String n : names) {
        runner.fetch(def.getOutputsMap().get(n).getName());
      }
      Map<String, HostTensor> out = new LinkedHashMap<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < names.size(); i++) {
          out.put(names.get(i), fromTensor(result.get(i)));
        }
      }
      return out;
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  static Tensor toTensor(HostTensor h) {
    Shape shape = Shape.of(h.shape);
    switch (h.dtype) {
      case DT_FLOAT:
        return TFloat32.tensorOf(shape, DataBuffers.of((float[]) h.data, true, false));
      case DT_DOUBLE:
        return TFloat64.tensorOf(shape, DataBuffers.of((double[]) h.data, true, false));
      case DT_INT32:
        return TInt32.tensorOf(shape, DataBuffers.of((int[]) h.data, true, false));
      case DT_INT64:
        return TInt64.tensorOf(shape, DataBuffers.of((long[]) h.data, true, false));
      case DT_UINT8:
        return TUint8.tensorOf(shape, DataBuffers.of((byte[]) h.data, true, false));
      default:
        throw new IllegalArgumentException("unsupported dtype " + h.dtype);
    }
  }

  static HostTensor fromTensor(Tensor t) {
    long[] shape = t.shape().asArray();
    long n = t.shape().size();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalStateException("output too large: " + t.shape());
    }
    Object data = HostTensor.allocate(t.dataType(), (int) n);
    ByteDataBuffer raw = t.asRawTensor().data();
    switch (t.dataType()) {
      case DT_FLOAT:
        raw.asFloats().read((float[]) data);
        break;
      case DT_DOUBLE:
        raw.asDoubles().read((double[]) data);
        break;
      case DT_INT32:
        raw.asInts().read((int[]) data);
        break;
      case DT_INT64:
        raw.asLongs().read((long[]) data);
        break;
      case DT_UINT8:
        raw.read((byte[]) data);
        break;
      default:
        throw new IllegalArgumentException("unsupported dtype " + t.dataType());
    }
    return new HostTensor(t.dataType(), shape, data);
  }
}
