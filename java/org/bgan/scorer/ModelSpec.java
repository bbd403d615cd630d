package org.bgan.scorer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * How to use a feature-extractor SavedModel: which signature and tensors, the input value range and
 * size, and the resize method. Unset fields are found from the signature or from the optional
 * {@value #PROPERTIES} file the project writes next to {@code saved_model.pb}.
 */
public final class ModelSpec {
  /** Optional per-model settings file: keys input_range, input_size, features, logits, probabilities. */
  public static final String PROPERTIES = "scorer.properties";

  /** Resize methods: TF's ops, run inside a TensorFlow graph before the model. */
  public enum Resize {
    /** ResizeBilinear, align_corners=false, half_pixel_centers=false: the TF1 op of the classic graph. */
    TF_BILINEAR("tf-bilinear"),
    /** ResizeBilinear with half_pixel_centers=true (as PIL and tf.image.resize in TF2 sample). */
    BILINEAR("bilinear"),
    BICUBIC("bicubic"),
    NEAREST("nearest"),
    AREA("area");

    public final String flag;

    Resize(String flag) {
      this.flag = flag;
    }

    public static Resize parse(String s) {
      for (Resize r : values()) {
        if (r.flag.equals(s)) {
          return r;
        }
      }
      throw new UserError(ScorerMain.EXIT_USAGE, "--resize: unknown method '" + s
          + "' (choose tf-bilinear, bilinear, bicubic, nearest or area)");
    }
  }

  public String signature;
  public String input;
  public String featuresOutput;
  public String logitsOutput;
  public String probsOutput;
  /** {lo, hi}: pixel value 0 maps to lo and 255 to hi. */
  public float[] inputRange;
  /** {height, width} the images are resized to, or null for the signature's (or native) size. */
  public int[] inputSize;
  public Resize resize = Resize.TF_BILINEAR;
  /** True when --resize was given: it must then have an effect (see SavedModelExtractor). */
  public boolean resizeGiven;
  /** TensorFlow intra-op threads (0: TensorFlow's default). */
  public int tfThreads;
  /**
   * Whether messages may suggest the scorer's flags (--input, --features-output, --signature,
   * --input-range); false where the model is opened by a command that has none of them.
   */
  public boolean flagHints = true;

  /** {@code text} for a message, or {@code orElse} when flags are not to be suggested. */
  String hint(String text, String orElse) {
    return flagHints ? text : orElse;
  }

  /** Fills unset fields from DIR/scorer.properties if it exists. */
  public void fillFromProperties(Path modelDir) {
    Path f = modelDir.resolve(PROPERTIES);
    if (!Files.isRegularFile(f)) {
      return;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(f)) {
      p.load(r);
    } catch (IOException e) {
      throw new UserError(ScorerMain.EXIT_MODEL, f + ": cannot read: " + e.getMessage());
    }
    if (inputRange == null && p.getProperty("input_range") != null) {
      inputRange = parseRange(p.getProperty("input_range"), f + ": input_range");
    }
    if (inputSize == null && p.getProperty("input_size") != null) {
      inputSize = parseSize(p.getProperty("input_size"), f + ": input_size");
    }
    if (featuresOutput == null) {
      featuresOutput = p.getProperty("features");
    }
    if (logitsOutput == null && probsOutput == null) {
      logitsOutput = p.getProperty("logits");
      probsOutput = p.getProperty("probabilities");
    }
  }

  /** Parses "lo,hi", e.g. "0,255", "-1,1", "0,1". */
  public static float[] parseRange(String s, String what) {
    String[] parts = s.split(",");
    try {
      if (parts.length == 2) {
        float lo = Float.parseFloat(parts[0].trim());
        float hi = Float.parseFloat(parts[1].trim());
        if (Float.isFinite(lo) && Float.isFinite(hi) && lo < hi) {
          return new float[] {lo, hi};
        }
        if (Float.isFinite(lo) && Float.isFinite(hi) && lo > hi) {
          // 1,0 mapped black to 1 and white to 0: every image scored as its negative
          throw new UserError(ScorerMain.EXIT_USAGE, what + ": LO must be below HI (black maps to LO, white to HI), "
              + "got '" + s + "'");
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UserError(ScorerMain.EXIT_USAGE, what + ": expected LO,HI such as 0,255 or -1,1, got '" + s + "'");
  }

  /** Largest side of --input-size: a batch of 50 RGB images of 4096x4096 is already 10 GB of floats. */
  public static final int MAX_INPUT_SIZE = 4096;

  /** Parses "HxW" or a single "S" (square). */
  public static int[] parseSize(String s, String what) {
    String[] parts = s.toLowerCase().split("x");
    try {
      if (parts.length == 1 || parts.length == 2) {
        int h = Integer.parseInt(parts[0].trim());
        int w = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : h;
        if (h > 0 && w > 0 && h <= MAX_INPUT_SIZE && w <= MAX_INPUT_SIZE) {
          return new int[] {h, w};
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UserError(ScorerMain.EXIT_USAGE, what + ": expected HxW such as 299x299 (each side 1.." + MAX_INPUT_SIZE
        + "), got '" + s + "'");
  }

  /** Writes a properties file describing a model this project exported. */
  public static void writeProperties(Path modelDir, String range, String size, String features,
      String logits, String description) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("# read by tools/inception-score: how to feed this SavedModel\n");
    sb.append("# ").append(description).append('\n');
    sb.append("input_range=").append(range).append('\n');
    if (size != null) {
      sb.append("input_size=").append(size).append('\n');
    }
    sb.append("features=").append(features).append('\n');
    if (logits != null) {
      sb.append("logits=").append(logits).append('\n');
    }
    Files.writeString(modelDir.resolve(PROPERTIES), sb.toString());
  }
}
