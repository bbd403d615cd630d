package org.bgan.scorer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Images from a generator SavedModel, scored without writing them to disk. The contract of the
 * project's exported generators: signature {@code serving_default}, input {@code z} float32
 * [N, z_dim], output {@code samples} float32 [N, H, W, C] in [-1, 1] (C = 1 or 3). z ~ N(0, I) is drawn
 * here from a seeded generator (batch i uses seed + i, so the images do not depend on the thread
 * count). Pixels are quantised as when saving a PNG: round((x + 1)·127.5), clipped to 0..255.
 */
public final class GeneratorSource implements ImageSource, AutoCloseable {
  private final SavedModelBundle bundle;
  private final Signature.TensorDescription z;
  private final Signature.TensorDescription samples;
  private final int zDim;
  private final int num;
  private final long seed;

  public GeneratorSource(Path dir, int num, long seed, int tfThreads) {
    this.bundle = SavedModelExtractor.load(dir, tfThreads);
    Signature sig = null;
    for (Signature s : bundle.signatures()) {
      if (s.key().equals(Signature.DEFAULT_KEY)) {
        sig = s;
      }
    }
    String problem = null;
    if (sig == null) {
      problem = "no '" + Signature.DEFAULT_KEY + "' signature";
    } else if (!sig.getInputs().containsKey("z") || !sig.getOutputs().containsKey("samples")) {
      problem = "signature '" + Signature.DEFAULT_KEY + "' needs input 'z' and output 'samples'";
    }
    if (problem == null) {
      z = sig.getInputs().get("z");
      samples = sig.getOutputs().get("samples");
      Shape zs = z.shape;
      if (zs.isUnknown() || zs.numDimensions() != 2 || zs.get(1) <= 0) {
        problem = "input 'z' must be [N, z_dim] with a fixed z_dim, it is " + zs;
      } else if (!samples.shape.isUnknown() && samples.shape.numDimensions() != 4) {
        problem = "output 'samples' is " + samples.shape + ": not images (a 2-D generator cannot be scored"
            + " with an image model)";
      }
    } else {
      z = null;
      samples = null;
    }
    if (problem != null) {
      String d = SavedModelExtractor.describe(bundle);
      bundle.close();
      throw new UserError(ScorerMain.EXIT_MODEL, dir + ": not a usable generator: " + problem
          + "; the model has:\n" + d.stripTrailing());
    }
    this.zDim = (int) z.shape.get(1);
    this.num = num;
    this.seed = seed;
  }

  @Override
  public int size() {
    return num;
  }

  @Override
  public List<Item> batch(int index, int batchSize) {
    int from = index * batchSize;
    int n = Math.min(num, from + batchSize) - from;
    SplittableRandom rng = new SplittableRandom(seed + index);
    float[] zv = new float[n * zDim];
    for (int i = 0; i < zv.length; i += 2) {
      // Box-Muller
      double u1 = 1.0 - rng.nextDouble();
      double u2 = rng.nextDouble();
      double r = Math.sqrt(-2 * Math.log(u1));
      zv[i] = (float) (r * Math.cos(2 * Math.PI * u2));
      if (i + 1 < zv.length) {
        zv[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
      }
    }
    List<Item> out = new ArrayList<>(n);
    try (TFloat32 zt = TFloat32.tensorOf(Shape.of(n, zDim), DataBuffers.of(zv, true, false));
        Result res = bundle.session().runner().feed(z.name, zt).fetch(samples.name).run()) {
      TFloat32 s = (TFloat32) res.get(0);
      Shape sh = s.shape();
      if (sh.numDimensions() != 4 || sh.get(0) != n || (sh.get(3) != 1 && sh.get(3) != 3)) {
        throw new UserError(ScorerMain.EXIT_MODEL, "generator output 'samples' has shape " + sh
            + " for " + n + " latent vectors; expected [" + n + ", H, W, 1 or 3]");
      }
      int h = (int) sh.get(1);
      int w = (int) sh.get(2);
      int c = (int) sh.get(3);
      float[] v = new float[(int) sh.size()];
      s.asRawTensor().data().asFloats().read(v);
      int per = h * w * c;
      for (int i = 0; i < n; i++) {
        byte[] rgb = new byte[h * w * 3];
        for (int p = 0; p < h * w; p++) {
          for (int ch = 0; ch < 3; ch++) {
            float x = v[i * per + p * c + (c == 1 ? 0 : ch)];
            long q = Math.round((x + 1.0) * 127.5);
            rgb[p * 3 + ch] = (byte) Math.max(0, Math.min(255, q));
          }
        }
        out.add(new Item("generated #" + (from + i), new DecodedImage(w, h, rgb), null));
      }
    }
    return out;
  }

  @Override
  public void close() {
    bundle.close();
  }
}
