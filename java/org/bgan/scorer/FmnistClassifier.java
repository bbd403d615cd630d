package org.bgan.scorer;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The project's Fashion-MNIST classifier, the scorer's default model for Fashion-MNIST: a small CNN
 * (conv3×3·32 → conv3×3·64 stride 2 → conv3×3·64 stride 2 → dense 256 = "features" → dense 10 =
 * "logits", ReLU, He-uniform initialisation), trained with Adam (1e-3) on batches of 100, exported as
 * a SavedModel: input {@code images} float32 [N, 28, 28, 1] in 0..1, outputs {@code features} [N, 256]
 * and {@code logits} [N, 10].
 */
public final class FmnistClassifier {
  public static final int FEATURES = 256;

  private FmnistClassifier() {}

  public record Result(double testAccuracy, int testImages) {}

  /** Images as floats in 0..1 (n×784) and labels. */
  public record Data(float[] images, int[] labels, int count) {}

  public static Data readIdx(Path images, Path labels, int limit) throws IOException {
    try (DataInputStream im = open(images); DataInputStream lb = open(labels)) {
      if (im.readInt() != 2051) {
        throw new UserError(ScorerMain.EXIT_INPUT, images + ": not an IDX image file");
      }
      int n = im.readInt();
      int rows = im.readInt();
      int cols = im.readInt();
      if (lb.readInt() != 2049 || lb.readInt() != n) {
        throw new UserError(ScorerMain.EXIT_INPUT, labels + ": not an IDX label file for " + images);
      }
      if (rows != 28 || cols != 28) {
        throw new UserError(ScorerMain.EXIT_INPUT, images + ": images are " + rows + "x" + cols + ", expected 28x28");
      }
      n = Math.min(n, limit);
      byte[] raw = new byte[n * 784];
      im.readFully(raw);
      byte[] l = new byte[n];
      lb.readFully(l);
      float[] x = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        x[i] = (raw[i] & 0xff) / 255f;
      }
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        y[i] = l[i];
      }
      return new Data(x, y, n);
    }
  }

  private static DataInputStream open(Path p) throws IOException {
    if (!Files.isRegularFile(p)) {
      throw new UserError(ScorerMain.EXIT_INPUT, p + (p.toString().endsWith(".gz") ? "" : "[.gz]")
          + ": no such file (install the Debian package dataset-fashion-mnist or pass --data DIR)");
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
    if (p.toString().endsWith(".gz")) {
      in = new GZIPInputStream(in, 1 << 16);
    }
    return new DataInputStream(in);
  }

  static Path idx(Path dir, String base) {
    Path gz = dir.resolve(base + ".gz");
    return Files.exists(gz) ? gz : dir.resolve(base);
  }

  private static float[] heUniform(Random rng, int fanIn, int size) {
    float[] w = new float[size];
    double limit = Math.sqrt(6.0 / fanIn);
    for (int i = 0; i < size; i++) {
      w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
    }
    return w;
  }

  private static Variable<TFloat32> var(Ops tf, String name, float[] init, long... shape) {
    return tf.withName(name).variable(tf.constant(Shape.of(shape), DataBuffers.of(init, true, false)));
  }

  /**
   * Trains on the Debian package's files in {@code data} and exports to {@code outDir}, unless the test
   * accuracy is below {@code minAccuracy}: then nothing is written and the error says so (a model left
   * behind would be picked up by the next run of tools/score-fmnist, which trains only when it is missing).
   */
  public static Result train(Path data, Path outDir, int epochs, int trainLimit, long seed, double minAccuracy,
      PrintStream log) throws IOException {
    if (java.nio.file.Files.exists(outDir)) {
      throw new UserError(ScorerMain.EXIT_INPUT, outDir + ": already exists (refusing to overwrite)");
    }
    Data train = readIdx(idx(data, "train-images-idx3-ubyte"), idx(data, "train-labels-idx1-ubyte"), trainLimit);
    Data test = readIdx(idx(data, "t10k-images-idx3-ubyte"), idx(data, "t10k-labels-idx1-ubyte"), 10000);
    Random rng = new Random(seed);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("images").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 10)));
      Variable<TFloat32> w1 = var(tf, "conv1_w", heUniform(rng, 9, 9 * 32), 3, 3, 1, 32);
      Variable<TFloat32> b1 = var(tf, "conv1_b", new float[32], 32);
      Variable<TFloat32> w2 = var(tf, "conv2_w", heUniform(rng, 9 * 32, 9 * 32 * 64), 3, 3, 32, 64);
      Variable<TFloat32> b2 = var(tf, "conv2_b", new float[64], 64);
      Variable<TFloat32> w3 = var(tf, "conv3_w", heUniform(rng, 9 * 64, 9 * 64 * 64), 3, 3, 64, 64);
      Variable<TFloat32> b3 = var(tf, "conv3_b", new float[64], 64);
      Variable<TFloat32> w4 = var(tf, "dense1_w", heUniform(rng, 3136, 3136 * FEATURES), 3136, FEATURES);
      Variable<TFloat32> b4 = var(tf, "dense1_b", new float[FEATURES], FEATURES);
      Variable<TFloat32> w5 = var(tf, "dense2_w", heUniform(rng, FEATURES, FEATURES * 10), FEATURES, 10);
      Variable<TFloat32> b5 = var(tf, "dense2_b", new float[10], 10);
      Operand<TFloat32> h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w1, List.of(1L, 1L, 1L, 1L), "SAME"), b1));
      h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, w2, List.of(1L, 2L, 2L, 1L), "SAME"), b2));
      h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, w3, List.of(1L, 2L, 2L, 1L), "SAME"), b3));
      h = tf.reshape(h, tf.constant(new long[] {-1, 3136}));
      Operand<TFloat32> features = tf.withName("features").nn.relu(tf.math.add(tf.linalg.matMul(h, w4), b4));
      Operand<TFloat32> logits = tf.withName("logits").math.add(tf.linalg.matMul(features, w5), b5);
      Operand<TFloat32> loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, y).loss(),
          tf.constant(0));
      Op step = new Adam(g, 1e-3f).minimize(loss);
      try (Session s = new Session(g)) {
        s.initialize();
        int batch = 100;
        int[] order = new int[train.count()];
        for (int i = 0; i < order.length; i++) {
          order[i] = i;
        }
        float[] bx = new float[batch * 784];
        float[] by = new float[batch * 10];
        long t0 = System.nanoTime();
        for (int ep = 0; ep < epochs; ep++) {
          for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
          }
          double lossSum = 0;
          int steps = 0;
          for (int b0 = 0; b0 + batch <= order.length; b0 += batch) {
            Arrays.fill(by, 0f);
            for (int k = 0; k < batch; k++) {
              int idx = order[b0 + k];
              System.arraycopy(train.images(), idx * 784, bx, k * 784, 784);
              by[k * 10 + train.labels()[idx]] = 1f;
            }
            try (TFloat32 tx = TFloat32.tensorOf(Shape.of(batch, 28, 28, 1), DataBuffers.of(bx, true, false));
                TFloat32 ty = TFloat32.tensorOf(Shape.of(batch, 10), DataBuffers.of(by, true, false));
                org.tensorflow.Result r = s.runner().feed(x, tx).feed(y, ty).addTarget(step).fetch(loss).run()) {
              lossSum += ((TFloat32) r.get(0)).getFloat();
              steps++;
            }
          }
          double acc = accuracy(s, x, logits, test);
          log.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, test accuracy %.4f (%.0f s)%n", ep + 1,
              epochs, lossSum / Math.max(1, steps), acc, (System.nanoTime() - t0) / 1e9);
        }
        double acc = accuracy(s, x, logits, test);
        if (acc < minAccuracy) {
          throw new UserError(ScorerMain.EXIT_INPUT, String.format(Locale.ROOT, "test accuracy %.4f (%d test "
              + "images) is below --min-accuracy %.4f; no model written to %s", acc, test.count(), minAccuracy, outDir));
        }
        Signature sig = Signature.builder().key(Signature.DEFAULT_KEY).input("images", x)
            .output("features", features).output("logits", logits).build();
        Models.exportAtomically(outDir, s, sig, "0,1", "28x28", String.format(Locale.ROOT,
            "Fashion-MNIST classifier (tools/inception-score train-fmnist), test accuracy %.4f", acc));
        return new Result(acc, test.count());
      }
    }
  }

  static double accuracy(Session s, Placeholder<TFloat32> x, Operand<TFloat32> logits, Data test) {
    int correct = 0;
    int batch = 500;
    for (int b0 = 0; b0 < test.count(); b0 += batch) {
      int n = Math.min(batch, test.count() - b0);
      float[] bx = Arrays.copyOfRange(test.images(), b0 * 784, (b0 + n) * 784);
      try (TFloat32 tx = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(bx, true, false));
          org.tensorflow.Result r = s.runner().feed(x, tx).fetch(logits).run()) {
        float[] l = new float[n * 10];
        ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(l);
        for (int i = 0; i < n; i++) {
          int best = 0;
          for (int c = 1; c < 10; c++) {
            if (l[i * 10 + c] > l[i * 10 + best]) {
              best = c;
            }
          }
          if (best == test.labels()[b0 + i]) {
            correct++;
          }
        }
      }
    }
    return (double) correct / test.count();
  }
}
