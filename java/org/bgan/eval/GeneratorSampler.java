package org.bgan.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bgan.export.GeneratorExporter;
import org.bgan.export.SavedModels;
import org.bgan.ops.Seeds;
import org.bgan.util.UserException;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Draws samples from an exported generator (signature {@code sample}: {@code num}, {@code seed} →
 * {@code samples}) in chunks, with the model loaded once. Chunk k of a draw with seed s is the
 * signature's output for ({@code CHUNK} samples, {@code Seeds.mix(s) + k}), so a draw of n samples is a
 * pure function of (model, s, n) whatever the caller does with the chunks, and two draws with different
 * seeds do not share chunks.
 */
public final class GeneratorSampler implements AutoCloseable {
  /** Samples per call of the signature. */
  public static final int CHUNK = 500;

  private final Path dir;
  private final String flag;
  private final SavedModelBundle bundle;
  private final SessionFunction sample;

  /** Opens {@code dir} (a version directory, or a base holding numeric versions: the newest). */
  public GeneratorSampler(Path dir, int tfThreads, String flag) {
    Path v;
    try {
      v = SavedModels.resolveVersion(dir);
    } catch (IOException e) {
      throw new UserException(flag + " " + dir + ": cannot read: " + e.getMessage());
    } catch (UserException e) {
      throw new UserException(e.getMessage().replace("--model", flag));
    }
    this.dir = v;
    this.flag = flag;
    ConfigProto.Builder cfg = ConfigProto.newBuilder();
    if (tfThreads > 0) {
      cfg.setIntraOpParallelismThreads(tfThreads).setInterOpParallelismThreads(1);
    }
    try {
      bundle = SavedModelBundle.loader(v.toString()).withTags("serve").withConfigProto(cfg.build()).load();
    } catch (RuntimeException e) {
      throw new UserException(flag + " " + v + ": cannot load the SavedModel: " + e.getMessage());
    }
    SessionFunction f = null;
    for (var s : bundle.signatures()) {
      if (s.key().equals(GeneratorExporter.SIGNATURE_SAMPLE)) {
        f = bundle.function(s.key());
      }
    }
    if (f == null || !f.signature().getInputs().containsKey("num") || !f.signature().getInputs().containsKey("seed")
        || !f.signature().getOutputs().containsKey("samples")) {
      String have = bundle.signatures().stream().map(s -> s.key()).toList().toString();
      bundle.close();
      throw new UserException(flag + " " + v + ": not a generator exported by this toolkit: needs a '"
          + GeneratorExporter.SIGNATURE_SAMPLE + "' signature (num, seed -> samples); it has " + have);
    }
    sample = f;
  }

  /** The version directory actually loaded. */
  public Path dir() {
    return dir;
  }

  /** Receives one chunk: samples {@code [n, ...]} row-major, and the index of its first sample. */
  public interface ChunkConsumer {
    void accept(SavedModels.Samples chunk, int first) throws IOException;
  }

  /** Draws {@code num} samples with {@code seed}, chunk by chunk. */
  public void draw(int num, long seed, ChunkConsumer out) throws IOException {
    long base = Seeds.mix(seed);
    for (int k = 0, first = 0; first < num; k++, first += CHUNK) {
      int n = Math.min(CHUNK, num - first);
      out.accept(call(n, base + k), first);
    }
  }

  /** All {@code num} samples of a draw in one array. */
  public SavedModels.Samples drawAll(int num, long seed) throws IOException {
    float[][] parts = new float[(num + CHUNK - 1) / CHUNK][];
    long[][] shape = new long[1][];
    draw(num, seed, (c, first) -> {
      parts[first / CHUNK] = c.values();
      shape[0] = c.shape();
    });
    if (shape[0] == null) {
      return new SavedModels.Samples(new long[] {0}, new float[0]);
    }
    long per = 1;
    for (int i = 1; i < shape[0].length; i++) {
      per *= shape[0][i];
    }
    float[] all = new float[(int) (per * num)];
    int off = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, off, p.length);
      off += p.length;
    }
    long[] sh = shape[0].clone();
    sh[0] = num;
    return new SavedModels.Samples(sh, all);
  }

  private SavedModels.Samples call(int n, long seed) {
    try (TInt32 nt = TInt32.scalarOf(n); TInt64 st = TInt64.scalarOf(seed);
        Result r = sample.call(Map.of("num", nt, "seed", st))) {
      TFloat32 t = (TFloat32) r.get("samples").orElseThrow();
      float[] v = new float[(int) t.shape().size()];
      t.asRawTensor().data().asFloats().read(v);
      long[] sh = t.shape().asArray();
      if (sh.length < 2 || sh[0] != n) {
        throw new UserException(dir + ": the generator's 'samples' has shape " + t.shape() + " for num=" + n);
      }
      return new SavedModels.Samples(sh, v);
    } catch (org.tensorflow.exceptions.TFFailedPreconditionException e) {
      throw SavedModels.cannotRun(flag, dir, e);
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
