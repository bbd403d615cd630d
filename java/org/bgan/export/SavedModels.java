package org.bgan.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
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
    if (Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      return dir;
    }
    if (!Files.isDirectory(dir)) {
      throw new UserException("--model " + dir + ": no such directory");
    }
    Path best = null;
    long bestV = -1;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.matches("\\d{1,18}") && Files.isRegularFile(p.resolve("saved_model.pb")) && Long.parseLong(n) > bestV) {
          bestV = Long.parseLong(n);
          best = p;
        }
      }
    }
    if (best == null) {
      throw new UserException("--model " + dir + ": no saved_model.pb there nor in a numeric version subdirectory");
    }
    return best;
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

  /** {@code num} samples through the model's {@code sample} signature, any sample shape. */
  public static Samples sampleArray(Path modelDir, int num, long seed) {
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
      try (TInt32 n = TInt32.scalarOf(num); TInt64 s = TInt64.scalarOf(seed);
          org.tensorflow.Result r = f.call(Map.of("num", n, "seed", s))) {
        TFloat32 t = (TFloat32) r.get("samples").orElseThrow();
        float[] v = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(v);
        return new Samples(t.shape().asArray(), v);
      }
    }
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
