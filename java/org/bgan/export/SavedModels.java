package org.bgan.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bgan.util.UserException;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** Loading exported generators. */
public final class SavedModels {
  private SavedModels() {}

  /**
   * {@code dir} itself if it holds a {@code saved_model.pb}, else its newest numeric version
   * subdirectory that does; a {@link UserException} otherwise.
   */
  public static Path resolveVersion(Path dir) throws IOException {
    if (Files.isRegularFile(dir)) {
      throw new UserException("--model " + dir + ": is a file, not a directory; give the SavedModel's directory"
          + (dir.getParent() != null && dir.getFileName().toString().equals("saved_model.pb") ? " (" + dir.getParent() + ")" : ""));
    }
    if (!Files.isDirectory(dir)) {
      throw new UserException("--model " + dir + ": no such directory");
    }
    return org.bgan.util.SavedModelDirs.newestVersion(dir).orElseThrow(() -> new UserException(
        "--model " + dir + ": no saved_model.pb there nor in a numeric version subdirectory"));
  }

  /** Samples as a flat array in row-major order and their shape ([N, dim] or [N, H, W, C]). */
  public record Samples(long[] shape, float[] values) {
    public int count() {
      return (int) shape[0];
    }

    /** The samples as rows of a matrix [N, dim] (2-D generators). */
    public float[][] rows() {
      int d = (int) shape[1];
      float[][] out = new float[count()][d];
      for (int i = 0; i < out.length; i++) {
        System.arraycopy(values, i * d, out[i], 0, d);
      }
      return out;
    }
  }

  /** {@code num} samples through the model's {@code sample} signature, as rows of a matrix (2-D generators). */
  public static float[][] sample(Path modelDir, int num, long seed) {
    Samples x = sampleArray(modelDir, num, seed);
    if (x.shape().length != 2) {
      throw new UserException("--model " + modelDir + ": the generator makes samples of shape "
          + java.util.Arrays.toString(java.util.Arrays.copyOfRange(x.shape(), 1, x.shape().length)) + ", not flat vectors");
    }
    return x.rows();
  }

  /** Most samples drawn through the generator in one session run (bounds TensorFlow's memory). */
  public static final int CHUNK = 10_000;

  /** {@code num} samples through the model's {@code sample} signature, any sample shape. */
  public static Samples sampleArray(Path modelDir, int num, long seed) {
    return sampleArray(modelDir, num, seed, CHUNK);
  }

  /**
   * As {@link #sampleArray(Path, int, long)}; more than {@code chunk} samples are drawn as z from the
   * {@code sample} signature's own stateless op (fetching z alone runs only that op), then mapped
   * {@code chunk} rows at a time through {@code serving_default} (z → samples, the same generator): the
   * samples of one call, without TensorFlow holding every layer's activations for all of them at once
   * (10 million 2-D samples through 512-wide layers would be 20 GB a layer).
   */
  static Samples sampleArray(Path modelDir, int num, long seed, int chunk) {
    SavedModelBundle b;
    try {
      b = SavedModelBundle.load(modelDir.toString(), SavedModelBundle.DEFAULT_TAG);
    } catch (RuntimeException e) {
      throw new UserException("--model " + modelDir + ": cannot load the SavedModel: " + e.getMessage());
    }
    try (b) {
      SessionFunction f;
      try {
        f = b.function(GeneratorExporter.SIGNATURE_SAMPLE);
      } catch (RuntimeException e) {
        throw new UserException("--model " + modelDir + ": no '" + GeneratorExporter.SIGNATURE_SAMPLE
            + "' signature (it has: " + b.signatures().stream().map(s -> s.key()).toList() + ")");
      }
      checkFitsInHeap(modelDir, f, num);
      if (num <= chunk) {
        try (TInt32 n = TInt32.scalarOf(num); TInt64 s = TInt64.scalarOf(seed);
            org.tensorflow.Result r = f.call(Map.of("num", n, "seed", s))) {
          TFloat32 t = (TFloat32) r.get("samples").orElseThrow();
          float[] v = new float[(int) t.shape().size()];
          t.asRawTensor().data().asFloats().read(v);
          return new Samples(t.shape().asArray(), v);
        }
      }
      SessionFunction g;
      try {
        g = b.function(GeneratorExporter.SIGNATURE_DEFAULT);
      } catch (RuntimeException e) {
        throw new UserException("--model " + modelDir + ": no '" + GeneratorExporter.SIGNATURE_DEFAULT
            + "' signature (z -> samples), needed for more than " + chunk + " samples");
      }
      var in = f.signature().getInputs();
      float[] z;
      int zDim;
      try (TInt32 n = TInt32.scalarOf(num); TInt64 s = TInt64.scalarOf(seed);
          org.tensorflow.Result r = b.session().runner().feed(in.get("num").name, n).feed(in.get("seed").name, s)
              .fetch(f.signature().getOutputs().get("z").name).run()) {
        TFloat32 t = (TFloat32) r.get(0);
        zDim = (int) t.shape().size(1);
        z = new float[num * zDim];
        t.asRawTensor().data().asFloats().read(z);
      }
      float[] out = null;
      long[] shape = null;
      int per = 0;
      for (int first = 0; first < num; first += chunk) {
        int rows = Math.min(chunk, num - first);
        float[] zc = java.util.Arrays.copyOfRange(z, first * zDim, (first + rows) * zDim);
        try (TFloat32 zt = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(rows, zDim),
                org.tensorflow.ndarray.buffer.DataBuffers.of(zc, true, false));
            org.tensorflow.Result r = g.call(Map.of("z", zt))) {
          TFloat32 t = (TFloat32) r.get("samples").orElseThrow();
          if (out == null) {
            shape = t.shape().asArray();
            per = (int) (t.shape().size() / rows);
            out = new float[num * per];
            shape[0] = num;
          }
          float[] v = new float[rows * per];
          t.asRawTensor().data().asFloats().read(v);
          System.arraycopy(v, 0, out, first * per, v.length);
        }
      }
      return new Samples(shape, out);
    } catch (org.tensorflow.exceptions.TFFailedPreconditionException e) {
      throw cannotRun("--model", modelDir, e);
    }
  }

  /**
   * A loaded SavedModel whose run fails a precondition, typically "Attempting to use uninitialized
   * value": its variables/ are missing (TensorFlow loads a SavedModel without them and fails only when
   * it runs), as a user error naming the directory instead of an internal error.
   */
  public static UserException cannotRun(String flag, Path dir, RuntimeException e) {
    String why = Files.isDirectory(dir.resolve("variables")) ? "" : ": it has no variables/ directory";
    return new UserException(flag + " " + dir + ": the SavedModel cannot run (" + org.bgan.util.Errors.firstLine(e) + ")"
        + (why.isEmpty() ? "; is it complete?" : why + " (copy the whole version directory)"));
  }

  /**
   * A {@link UserException} if {@code num} samples of the signature's sample shape would not fit in
   * an eighth of the Java heap (the caller copies them two or three times to write them).
   */
  private static void checkFitsInHeap(Path modelDir, SessionFunction f, int num) {
    var d = f.signature().getOutputs().get("samples");
    if (d == null || d.shape.isUnknown()) {
      return;
    }
    long[] dims = new long[d.shape.numDimensions() - 1];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = d.shape.get(i + 1);
    }
    String tooMany = tooManyForHeap(dims, num, Runtime.getRuntime().maxMemory());
    if (tooMany != null) {
      throw new UserException(tooMany);
    }
  }

  /** Why {@code num} samples of shape {@code dims} are too many for a heap of {@code maxHeap} bytes, or null. */
  static String tooManyForHeap(long[] dims, long num, long maxHeap) {
    long per = 1;
    StringBuilder shape = new StringBuilder();
    for (long x : dims) {
      if (x < 0) {
        return null;  // not known before the run
      }
      per *= x;
      shape.append(shape.length() > 0 ? "x" : "").append(x);
    }
    long bytes = 4L * per * num;
    if (per * num <= Integer.MAX_VALUE - 8 && bytes <= maxHeap / 8) {
      return null;
    }
    return String.format(java.util.Locale.ROOT,
        "--num %d: %d samples of %s floats are %.1f GB, too many for one call with a Java heap of %.1f GB"
            + " (draw fewer per call, with different --seed values, or raise the heap, e.g. BGAN_JAVA_OPTS=-Xmx16g)",
        num, num, shape, bytes / 1e9, maxHeap / 1e9);
  }

  /** Copies a rank-2 float tensor into a Java array. */
  public static float[][] toMatrix(TFloat32 x) {
    int n = (int) x.shape().size(0);
    int d = (int) x.shape().size(1);
    float[][] out = new float[n][d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        out[i][j] = x.getFloat(i, j);
      }
    }
    return out;
  }
}
