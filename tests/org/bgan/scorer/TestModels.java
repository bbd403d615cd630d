package org.bgan.scorer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TUint8;

/** Small SavedModels and graphs built by the tests. */
final class TestModels {
  private TestModels() {}

  /** W (12 x 5) of the tiny classifier: W[i][c] = sin(i + 2c). */
  static float[] weights() {
    float[] w = new float[12 * 5];
    for (int i = 0; i < 12; i++) {
      for (int c = 0; c < 5; c++) {
        w[i * 5 + c] = (float) Math.sin(i + 2 * c);
      }
    }
    return w;
  }

  /**
   * images [N, 8, 8, 3] (range given by the caller's flags) → features [N, 12] = 4x4 average pools,
   * logits [N, 5] = features · W. With {@code signatureKey} not serving_default, the scorer must be told.
   */
  static void featureModel(Path dir, String signatureKey) throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 3)));
      Operand<TFloat32> pooled = tf.nn.avgPool(x, List.of(1L, 4L, 4L, 1L), List.of(1L, 4L, 4L, 1L), "VALID");
      Operand<TFloat32> f = tf.reshape(pooled, tf.constant(new long[] {-1, 12}));
      Operand<TFloat32> w = tf.variable(tf.constant(Shape.of(12, 5), DataBuffers.of(weights(), true, false)));
      Operand<TFloat32> logits = tf.linalg.matMul(f, w);
      try (Session s = new Session(g)) {
        s.initialize();
        Signature sig = Signature.builder().key(signatureKey).input("pixels", x).output("features", f)
            .output("logits", logits).build();
        org.tensorflow.SavedModelBundle.exporter(dir.toString()).withFunction(s.function(sig)).export();
      }
    }
  }

  /** A model whose only signature has a vector input: no usable image input. */
  static void unusableModel(Path dir) throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      Operand<TFloat32> v = tf.variable(tf.constant(new float[] {1, 2, 3}));
      Operand<TFloat32> y = tf.math.mul(x, v);
      try (Session s = new Session(g)) {
        s.initialize();
        Signature sig = Signature.builder().key("serving_default").input("vec", x).output("scaled", y).build();
        org.tensorflow.SavedModelBundle.exporter(dir.toString()).withFunction(s.function(sig)).export();
      }
    }
  }

  /** Generator: z [N, 4] → samples [N, 8, 8, 3] = tanh(z · G) with G[k][j] = cos(0.1 j + k). */
  static void generator(Path dir) throws IOException {
    float[] gw = new float[4 * 192];
    for (int k = 0; k < 4; k++) {
      for (int j = 0; j < 192; j++) {
        gw[k * 192 + j] = (float) Math.cos(0.1 * j + k);
      }
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> z = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<TFloat32> w = tf.variable(tf.constant(Shape.of(4, 192), DataBuffers.of(gw, true, false)));
      Operand<TFloat32> s = tf.reshape(tf.math.tanh(tf.linalg.matMul(z, w)), tf.constant(new long[] {-1, 8, 8, 3}));
      try (Session sess = new Session(g)) {
        sess.initialize();
        Signature sig = Signature.builder().key("serving_default").input("z", z).output("samples", s).build();
        org.tensorflow.SavedModelBundle.exporter(dir.toString()).withFunction(sess.function(sig)).export();
      }
    }
  }

  /**
   * A frozen graph with the node names of the classic classify_image_graph_def.pb, scaled down:
   * DecodeJpeg (uint8 [h,w,3]) → Cast → ExpandDims → ResizeBilinear (to 16x16) → Sub 128 → Mul 1/128
   * → conv (3→6, 1x1, constant weights) → Relu → pool_3 (16x16 average) → pool_3/_reshape [1, 6] →
   * softmax/logits/MatMul with softmax/weights [6, 4] → softmax/logits (+ softmax/biases) → softmax.
   */
  static Graph buildClassicLike() {
    Graph g = new Graph();
    Ops tf = Ops.create(g);
    Placeholder<TUint8> jpeg = tf.withName("DecodeJpeg").placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, -1, 3)));
    Operand<TFloat32> cast = tf.withName("Cast").dtypes.cast(jpeg, TFloat32.class);
    Operand<TFloat32> ex = tf.withName("ExpandDims").expandDims(cast, tf.constant(0));
    Operand<TFloat32> rs = tf.withName("ResizeBilinear").image.resizeBilinear(ex, tf.constant(new int[] {16, 16}),
        ResizeBilinear.alignCorners(false), ResizeBilinear.halfPixelCenters(false));
    Operand<TFloat32> sub = tf.withName("Sub").math.sub(rs, tf.constant(128f));
    Operand<TFloat32> mul = tf.withName("Mul").math.mul(sub, tf.constant(1f / 128f));
    float[] cw = new float[3 * 6];
    for (int i = 0; i < cw.length; i++) {
      cw[i] = (float) Math.sin(1.3 * i);
    }
    Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(mul,
        tf.constant(Shape.of(1, 1, 3, 6), DataBuffers.of(cw, true, false)), List.of(1L, 1L, 1L, 1L), "SAME");
    Operand<TFloat32> relu = tf.withName("conv_relu").nn.relu(conv);
    Operand<TFloat32> pool = tf.withName("pool_3").nn.avgPool(relu, List.of(1L, 16L, 16L, 1L), List.of(1L, 1L, 1L, 1L), "VALID");
    Operand<TFloat32> r = tf.withName("pool_3_reshape").reshape(pool, tf.constant(new long[] {1, 6}));
    float[] sw = new float[6 * 4];
    for (int i = 0; i < sw.length; i++) {
      sw[i] = (float) Math.cos(0.7 * i);
    }
    Operand<TFloat32> w = tf.withName("softmax_weights").constant(Shape.of(6, 4), DataBuffers.of(sw, true, false));
    Operand<TFloat32> mm = tf.withName("softmax_logits_MatMul").linalg.matMul(r, w);
    Operand<TFloat32> lg = tf.withName("softmax_logits").nn.biasAdd(mm,
        tf.withName("softmax_biases").constant(new float[] {5f, -5f, 3f, 0f}));
    tf.withName("softmax").nn.softmax(lg);
    return g;
  }

  /** The classic names that TF Java's name check refuses at build time, restored in the GraphDef. */
  static final java.util.Map<String, String> RENAME = java.util.Map.of("conv_relu", "conv/relu",
      "pool_3_reshape", "pool_3/_reshape", "softmax_weights", "softmax/weights",
      "softmax_logits_MatMul", "softmax/logits/MatMul", "softmax_biases", "softmax/biases",
      "softmax_logits", "softmax/logits");

  static org.tensorflow.proto.GraphDef classicGraphDef() {
    try (Graph g = buildClassicLike()) {
      org.tensorflow.proto.GraphDef.Builder b = g.toGraphDef().toBuilder();
      for (int i = 0; i < b.getNodeCount(); i++) {
        org.tensorflow.proto.NodeDef.Builder n = b.getNode(i).toBuilder();
        n.setName(RENAME.getOrDefault(n.getName(), n.getName()));
        for (int k = 0; k < n.getInputCount(); k++) {
          String in = n.getInput(k);
          String prefix = in.startsWith("^") ? "^" : "";
          String base = in.substring(prefix.length());
          String suffix = "";
          int colon = base.indexOf(':');
          if (colon >= 0) {
            suffix = base.substring(colon);
            base = base.substring(0, colon);
          }
          n.setInput(k, prefix + RENAME.getOrDefault(base, base) + suffix);
        }
        b.setNode(i, n);
      }
      return b.build();
    }
  }

  /** The classic-like graph with its classic node names. */
  static Graph classicLikeGraph() {
    Graph g = new Graph();
    g.importGraphDef(classicGraphDef());
    return g;
  }

  static void writeClassicPb(Path file) throws IOException {
    Files.write(file, classicGraphDef().toByteArray());
  }
}
