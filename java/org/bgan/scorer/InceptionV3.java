package org.bgan.scorer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.types.TFloat32;

/**
 * An Inception-v3-architecture network (Szegedy et al. 2016, "Rethinking the Inception architecture";
 * the layer shapes of the classic graph and of torchvision's inception_v3 without the auxiliary head)
 * with random He-normal weights, for tests and speed measurements. Each conv is conv + bias + ReLU
 * (batch normalisation folded into the bias, as in an inference graph). Input {@code images} float32
 * [N, 299, 299, 3] in [-1, 1]; outputs {@code features} [N, 2048] (global average pool) and
 * {@code logits} [N, 1008].
 */
public final class InceptionV3 {
  public static final int CLASSES = 1008;

  private final Ops tf;
  private long seed;
  private int layer;

  private InceptionV3(Ops tf, long seed) {
    this.tf = tf;
    this.seed = seed;
  }

  private Operand<TFloat32> randomVar(String name, float scale, long... shape) {
    Operand<TFloat32> init = tf.math.mul(tf.random.randomStandardNormal(tf.constant(shape), TFloat32.class,
        RandomStandardNormal.seed(seed), RandomStandardNormal.seed2((long) ++layer)), tf.constant(scale));
    return tf.withName(name).variable(init);
  }

  private Operand<TFloat32> conv(Operand<TFloat32> x, int out, int kh, int kw, int stride, String padding) {
    long in = x.shape().get(3);
    String n = "conv" + layer;
    Operand<TFloat32> w = randomVar(n + "_w", (float) Math.sqrt(2.0 / (kh * kw * in)), kh, kw, in, out);
    Operand<TFloat32> b = randomVar(n + "_b", 0.01f, out);
    return tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w, List.of(1L, (long) stride, (long) stride, 1L), padding), b));
  }

  private Operand<TFloat32> conv(Operand<TFloat32> x, int out, int k) {
    return conv(x, out, k, k, 1, "SAME");
  }

  private Operand<TFloat32> maxPool(Operand<TFloat32> x) {
    return tf.nn.maxPool(x, tf.constant(new int[] {1, 3, 3, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
  }

  private Operand<TFloat32> avgPool3(Operand<TFloat32> x) {
    return tf.nn.avgPool(x, List.of(1L, 3L, 3L, 1L), List.of(1L, 1L, 1L, 1L), "SAME");
  }

  private Operand<TFloat32> concat(List<Operand<TFloat32>> parts) {
    return tf.concat(parts, tf.constant(3));
  }

  private Operand<TFloat32> blockA(Operand<TFloat32> x, int poolFeatures) {
    List<Operand<TFloat32>> p = new ArrayList<>();
    p.add(conv(x, 64, 1));
    p.add(conv(conv(x, 48, 1), 64, 5));
    p.add(conv(conv(conv(x, 64, 1), 96, 3), 96, 3));
    p.add(conv(avgPool3(x), poolFeatures, 1));
    return concat(p);
  }

  private Operand<TFloat32> blockB(Operand<TFloat32> x) {
    List<Operand<TFloat32>> p = new ArrayList<>();
    p.add(conv(x, 384, 3, 3, 2, "VALID"));
    p.add(conv(conv(conv(x, 64, 1), 96, 3), 96, 3, 3, 2, "VALID"));
    p.add(maxPool(x));
    return concat(p);
  }

  private Operand<TFloat32> blockC(Operand<TFloat32> x, int c7) {
    List<Operand<TFloat32>> p = new ArrayList<>();
    p.add(conv(x, 192, 1));
    Operand<TFloat32> b = conv(x, c7, 1);
    b = conv(b, c7, 1, 7, 1, "SAME");
    p.add(conv(b, 192, 7, 1, 1, "SAME"));
    Operand<TFloat32> d = conv(x, c7, 1);
    d = conv(d, c7, 7, 1, 1, "SAME");
    d = conv(d, c7, 1, 7, 1, "SAME");
    d = conv(d, c7, 7, 1, 1, "SAME");
    p.add(conv(d, 192, 1, 7, 1, "SAME"));
    p.add(conv(avgPool3(x), 192, 1));
    return concat(p);
  }

  private Operand<TFloat32> blockD(Operand<TFloat32> x) {
    List<Operand<TFloat32>> p = new ArrayList<>();
    p.add(conv(conv(x, 192, 1), 320, 3, 3, 2, "VALID"));
    Operand<TFloat32> b = conv(x, 192, 1);
    b = conv(b, 192, 1, 7, 1, "SAME");
    b = conv(b, 192, 7, 1, 1, "SAME");
    p.add(conv(b, 192, 3, 3, 2, "VALID"));
    p.add(maxPool(x));
    return concat(p);
  }

  private Operand<TFloat32> blockE(Operand<TFloat32> x) {
    List<Operand<TFloat32>> p = new ArrayList<>();
    p.add(conv(x, 320, 1));
    Operand<TFloat32> b = conv(x, 384, 1);
    p.add(concat(List.of(conv(b, 384, 1, 3, 1, "SAME"), conv(b, 384, 3, 1, 1, "SAME"))));
    Operand<TFloat32> d = conv(conv(x, 448, 1), 384, 3);
    p.add(concat(List.of(conv(d, 384, 1, 3, 1, "SAME"), conv(d, 384, 3, 1, 1, "SAME"))));
    p.add(conv(avgPool3(x), 192, 1));
    return concat(p);
  }

  /** Builds the network on {@code images}; returns {features, logits}. */
  @SuppressWarnings("unchecked")
  public static Operand<TFloat32>[] build(Ops tf, Operand<TFloat32> images, long seed) {
    InceptionV3 n = new InceptionV3(tf, seed);
    Operand<TFloat32> x = n.conv(images, 32, 3, 3, 2, "VALID");
    x = n.conv(x, 32, 3, 3, 1, "VALID");
    x = n.conv(x, 64, 3);
    x = n.maxPool(x);
    x = n.conv(x, 80, 1, 1, 1, "VALID");
    x = n.conv(x, 192, 3, 3, 1, "VALID");
    x = n.maxPool(x);
    x = n.blockA(x, 32);
    x = n.blockA(x, 64);
    x = n.blockA(x, 64);
    x = n.blockB(x);
    x = n.blockC(x, 128);
    x = n.blockC(x, 160);
    x = n.blockC(x, 160);
    x = n.blockC(x, 192);
    x = n.blockD(x);
    x = n.blockE(x);
    x = n.blockE(x);
    Operand<TFloat32> features = tf.withName("features").math.mean(x, tf.constant(new int[] {1, 2}));
    Operand<TFloat32> w = n.randomVar("fc_w", (float) Math.sqrt(1.0 / 2048), 2048, CLASSES);
    Operand<TFloat32> b = n.randomVar("fc_b", 0.0f, CLASSES);
    Operand<TFloat32> logits = tf.withName("logits").math.add(tf.linalg.matMul(features, w), b);
    return new Operand[] {features, logits};
  }

  /** Builds, initialises and exports the random-weight network to outDir. */
  public static void export(Path outDir, long seed) throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 299, 299, 3)));
      Operand<TFloat32>[] out = build(tf, images, seed);
      try (Session s = new Session(g)) {
        s.initialize();
        Signature sig = Signature.builder().key(Signature.DEFAULT_KEY).input("images", images)
            .output("features", out[0]).output("logits", out[1]).build();
        Models.exportAtomically(outDir, s, sig, "-1,1", "299x299",
            "Inception-v3 architecture with RANDOM weights (tools/inception-score random-inception): for speed "
                + "measurements and tests only, its scores mean nothing");
      }
    }
  }
}
