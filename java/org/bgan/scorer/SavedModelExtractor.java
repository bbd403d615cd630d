package org.bgan.scorer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.ImageBatch;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.image.ResizeBicubic;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * A {@link FeatureExtractor} over any Inception-like SavedModel: finds the image input, the feature
 * output and the logits (or probabilities) output of a signature, and runs a small preprocessing graph
 * first (uint8 RGB → float, grey conversion for 1-channel models, TF resize to the model's size, scaling
 * to its value range).
 */
public final class SavedModelExtractor implements FeatureExtractor {
  private final SavedModelBundle bundle;
  private final Graph preGraph;
  private final Session preSession;
  private final Placeholder<TUint8> preInput;
  private final Operand<TFloat32> preOutput;
  private final Signature.TensorDescription input;
  private final Signature.TensorDescription features;
  private final Signature.TensorDescription classes;
  private final boolean probabilities;
  private final int featureDim;
  private final int classCount;
  private final String summary;
  private final Path dir;
  private final String preprocessing;
  private final int inputHeight;
  private final int inputWidth;
  private final String resizeMethod;
  private java.util.function.Consumer<String> resizeNotice;
  private String identity;

  private SavedModelExtractor(SavedModelBundle bundle, Signature sig, ModelSpec spec, Path dir) {
    this.bundle = bundle;
    Map<String, Signature.TensorDescription> ins = sig.getInputs();
    Map<String, Signature.TensorDescription> outs = sig.getOutputs();
    String inName = spec.input;
    if (inName == null) {
      List<String> rank4 = new ArrayList<>();
      for (var e : ins.entrySet()) {
        if (e.getValue().shape.numDimensions() == 4 || e.getValue().shape.isUnknown()) {
          rank4.add(e.getKey());
        }
      }
      if (rank4.size() != 1 || ins.size() != 1 && rank4.size() != 1) {
        throw modelError(dir, "cannot tell which input of signature '" + sig.key()
            + "' takes the images (need exactly one 4-D input" + spec.hint(", or --input NAME", "") + ")", bundle);
      }
      inName = rank4.get(0);
    }
    input = ins.get(inName);
    if (input == null) {
      throw modelError(dir, "signature '" + sig.key() + "' has no input '" + inName + "'", bundle);
    }
    String featName = spec.featuresOutput != null ? spec.featuresOutput
        : pick(outs, "features", "pool_3", "pool", "feature", "embedding");
    if (featName == null || !outs.containsKey(featName)) {
      throw modelError(dir, featName == null
          ? "cannot find a feature output in signature '" + sig.key() + "'"
              + spec.hint(" (name one with --features-output)", " (none named features, pool_3, pool, feature or embedding)")
          : "signature '" + sig.key() + "' has no output '" + featName + "'", bundle);
    }
    features = outs.get(featName);
    String clsName;
    boolean probs;
    if (spec.probsOutput != null) {
      clsName = spec.probsOutput;
      probs = true;
    } else if (spec.logitsOutput != null) {
      clsName = spec.logitsOutput;
      probs = false;
    } else {
      clsName = pick(outs, "logits", "logit");
      probs = false;
      if (clsName == null) {
        clsName = pick(outs, "probabilities", "probs", "softmax", "predictions");
        probs = clsName != null;
      }
    }
    if (clsName != null && !outs.containsKey(clsName)) {
      throw modelError(dir, "signature '" + sig.key() + "' has no output '" + clsName + "'", bundle);
    }
    classes = clsName == null ? null : outs.get(clsName);
    probabilities = probs;
    featureDim = lastDimsProduct(features.shape);
    classCount = classes == null ? 0 : lastDimsProduct(classes.shape);
    if (featureDim <= 0) {
      throw modelError(dir, "the feature output '" + featName + "' has no fixed size (shape "
          + features.shape + ")", bundle);
    }
    // input convention
    Shape s = input.shape;
    int h = -1;
    int w = -1;
    int c = 3;
    if (!s.isUnknown() && s.numDimensions() == 4) {
      h = (int) s.get(1);
      w = (int) s.get(2);
      c = (int) s.get(3);
    }
    if (spec.inputSize != null) {
      if (h > 0 && w > 0 && (h != spec.inputSize[0] || w != spec.inputSize[1])) {
        bundle.close();
        throw new UserError(ScorerMain.EXIT_USAGE, "--input-size " + spec.inputSize[0] + "x" + spec.inputSize[1]
            + ": the input '" + inName + "' of " + dir + " takes " + h + "x" + w + " images only (leave --input-size out)");
      }
      h = spec.inputSize[0];
      w = spec.inputSize[1];
    }
    if (spec.resizeGiven && (h <= 0 || w <= 0)) {
      // nothing is resized before such a model (its own graph may resize): --resize would change nothing
      bundle.close();
      throw new UserError(ScorerMain.EXIT_USAGE, "--resize " + spec.resize.flag + ": the input '" + inName + "' of "
          + dir + " takes images of any size, so the scorer does not resize them; add --input-size HxW to resize "
          + "to that size first, or leave --resize out");
    }
    if (c != 1 && c != 3 && c != -1) {
      throw modelError(dir, "the image input '" + inName + "' has " + c + " channels (1 or 3 supported)", bundle);
    }
    if (spec.inputRange == null) {
      throw new UserError(ScorerMain.EXIT_USAGE, dir + ": cannot tell the input value range of this model"
          + " (no " + ModelSpec.PROPERTIES + ")" + spec.hint("; pass --input-range, e.g. 0,255 or -1,1 or 0,1", ""));
    }
    boolean uint8Input = input.dataType == org.tensorflow.proto.DataType.DT_UINT8;
    if (!uint8Input && input.dataType != org.tensorflow.proto.DataType.DT_FLOAT) {
      throw modelError(dir, "the image input '" + inName + "' is " + input.dataType
          + " (float32 or uint8 supported)", bundle);
    }
    preGraph = new Graph();
    Ops tf = Ops.create(preGraph);
    preInput = tf.placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
    Operand<TFloat32> x = tf.dtypes.cast(preInput, TFloat32.class);
    if (c == 1) {
      // ITU-R 601 luma weights, as tf.image.rgb_to_grayscale
      x = tf.sum(tf.math.mul(x, tf.constant(new float[] {0.2989f, 0.587f, 0.114f})), tf.constant(-1),
          Sum.keepDims(true));
    }
    if (h > 0 && w > 0) {
      Operand<TInt32> size = tf.constant(new int[] {h, w});
      x = switch (spec.resize) {
        case TF_BILINEAR -> tf.image.resizeBilinear(x, size, ResizeBilinear.alignCorners(false),
            ResizeBilinear.halfPixelCenters(false));
        case BILINEAR -> tf.image.resizeBilinear(x, size, ResizeBilinear.halfPixelCenters(true));
        case BICUBIC -> tf.image.resizeBicubic(x, size, ResizeBicubic.halfPixelCenters(true));
        case NEAREST -> tf.image.resizeNearestNeighbor(x, size, ResizeNearestNeighbor.halfPixelCenters(true));
        case AREA -> tf.image.resizeArea(x, size);
      };
    }
    float lo = spec.inputRange[0];
    float hi = spec.inputRange[1];
    x = tf.math.add(tf.math.mul(x, tf.constant((hi - lo) / 255f)), tf.constant(lo));
    preOutput = x;
    preSession = new Session(preGraph);
    inputHeight = h;
    inputWidth = w;
    resizeMethod = spec.resize.flag;
    this.dir = dir;
    preprocessing = String.format(Locale.ROOT, "features '%s' (%d), input %s, range %s..%s, resize %s", featName,
        featureDim, h > 0 ? h + "x" + w : "any size", fmt(lo), fmt(hi), h > 0 ? spec.resize.flag : "none");
    summary = String.format(Locale.ROOT,
        "model %s: signature '%s', input '%s' %s (%s, range %s..%s, resize %s), features '%s' (%d), %s",
        dir, sig.key(), inName, s, input.dataType, fmt(lo), fmt(hi),
        h > 0 ? h + "x" + w + " " + spec.resize.flag : "none", featName, featureDim,
        classes == null ? "no class output (no IS)" : (probabilities ? "probabilities '" : "logits '")
            + clsName + "' (" + classCount + ")");
  }

  private static String fmt(float v) {
    return v == Math.rint(v) ? Integer.toString((int) v) : Float.toString(v);
  }

  private static int lastDimsProduct(Shape s) {
    if (s.isUnknown() || s.numDimensions() < 2) {
      return -1;
    }
    long p = 1;
    for (int i = 1; i < s.numDimensions(); i++) {
      if (s.get(i) < 0) {
        return -1;
      }
      p *= s.get(i);
    }
    return (int) p;
  }

  private static String pick(Map<String, Signature.TensorDescription> outs, String... names) {
    for (String n : names) {
      if (outs.containsKey(n)) {
        return n;
      }
    }
    for (String n : names) {
      for (String k : outs.keySet()) {
        if (k.toLowerCase(Locale.ROOT).contains(n)) {
          return k;
        }
      }
    }
    return null;
  }

  /** Describes every signature of a bundle, for error messages and {@code inspect}. */
  public static String describe(SavedModelBundle bundle) {
    StringBuilder sb = new StringBuilder();
    for (Signature sig : bundle.signatures()) {
      sb.append("  signature '").append(sig.key()).append("'\n");
      for (var e : sig.getInputs().entrySet()) {
        sb.append("    input  ").append(e.getKey()).append(": ").append(e.getValue().dataType)
            .append(' ').append(e.getValue().shape).append('\n');
      }
      for (var e : sig.getOutputs().entrySet()) {
        sb.append("    output ").append(e.getKey()).append(": ").append(e.getValue().dataType)
            .append(' ').append(e.getValue().shape).append('\n');
      }
    }
    if (sb.length() == 0) {
      sb.append("  (no signatures)\n");
    }
    return sb.toString();
  }

  private static UserError modelError(Path dir, String msg, SavedModelBundle bundle) {
    String d = describe(bundle);
    bundle.close();
    return new UserError(ScorerMain.EXIT_MODEL, dir + ": " + msg + "; the model has:\n" + d.stripTrailing());
  }

  /** Loads a SavedModel (tag "serve") with the given intra-op thread count (0 = TF default). */
  public static SavedModelBundle load(Path dir, int tfThreads) {
    if (!Files.isDirectory(dir)) {
      throw new UserError(ScorerMain.EXIT_MODEL, dir + ": no such SavedModel directory");
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new UserError(ScorerMain.EXIT_MODEL, dir + ": not a SavedModel (no saved_model.pb)");
    }
    ConfigProto.Builder cfg = ConfigProto.newBuilder();
    if (tfThreads > 0) {
      cfg.setIntraOpParallelismThreads(tfThreads).setInterOpParallelismThreads(1);
    }
    try {
      return SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(cfg.build()).load();
    } catch (RuntimeException e) {
      throw new UserError(ScorerMain.EXIT_MODEL, dir + ": cannot load the SavedModel: " + e.getMessage());
    }
  }

  /** Opens a feature-extractor SavedModel. */
  public static SavedModelExtractor open(Path dir, ModelSpec spec) {
    spec.fillFromProperties(dir);
    SavedModelBundle bundle = load(dir, spec.tfThreads);
    List<Signature> sigs = bundle.signatures();
    Signature sig = null;
    String key = spec.signature != null ? spec.signature : Signature.DEFAULT_KEY;
    for (Signature s : sigs) {
      if (s.key().equals(key)) {
        sig = s;
      }
    }
    if (sig == null && spec.signature == null && sigs.size() == 1) {
      sig = sigs.get(0);
    }
    if (sig == null) {
      throw modelError(dir, "no usable signature" + (spec.signature != null ? " '" + spec.signature + "'"
          : " (no '" + Signature.DEFAULT_KEY + "'" + spec.hint("; choose one with --signature", "") + ")"), bundle);
    }
    return new SavedModelExtractor(bundle, sig, spec, dir);
  }

  /**
   * The weights (a hash of saved_model.pb and the variables files, so a copied or moved model is the same
   * one and a retrained one is not) and the preprocessing; computed on first use.
   */
  @Override
  public String identity() {
    if (identity == null) {
      try {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        List<Path> files = new ArrayList<>(List.of(dir.resolve("saved_model.pb")));
        Path vars = dir.resolve("variables");
        if (Files.isDirectory(vars)) {
          try (java.util.stream.Stream<Path> s = Files.list(vars)) {
            s.filter(Files::isRegularFile).sorted().forEach(files::add);
          }
        }
        byte[] buf = new byte[1 << 16];
        for (Path f : files) {
          md.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          try (java.io.InputStream in = Files.newInputStream(f)) {
            for (int n; (n = in.read(buf)) > 0; ) {
              md.update(buf, 0, n);
            }
          }
        }
        identity = "model sha256 " + java.util.HexFormat.of().formatHex(md.digest()).substring(0, 16) + ", "
            + preprocessing;
      } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
        throw new UserError(ScorerMain.EXIT_MODEL, dir + ": cannot read the model's files: " + e.getMessage());
      }
    }
    return identity;
  }

  /** One line describing what is used from the model. */
  public String summary() {
    return summary;
  }

  @Override
  public int featureDim() {
    return featureDim;
  }

  @Override
  public int classCount() {
    return classCount;
  }

  @Override
  public boolean classOutputIsProbabilities() {
    return probabilities;
  }

  /**
   * Asks for one line, given to {@code sink} at the first batch whose images are not the model's input
   * size (they are then resized, which the scorer does silently: Inception takes any size to 299×299
   * by design, but a generator scored with a classifier of another dataset's size is worth a note).
   */
  public void noticeResize(java.util.function.Consumer<String> sink) {
    resizeNotice = sink;
  }

  @Override
  public Output extract(ImageBatch batch) {
    int n = batch.count();
    if (resizeNotice != null && inputHeight > 0
        && (batch.height() != inputHeight || batch.width() != inputWidth)) {
      resizeNotice.accept(batch.height() + "x" + batch.width() + " images resized to the model's "
          + inputHeight + "x" + inputWidth + " input (" + resizeMethod + ")");
      resizeNotice = null;
    }
    try (TUint8 raw = TUint8.tensorOf(Shape.of(n, batch.height(), batch.width(), 3),
        DataBuffers.of(batch.rgb(), true, false));
        Result pre = preSession.runner().feed(preInput, raw).fetch(preOutput).run()) {
      Tensor x = pre.get(0);
      Tensor fed = x;
      TUint8 asUint8 = null;
      if (input.dataType == org.tensorflow.proto.DataType.DT_UINT8) {
        // a uint8 model takes the (resized) pixels rounded back to 0..255
        float[] v = new float[(int) x.shape().size()];
        ((TFloat32) x).asRawTensor().data().asFloats().read(v);
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
          b[i] = (byte) Math.max(0, Math.min(255, Math.round(v[i])));
        }
        asUint8 = TUint8.tensorOf(x.shape(), DataBuffers.of(b, true, false));
        fed = asUint8;
      }
      try {
        Session.Runner r = bundle.session().runner().feed(input.name, fed).fetch(features.name);
        // one tensor named as both outputs (--features-output logits) is fetched once: TF Java refuses
        // a result set with two fetches of the same name
        boolean sameTensor = classes != null && classes.name.equals(features.name);
        if (classes != null && !sameTensor) {
          r.fetch(classes.name);
        }
        try (Result out = r.run()) {
          float[] f = readRows(out.get(0), n, featureDim, "features");
          float[] c = classes == null ? null : sameTensor ? f.clone()
              : readRows(out.get(1), n, classCount, "class output");
          return new Output(f, c);
        }
      } finally {
        if (asUint8 != null) {
          asUint8.close();
        }
      }
    }
  }

  private static float[] readRows(Tensor t, int n, int dim, String what) {
    if (t.shape().size() != (long) n * dim) {
      throw new UserError(ScorerMain.EXIT_MODEL, "the model's " + what + " has shape " + t.shape()
          + " for a batch of " + n + " images, expected " + n + " x " + dim);
    }
    float[] out = new float[n * dim];
    if (t instanceof TFloat32 f) {
      f.asRawTensor().data().asFloats().read(out);
    } else if (t instanceof org.tensorflow.types.TFloat64 d) {
      double[] tmp = new double[out.length];
      d.asRawTensor().data().asDoubles().read(tmp);
      for (int i = 0; i < tmp.length; i++) {
        out[i] = (float) tmp[i];
      }
    } else {
      throw new UserError(ScorerMain.EXIT_MODEL, "the model's " + what + " is " + ((TType) t).dataType()
          + ", expected float");
    }
    return out;
  }

  @Override
  public void close() {
    preSession.close();
    preGraph.close();
    bundle.close();
  }
}
