package org.bgan.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.bgan.scorer.ModelSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** Tiny classifier and generator SavedModels with known answers, built by the tests. */
public final class EvalModels {
  private EvalModels() {}

  /**
   * A 10-class "classifier" of grey {@code side}×{@code side} images in 0..1 (scorer.properties says so):
   * features = the pixels ([N, side²]); logits_k = −100·(9·mean − k)², so the class is the mean
   * brightness times 9, rounded: an image of constant value k/9 is class k.
   */
  public static void brightnessClassifier(Path dir, int side) throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, side, side, 1)));
      Operand<TFloat32> one = tf.variable(tf.constant(1f));
      Operand<TFloat32> xs = tf.math.mul(x, one);
      Operand<TFloat32> f = tf.reshape(xs, tf.constant(new long[] {-1, side * side}));
      Operand<TFloat32> m = tf.math.mean(xs, tf.constant(new int[] {1, 2, 3}), Mean.keepDims(false));
      Operand<TFloat32> mcol = tf.reshape(m, tf.constant(new long[] {-1, 1}));
      Operand<TFloat32> diff = tf.math.sub(tf.math.mul(mcol, tf.constant(9f)),
          tf.constant(new float[][] {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}));
      Operand<TFloat32> logits = tf.math.mul(tf.math.square(diff), tf.constant(-100f));
      try (Session s = new Session(g)) {
        s.initialize();
        Signature sig = Signature.builder().key(Signature.DEFAULT_KEY).input("images", x).output("features", f)
            .output("logits", logits).build();
        SavedModelBundle.exporter(dir.toString()).withFunction(s.function(sig)).export();
      }
    }
    ModelSpec.writeProperties(dir, "0,1", null, "features", "logits", "test brightness classifier");
  }

  /**
   * A "stacked" generator, signature {@code sample} (num, seed → samples [num, side, side, 3]): sample i
   * of a call (i = 0..num−1, whatever the seed) has constant channels of classes R = i mod 10,
   * G = ⌊i/10⌋ mod 10, B = 0, i.e. value 2c/9 − 1 for class c.
   */
  public static void stackedGenerator(Path dir, int side) throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Ops s = tf.withSubScope("sample");
      Placeholder<TInt32> num = s.withName("num").placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt64> seed = s.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      Operand<TFloat32> one = tf.variable(tf.constant(1f));
      Operand<TFloat32> i = tf.dtypes.cast(tf.range(tf.constant(0), num, tf.constant(1)), TFloat32.class);
      Operand<TFloat32> ten = tf.constant(10f);
      Operand<TFloat32> r = tf.math.floorMod(i, ten);
      Operand<TFloat32> gch = tf.math.floorMod(tf.math.floor(tf.math.div(i, ten)), ten);
      Operand<TFloat32> b = tf.math.mul(i, tf.constant(0f));
      Operand<TFloat32> cls = tf.stack(List.of(r, gch, b), org.tensorflow.op.core.Stack.axis(1L));  // [num, 3]
      Operand<TFloat32> v = tf.math.sub(tf.math.mul(cls, tf.constant(2f / 9f)), one);
      Operand<TFloat32> v4 = tf.reshape(v, tf.constant(new long[] {-1, 1, 1, 3}));
      Operand<TInt32> shape = tf.stack(List.of(num, tf.constant(side), tf.constant(side), tf.constant(3)));
      Operand<TFloat32> samples = tf.broadcastTo(v4, shape);
      export(dir, g, num, seed, samples);
    }
  }

  /**
   * A generator with support of exactly {@code m} images: signature {@code sample} draws each sample's
   * index uniformly from 0..m−1 (stateless, from the seed) and outputs that row of a fixed table of m
   * random grey {@code side}×{@code side} images (values uniform in [−1, 1] from java.util.Random(42)).
   */
  public static void finiteSupportGenerator(Path dir, int m, int side) throws IOException {
    float[] table = new float[m * side * side];
    Random rnd = new Random(42);
    for (int k = 0; k < table.length; k++) {
      table[k] = rnd.nextFloat() * 2 - 1;
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Ops s = tf.withSubScope("sample");
      Placeholder<TInt32> num = s.withName("num").placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt64> seed = s.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      Operand<TFloat32> t = tf.variable(tf.constant(Shape.of(m, side, side, 1), DataBuffers.of(table, true, false)));
      Operand<TInt64> seedVec = tf.stack(List.of(seed, tf.constant(7L)));
      Operand<TFloat32> u = tf.random.statelessRandomUniform(tf.reshape(num, tf.constant(new int[] {1})), seedVec,
          TFloat32.class);
      Operand<TInt32> idx = tf.math.minimum(tf.dtypes.cast(tf.math.floor(tf.math.mul(u, tf.constant((float) m))), TInt32.class),
          tf.constant(m - 1));
      Operand<TFloat32> samples = tf.gather(t, idx, tf.constant(0));
      export(dir, g, num, seed, samples);
    }
  }

  private static void export(Path dir, Graph g, Placeholder<TInt32> num, Placeholder<TInt64> seed,
      Operand<TFloat32> samples) throws IOException {
    try (Session sess = new Session(g)) {
      sess.initialize();
      Signature sig = Signature.builder().key("sample").input("num", num).input("seed", seed)
          .output("samples", samples).build();
      SavedModelBundle.exporter(dir.toString()).withFunction(sess.function(sig)).export();
    }
  }
}
