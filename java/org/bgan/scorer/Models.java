package org.bgan.scorer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/** SavedModel utilities of the scorer: inspection, the classic-graph import, atomic export. */
public final class Models {
  /** Node names of the classic frozen Inception graph (classify_image_graph_def.pb). */
  public static final String CLASSIC_INPUT = "ExpandDims";
  public static final String CLASSIC_POOL = "pool_3";
  public static final String CLASSIC_WEIGHTS = "softmax/weights";

  private Models() {}

  /**
   * Lists signatures and what the scorer would use on {@code out}; when it cannot use the model, a
   * UserError with the reason (and its exit code: 4 for the model, 2 for a missing --input-range),
   * after the listing. (It printed the reason on stdout, cut after "; the model has:", and exited 0.)
   */
  public static void inspect(Path dir, ModelSpec spec, java.io.PrintStream out) {
    try (SavedModelBundle b = SavedModelExtractor.load(dir, spec.tfThreads)) {
      out.print(dir + ":\n" + SavedModelExtractor.describe(b));
    }
    try (SavedModelExtractor x = SavedModelExtractor.open(dir, spec)) {
      out.println("scorer would use: " + x.summary());
    } catch (UserError e) {
      // the listing is above: keep the reason only
      String reason = e.getMessage().replaceFirst("(?s); the model has:.*", "");
      throw new UserError(e.exitCode(), "the scorer cannot use it as is: " + reason);
    }
  }

  /**
   * Imports the classic frozen Inception graph into a SavedModel: the node {@code ExpandDims} (the
   * batch-of-one image after DecodeJpeg) becomes a placeholder {@code images} float32 [N, H, W, 3] in
   * 0..255, {@code features} = reshape(pool_3, [N, 2048]) and {@code logits} = features ·
   * softmax/weights (no bias). The graph's own ResizeBilinear (to 299×299) and (x − 128)/128 stay.
   */
  public static String importGraphDef(Path pb, Path outDir) throws IOException {
    if (!Files.isRegularFile(pb)) {
      throw new UserError(ScorerMain.EXIT_INPUT, pb + ": no such file");
    }
    if (Files.exists(outDir)) {
      throw new UserError(ScorerMain.EXIT_INPUT, outDir + ": already exists (refusing to overwrite)");
    }
    GraphDef gd;
    try (InputStream in = Files.newInputStream(pb)) {
      gd = GraphDef.parseFrom(com.google.protobuf.CodedInputStream.newInstance(in));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new UserError(ScorerMain.EXIT_INPUT, pb + ": not a frozen TensorFlow GraphDef (.pb): " + e.getMessage());
    }
    Set<String> names = new HashSet<>();
    for (NodeDef n : gd.getNodeList()) {
      names.add(n.getName());
    }
    List<String> missing = new ArrayList<>();
    for (String need : new String[] {CLASSIC_INPUT, CLASSIC_POOL, CLASSIC_WEIGHTS}) {
      if (!names.contains(need)) {
        missing.add(need);
      }
    }
    if (!missing.isEmpty()) {
      throw new UserError(ScorerMain.EXIT_INPUT, pb + ": not the classic Inception graph: no node(s) "
          + String.join(", ", missing) + " (it has " + gd.getNodeCount() + " nodes)");
    }
    GraphDef.Builder b = gd.toBuilder();
    for (int i = 0; i < b.getNodeCount(); i++) {
      if (b.getNode(i).getName().equals(CLASSIC_INPUT)) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int d : new int[] {-1, -1, -1, 3}) {
          shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        b.setNode(i, NodeDef.newBuilder().setName(CLASSIC_INPUT).setOp("Placeholder")
            .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
            .putAttr("shape", AttrValue.newBuilder().setShape(shape).build()).build());
      }
    }
    Path tmp = Files.createTempDirectory(outDir.toAbsolutePath().getParent() == null ? Path.of(".")
        : ensureParent(outDir), "." + outDir.getFileName() + ".tmp");
    int dim;
    int classes;
    try (Graph g = new Graph()) {
      try {
        g.importGraphDef(b.build());
      } catch (IllegalArgumentException e) {
        throw new UserError(ScorerMain.EXIT_INPUT, pb + ": cannot import the graph: " + e.getMessage());
      }
      Ops tf = Ops.create(g);
      GraphOperation input = g.operation(CLASSIC_INPUT);
      @SuppressWarnings("unchecked")
      Operand<TFloat32> pool = (Operand<TFloat32>) (Operand<?>) g.operation(CLASSIC_POOL).output(0);
      @SuppressWarnings("unchecked")
      Operand<TFloat32> w = (Operand<TFloat32>) (Operand<?>) g.operation(CLASSIC_WEIGHTS).output(0);
      Shape ws = w.shape();
      if (ws.numDimensions() != 2 || ws.get(0) <= 0 || ws.get(1) <= 0) {
        throw new UserError(ScorerMain.EXIT_INPUT, pb + ": softmax/weights has shape " + ws + ", expected [2048, 1008]");
      }
      dim = (int) ws.get(0);
      classes = (int) ws.get(1);
      Operand<TFloat32> features = tf.withName("features").reshape(pool, tf.constant(new long[] {-1, dim}));
      Operand<TFloat32> logits = tf.withName("logits").linalg.matMul(features, w);
      try (Session s = new Session(g)) {
        Signature sig = Signature.builder().key(Signature.DEFAULT_KEY)
            .input("images", (Operand<?>) input.output(0)).output("features", features)
            .output("logits", logits).build();
        Path exportDir = tmp.resolve("model");
        SavedModelBundle.exporter(exportDir.toString()).withFunction(s.function(sig)).export();
        ModelSpec.writeProperties(exportDir, "0,255", null, "features", "logits",
            "imported from the classic frozen Inception graph " + pb.getFileName()
                + "; the graph resizes to 299x299 itself (ResizeBilinear) and applies (x-128)/128");
        org.bgan.util.AtomicFiles.moveSynced(exportDir, outDir);
      }
    } finally {
      deleteTree(tmp);
    }
    return "SavedModel written to " + outDir + ": input 'images' float32 [N,H,W,3] in 0..255, outputs 'features' [N,"
        + dim + "] (pool_3), 'logits' [N," + classes + "] (pool_3 . softmax/weights, no bias)";
  }

  static Path ensureParent(Path outDir) throws IOException {
    Path parent = outDir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return parent;
  }

  /** Exports a session's signatures to outDir through a temporary directory renamed into place. */
  public static void exportAtomically(Path outDir, Session session, Signature sig, String range, String size,
      String description) throws IOException {
    if (Files.exists(outDir)) {
      throw new UserError(ScorerMain.EXIT_INPUT, outDir + ": already exists (refusing to overwrite)");
    }
    Path tmp = Files.createTempDirectory(ensureParent(outDir), "." + outDir.getFileName() + ".tmp");
    try {
      Path exportDir = tmp.resolve("model");
      SavedModelBundle.exporter(exportDir.toString()).withFunction(session.function(sig)).export();
      ModelSpec.writeProperties(exportDir, range, size, "features", "logits", description);
      org.bgan.util.AtomicFiles.moveSynced(exportDir, outDir);
    } finally {
      deleteTree(tmp);
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
