package org.bgan.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * Writes untrained generator SavedModels that follow the export contract ({@code serving_default}:
 * z → samples [, images]; {@code sample}: num, seed → z, samples [, images], drawn with stateless
 * random ops), with weights drawn from a seeded {@link Random}. They exist to exercise and load-test
 * the server before (and independently of) the trainer's own export: the 2-D one has the paper's
 * 2-D generator shape (MLP 2 → 512 → 512 → 512 → 2, ReLU).
 *
 * <p>Command line (used by {@code tools/serve-loadtest}): {@code ExampleGenerator --out DIR
 * [--kind mlp|image] [--seed N]}; DIR is a version directory such as savedmodels/NAME/1 and must
 * not exist yet.
 */
public final class ExampleGenerator {
  static final String METHOD = "tensorflow/serving/predict";

  private ExampleGenerator() {}

  /** The 2-D generator: ReLU MLP z_dim → hidden × layers → 2. */
  static void exportMlp(Path dir, int zDim, int hidden, int layers, long seed) throws IOException {
    Random rnd = new Random(seed);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>[]> weights = new ArrayList<>();
      int in = zDim;
      for (int l = 0; l <= layers; l++) {
        int out = l == layers ? 2 : hidden;
        weights.add(dense(tf, rnd, in, out, "dense" + l));
        in = out;
      }
      Generator gen =
          z -> {
            Operand<TFloat32> h = z;
            for (int l = 0; l < weights.size(); l++) {
              h = tf.math.add(tf.linalg.matMul(h, weights.get(l)[0]), weights.get(l)[1]);
              if (l < weights.size() - 1) {
                h = tf.nn.relu(h);
              }
            }
            return new Operand[] {h};
          };
      export(dir, g, tf, zDim, gen);
    }
  }

  /** An image generator: z → dense → [N, height, width, channels] → tanh, plus uint8 images. */
  static void exportImage(Path dir, int zDim, int height, int width, int channels, long seed)
      throws IOException {
    Random rnd = new Random(seed);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32>[] w = dense(tf, rnd, zDim, height * width * channels, "dense0");
      Generator gen =
          z -> {
            Operand<TFloat32> h = tf.math.add(tf.linalg.matMul(z, w[0]), w[1]);
            Operand<TFloat32> samples =
                tf.math.tanh(
                    tf.reshape(h, tf.constant(new int[] {-1, height, width, channels})));
            Operand<TUint8> images =
                tf.dtypes.cast(
                    tf.math.round(
                        tf.math.mul(
                            tf.math.add(samples, tf.constant(1f)), tf.constant(127.5f))),
                    TUint8.class);
            return new Operand[] {samples, images};
          };
      export(dir, g, tf, zDim, gen);
    }
  }

  private interface Generator {
    /** samples, and images for image generators. */
    Operand<?>[] apply(Operand<TFloat32> z);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32>[] dense(Ops tf, Random rnd, int in, int out, String name) {
    float[][] w = new float[in][out];
    double scale = Math.sqrt(2.0 / in);
    for (float[] row : w) {
      for (int j = 0; j < out; j++) {
        row[j] = (float) (rnd.nextGaussian() * scale);
      }
    }
    float[] b = new float[out];
    for (int j = 0; j < out; j++) {
      b[j] = (float) (rnd.nextGaussian() * 0.01);
    }
    return new Operand[] {
      tf.withName(name + "_w").variable(tf.constant(w)),
      tf.withName(name + "_b").variable(tf.constant(b))
    };
  }

  private static void export(Path dir, Graph g, Ops tf, int zDim, Generator gen)
      throws IOException {
    Placeholder<TFloat32> z =
        tf.withName("z").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, zDim)));
    Operand<?>[] outs = gen.apply(z);
    Signature.Builder serving =
        Signature.builder().key(GeneratorSignatures.DEFAULT).methodName(METHOD).input("z", z);
    serving.output("samples", outs[0]);
    if (outs.length > 1) {
      serving.output("images", outs[1]);
    }

    Placeholder<TInt32> num =
        tf.withName("num").placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
    Placeholder<TInt64> seed =
        tf.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
    Operand<TInt32> shape = tf.stack(List.of(num, tf.constant(zDim)));
    Operand<TInt64> seedPair = tf.stack(List.of(seed, tf.constant(0L)));
    Operand<TFloat32> drawn = tf.random.statelessRandomNormal(shape, seedPair);
    Operand<?>[] sampled = gen.apply(drawn);
    Signature.Builder sample =
        Signature.builder()
            .key(GeneratorSignatures.SAMPLE)
            .methodName(METHOD)
            .input("num", num)
            .input("seed", seed)
            .output("z", drawn)
            .output("samples", sampled[0]);
    if (sampled.length > 1) {
      sample.output("images", sampled[1]);
    }
    try (Session s = new Session(g)) {
      s.initialize();
      SavedModelBundle.exporter(dir.toString())
          .withFunction(SessionFunction.create(serving.build(), s))
          .withFunction(SessionFunction.create(sample.build(), s))
          .export();
    }
  }

  private static final String USAGE =
      "Usage: ExampleGenerator --out DIR [--kind mlp|image] [--seed N]\n"
          + "Writes an untrained generator SavedModel (serving_default + sample signatures) into\n"
          + "DIR, a version directory such as savedmodels/NAME/1 that must not exist yet.\n"
          + "  --kind mlp    the paper's 2-D generator shape: MLP 2 -> 512 -> 512 -> 512 -> 2, ReLU"
          + " (default)\n"
          + "  --kind image  z (16) -> dense -> 8x8x3 tanh samples and uint8 images\n"
          + "  --seed N      seed of the random weights (default 1)\n"
          + "Exit codes: 0 written, 1 export failed, 2 bad arguments.\n";

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    String out = null;
    String kind = "mlp";
    long seed = 1;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("-h") || a.equals("--help")) {
          System.out.print(USAGE);
          return 0;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value after " + a);
        }
        String v = args[++i];
        switch (a) {
          case "--out":
            out = v;
            break;
          case "--kind":
            if (!v.equals("mlp") && !v.equals("image")) {
              throw new IllegalArgumentException("--kind must be mlp or image (got '" + v + "')");
            }
            kind = v;
            break;
          case "--seed":
            seed = Long.parseLong(v);
            break;
          default:
            throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (out == null) {
        throw new IllegalArgumentException("--out DIR is required");
      }
    } catch (NumberFormatException e) {
      System.err.println("error: --seed must be an integer\n" + USAGE);
      return 2;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
    Path dir = Paths.get(out);
    if (Files.exists(dir)) {
      System.err.println("error: --out " + dir + " exists; refusing to overwrite it");
      return 2;
    }
    try {
      if (kind.equals("mlp")) {
        exportMlp(dir, 2, 512, 3, seed);
      } else {
        exportImage(dir, 16, 8, 8, 3, seed);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("error: cannot write the SavedModel to " + dir + ": " + e.getMessage());
      return 1;
    }
    System.out.println(dir);
    return 0;
  }
}
