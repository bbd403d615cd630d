package org.bgan.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.Network;
import org.bgan.config.proto.Train;
import org.bgan.util.UserException;

/**
 * Reads experiment configs from protobuf text format, applies {@code key.path=value} overrides and
 * validates the result. Every error is a {@link UserException} naming the file and line, or the
 * field, at fault.
 */
public final class ExperimentConfigs {
  /** Hidden widths used when a network lists none: the paper's 2-D architecture (SPEC §5). */
  public static final List<Integer> DEFAULT_HIDDEN = List.of(512, 512, 512);

  private ExperimentConfigs() {}

  /** Loads {@code file}, applies {@code overrides} ({@code train.steps=200}) and validates. */
  public static Experiment load(Path file, List<String> overrides) {
    return fromText(readText(file, "config file"), file.toString(), overrides);
  }

  /**
   * A config or study file's text: UTF-8, a leading byte-order mark dropped (editors on Windows write
   * one; the parser saw it as an invisible unexpected character). {@code what} names the file in errors.
   */
  public static String readText(Path file, String what) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserException(what + " not found: " + file);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new UserException(what + " " + file + " is not UTF-8 text (a binary file?); it should be protobuf text format");
    } catch (IOException e) {
      throw new UserException("cannot read " + what + " " + file + ": " + e.getMessage());
    }
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  /** A run's own config.pbtxt, as written when it started (parsed, not validated again). */
  public static Experiment readRunConfig(Path saved) {
    return parse(readText(saved, "run config"), saved.toString()).build();
  }

  /** Parses {@code text} ({@code source} names it in errors), applies {@code overrides} and validates. */
  public static Experiment fromText(String text, String source, List<String> overrides) {
    Experiment.Builder b = parse(text, source);
    for (String o : overrides) {
      applyOverride(b, o);
    }
    Experiment e = b.build();
    validate(e);
    return e;
  }

  /** Parses text format; {@code source} names the text in error messages. */
  public static Experiment.Builder parse(String text, String source) {
    Experiment.Builder b = Experiment.newBuilder();
    try {
      TextFormat.getParser().merge(text, b);
    } catch (TextFormat.ParseException e) {
      throw new UserException(describe(source, e) + (isStudy(text) ? "\n" + source
          + ": this is a study (arms x seeds), not an experiment config: run it with tools/bgan study " + source : ""));
    }
    return b;
  }

  /** Whether {@code text} parses as a study file ({@code study.proto}) with at least one arm. */
  private static boolean isStudy(String text) {
    org.bgan.config.proto.Study.Builder s = org.bgan.config.proto.Study.newBuilder();
    try {
      TextFormat.getParser().merge(text, s);
      return s.getArmCount() > 0;
    } catch (TextFormat.ParseException e) {
      return false;
    }
  }

  /**
   * {@code file:line:column: message}. The parser reports unknown fields all at once, as
   * "Input contains unknown fields and/or extensions:" followed by one "line:col:\tType.field" line
   * each; those become "unknown field 'field' in Type" lines.
   */
  public static String describe(String source, TextFormat.ParseException e) {
    String msg = e.getMessage();
    if (msg != null && msg.contains("unknown fields")) {
      StringBuilder sb = new StringBuilder();
      for (String line : msg.split("\n")) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+:\\d+):\\s*(\\S+)\\.(\\w+)$").matcher(line.trim());
        if (m.matches()) {
          if (sb.length() > 0) {
            sb.append('\n');
          }
          sb.append(source).append(':').append(m.group(1)).append(": unknown field '").append(m.group(3))
              .append("' in ").append(m.group(2));
        }
      }
      if (sb.length() > 0) {
        return sb.toString();
      }
    }
    return source + ":" + msg;
  }

  /**
   * Applies one override of the form {@code path.to.field=value}, e.g. {@code train.steps=200},
   * {@code mixing.gamma=0.3}, {@code loss=MBGAN}, {@code generator.hidden=64,64}. A repeated field
   * is replaced by the comma-separated list.
   */
  public static void applyOverride(Experiment.Builder b, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new UserException("--set '" + override + "': expected key=value, e.g. train.steps=200");
    }
    String path = override.substring(0, eq).trim();
    String value = override.substring(eq + 1).trim();
    String[] parts = path.split("\\.");
    Descriptor d = Experiment.getDescriptor();
    StringBuilder open = new StringBuilder();
    StringBuilder close = new StringBuilder();
    FieldDescriptor leaf = null;
    for (int i = 0; i < parts.length; i++) {
      FieldDescriptor f = d.findFieldByName(parts[i]);
      if (f == null) {
        throw new UserException("--set '" + override + "': unknown field '" + parts[i] + "' in "
            + d.getName() + " (fields: " + fieldNames(d) + ")");
      }
      if (i < parts.length - 1) {
        if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || f.isRepeated()) {
          throw new UserException("--set '" + override + "': '" + parts[i] + "' has no subfields");
        }
        open.append(parts[i]).append(" { ");
        close.insert(0, " }");
        d = f.getMessageType();
      } else {
        leaf = f;
      }
    }
    if (leaf.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      throw new UserException("--set '" + override + "': '" + path + "' is a message; set one of its "
          + "fields (" + fieldNames(leaf.getMessageType()) + ")");
    }
    if (value.isEmpty() && !leaf.isRepeated() && leaf.getJavaType() != FieldDescriptor.JavaType.STRING) {
      throw new UserException("--set '" + override + "': no value after '=' (e.g. " + path + "="
          + (leaf.getJavaType() == FieldDescriptor.JavaType.ENUM ? leaf.getEnumType().getValues().get(0).getName()
              : leaf.getJavaType() == FieldDescriptor.JavaType.BOOLEAN ? "true" : "1") + ")");
    }
    StringBuilder body = new StringBuilder();
    List<String> values = leaf.isRepeated() ? splitList(value) : List.of(value);
    if (values.isEmpty() && leaf.getName().equals("hidden")) {
      // an empty list is the default 512,512,512 (hidden(Network)): "hidden=" built three layers of 512
      throw new UserException("--set '" + override + "': no widths; an empty " + path + " means the default "
          + DEFAULT_HIDDEN.toString().replace(" ", "") + ", not a network without hidden layers: give the widths, e.g. "
          + path + "=512,512,512");
    }
    for (String v : values) {
      body.append(leaf.getName()).append(": ").append(literal(leaf, v)).append(' ');
    }
    // Clear the target first so that the override replaces (scalars and repeated fields alike).
    Experiment.Builder cleared = clearPath(b, parts);
    String snippet = open + body.toString() + close;
    try {
      TextFormat.getParser().merge(snippet, cleared);
    } catch (TextFormat.ParseException e) {
      throw new UserException("--set '" + override + "': " + e.getMessage());
    }
    b.clear().mergeFrom(cleared.build());
  }

  private static Experiment.Builder clearPath(Experiment.Builder b, String[] parts) {
    Experiment.Builder copy = b.build().toBuilder();
    com.google.protobuf.Message.Builder cur = copy;
    for (int i = 0; i < parts.length - 1; i++) {
      FieldDescriptor f = cur.getDescriptorForType().findFieldByName(parts[i]);
      cur = cur.getFieldBuilder(f);
    }
    cur.clearField(cur.getDescriptorForType().findFieldByName(parts[parts.length - 1]));
    return copy;
  }

  private static List<String> splitList(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.replace("[", "").replace("]", "").split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  private static String literal(FieldDescriptor f, String v) {
    if (f.getJavaType() == FieldDescriptor.JavaType.STRING) {
      if (v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2) {
        return v;
      }
      return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    return v;
  }

  private static String fieldNames(Descriptor d) {
    List<String> names = new ArrayList<>();
    for (FieldDescriptor f : d.getFields()) {
      names.add(f.getName());
    }
    return String.join(", ", names);
  }

  /**
   * Fields the config sets that have no effect with the rest of it (a mixing prior with a loss that
   * mixes no batches, Beta parameters with the smoothing prior, ...): valid, since presets and study
   * arms share settings across losses, but worth a note, as a user who set one expects it to act.
   */
  public static List<String> ineffective(Experiment e) {
    List<String> out = new ArrayList<>();
    boolean mixes = e.getLoss() == org.bgan.config.proto.LossKind.BGAN || e.getLoss() == org.bgan.config.proto.LossKind.MBGAN;
    if (!mixes && e.hasMixing()) {
      out.add("'mixing' has no effect with loss: " + e.getLoss() + " (only BGAN and MBGAN mix batches)");
    }
    if (!mixes && e.getDiscriminator().hasEquivariant()) {
      out.add("discriminator.equivariant has no effect with loss: " + e.getLoss()
          + " (its discriminator scores each sample alone)");
    }
    var m = e.getMixing();
    if (mixes && m.getPrior() == org.bgan.config.proto.Mixing.Prior.SMOOTHING && (m.hasBetaA() || m.hasBetaB())) {
      out.add("mixing.beta_a / beta_b have no effect with the SMOOTHING prior (set mixing.prior=BETA to use them)");
    }
    if (mixes && m.getPrior() == org.bgan.config.proto.Mixing.Prior.BETA && m.hasGamma()) {
      out.add("mixing.gamma has no effect with the BETA prior (it sets the SMOOTHING prior's range)");
    }
    var t = e.getTechniques();
    if (t.hasInstanceNoiseSteps() && t.getInstanceNoise() == 0f) {
      out.add("techniques.instance_noise_steps has no effect without techniques.instance_noise");
    }
    if (e.getTrain().getSampleEvery() > 0 && e.getData().hasSynthetic2D()) {
      out.add("train.sample_every has no effect on 2-D data (its plots are train.plot_at)");
    }
    return out;
  }

  /** Checks ranges and combinations; throws a {@link UserException} naming the field. */
  public static void validate(Experiment e) {
    if (!e.hasData() || e.getData().getSourceCase() == org.bgan.config.proto.Data.SourceCase.SOURCE_NOT_SET) {
      throw new UserException("config: 'data' is required (e.g. data { synthetic2d { kind: GRID } })");
    }
    Train t = e.getTrain();
    positive("train.batch_size", t.getBatchSize());
    atMost("train.batch_size", t.getBatchSize(), MAX_BATCH_SIZE);
    positive("train.n_disc", t.getNDisc());
    positive("train.steps", t.getSteps());
    positive("train.checkpoint_every", t.getCheckpointEvery());
    positive("train.keep_checkpoints", t.getKeepCheckpoints());
    positive("train.summary_every", t.getSummaryEvery());
    nonNegative("train.eval_every", t.getEvalEvery());
    nonNegative("train.intra_op_threads", t.getIntraOpThreads());
    nonNegative("train.inter_op_threads", t.getInterOpThreads());
    threadsAtMost("config: train.intra_op_threads", t.getIntraOpThreads());
    threadsAtMost("config: train.inter_op_threads", t.getInterOpThreads());
    for (long s : t.getPlotAtList()) {
      // Steps past train.steps are skipped, so that a preset can be shortened with --set train.steps=N.
      if (s < 0) {
        throw new UserException("config: train.plot_at has a negative step " + s);
      }
    }
    if ((e.getLoss() == org.bgan.config.proto.LossKind.BGAN || e.getLoss() == org.bgan.config.proto.LossKind.MBGAN)
        && t.getBatchSize() < 2) {
      throw new UserException("config: train.batch_size must be at least 2 for " + e.getLoss()
          + " (a mixed batch of one sample has no batch statistics)");
    }
    var m = e.getMixing();
    float g = m.getGamma();
    if (!(g >= 0f && g <= 0.5f)) {
      throw new UserException("config: mixing.gamma must be in [0, 0.5], got " + g);
    }
    if (m.getPrior() == org.bgan.config.proto.Mixing.Prior.BETA
        && !(m.getBetaA() > 0f && m.getBetaB() > 0f && Float.isFinite(m.getBetaA()) && Float.isFinite(m.getBetaB()))) {
      throw new UserException("config: mixing.beta_a and mixing.beta_b must be positive, got "
          + m.getBetaA() + ", " + m.getBetaB());
    }
    checkNetwork("generator", e.getGenerator(), true);
    checkNetwork("discriminator", e.getDiscriminator(), false);
    checkOptimizer("g_optimizer", e.getGOptimizer());
    checkOptimizer("d_optimizer", e.getDOptimizer());
    checkDiscriminatorTechniques(e);
    positive("eval.num_samples", e.getEval().getNumSamples());
    atMost("eval.num_samples", e.getEval().getNumSamples(), MAX_EVAL_SAMPLES);
    positive("eval.grid_samples", e.getEval().getGridSamples());
    atMost("eval.grid_samples", e.getEval().getGridSamples(), MAX_GRID_SAMPLES);
    if (e.getData().getSourceCase() == org.bgan.config.proto.Data.SourceCase.SYNTHETIC2D) {
      positive("data.synthetic2d.train_size", e.getData().getSynthetic2D().getTrainSize());
      atMost("data.synthetic2d.train_size", e.getData().getSynthetic2D().getTrainSize(), MAX_TRAIN_SIZE_2D);
    }
    var tq = e.getTechniques();
    if (!(tq.getRealLabel() > 0f && tq.getRealLabel() <= 1f)) {
      throw new UserException("config: techniques.real_label must be in (0, 1], got " + tq.getRealLabel());
    }
    if (tq.getRealLabel() != 1f && e.getLoss() != org.bgan.config.proto.LossKind.GAN) {
      throw new UserException("config: techniques.real_label (one-sided label smoothing) smooths the standard GAN's real targets;"
          + " BGAN and M-BGAN targets are real fractions (use loss: GAN, or leave real_label at 1)");
    }
    if (tq.getGeneratorLoss() == org.bgan.config.proto.Techniques.GeneratorLoss.MINIMAX
        && e.getLoss() != org.bgan.config.proto.LossKind.GAN) {
      throw new UserException("config: techniques.generator_loss MINIMAX is defined for the standard GAN (loss: GAN);"
          + " BGAN and M-BGAN use eq. 5");
    }
    if (!(tq.getInstanceNoise() >= 0f) || !Float.isFinite(tq.getInstanceNoise())) {
      throw new UserException("config: techniques.instance_noise must be a finite standard deviation >= 0, got " + tq.getInstanceNoise());
    }
    nonNegative("techniques.instance_noise_steps", tq.getInstanceNoiseSteps());
    checkMixGan(tq);
    checkImprovedTechniques(e);
    checkMixGanCombinations(e);
    nonNegative("train.sample_every", t.getSampleEvery());
    if (e.getData().getSourceCase() == org.bgan.config.proto.Data.SourceCase.IMAGES) {
      var im = e.getData().getImages();
      if (im.getSize() != 0 && (im.getSize() < 8 || im.getSize() > 1024)) {
        throw new UserException("config: data.images.size must be 0 (the format's own size) or in [8, 1024], got " + im.getSize());
      }
      if (im.getChannels() != 1 && im.getChannels() != 3) {
        throw new UserException("config: data.images.channels must be 1 or 3, got " + im.getChannels());
      }
      nonNegative("data.images.limit", im.getLimit());
      positive("data.images.prefetch", im.getPrefetch());
      atMost("data.images.prefetch", im.getPrefetch(), MAX_PREFETCH);
      positive("data.images.random_examples", im.getRandomExamples());
    }
    checkSemiSupervised(e);
    if (!isDirectoryName(e.getName())) {
      throw new UserException("config: name '" + e.getName() + "' " + DIRECTORY_NAME_RULE);
    }
    // An empty path would be the current directory: a run (or a SavedModel) spilled into it.
    if (e.getTrain().hasOutputDir() && e.getTrain().getOutputDir().isBlank()) {
      throw new UserException("config: train.output_dir must not be empty (leave it unset for runs/" + e.getName() + ")");
    }
    if (e.getTrain().hasExportDir() && e.getTrain().getExportDir().isBlank()) {
      throw new UserException("config: train.export_dir must not be empty (leave it unset for savedmodels/" + e.getName() + ")");
    }
    noTilde("train.output_dir", e.getTrain().getOutputDir());
    noTilde("train.export_dir", e.getTrain().getExportDir());
    if (e.getData().hasImages()) {
      noTilde("data.images.path", e.getData().getImages().getPath());
    }
    noTilde("semi_supervised.test_path", e.getSemiSupervised().getTestPath());
  }

  /** MIX+GAN: techniques.mix_components in [1, 16], techniques.mix_entropy_weight finite, >= 0, and only with K > 1. */
  private static void checkMixGan(org.bgan.config.proto.Techniques tq) {
    int k = tq.getMixComponents();
    if (k < 1 || k > org.bgan.techniques.MixGan.MAX_COMPONENTS) {
      throw new UserException("config: techniques.mix_components must be in [1, " + org.bgan.techniques.MixGan.MAX_COMPONENTS
          + "] (1 = off; each step costs K^2 pair evaluations), got " + k);
    }
    float w = tq.getMixEntropyWeight();
    if (!(w >= 0f) || !Float.isFinite(w)) {
      throw new UserException("config: techniques.mix_entropy_weight must be a finite number >= 0, got " + w);
    }
    if (tq.hasMixEntropyWeight() && k == 1) {
      throw new UserException("config: techniques.mix_entropy_weight applies to MIX+GAN only; set techniques.mix_components > 1"
          + " or leave mix_entropy_weight unset");
    }
  }

  /** MIX+GAN builds its own pairwise D and G steps: options wired only into the single-pair model are rejected. */
  private static void checkMixGanCombinations(Experiment e) {
    var tq = e.getTechniques();
    if (tq.getMixComponents() <= 1) {
      return;
    }
    String other = tq.getFeatureMatching() ? "techniques.feature_matching"
        : tq.getHistoricalAveraging() > 0 ? "techniques.historical_averaging"
        : tq.getGeneratorEma() > 0 ? "techniques.generator_ema"
        : tq.getMinibatchDiscrimination() ? "techniques.minibatch_discrimination"
        : e.hasSemiSupervised() ? "semi_supervised"
        : null;
    if (other != null) {
      throw new UserException("config: " + other + " cannot be combined with MIX+GAN (techniques.mix_components > 1)"
          + " in this version; use one or the other");
    }
  }

  /** semi_supervised: the standard GAN on IDX images (labels), positive sizes, K in [2, 256]. */
  private static void checkSemiSupervised(Experiment e) {
    if (!e.hasSemiSupervised()) {
      return;
    }
    var ss = e.getSemiSupervised();
    if (e.getLoss() != org.bgan.config.proto.LossKind.GAN) {
      throw new UserException("config: semi_supervised needs loss: GAN, got " + e.getLoss()
          + ": the K+1 discriminator classifies single samples, and the mixed-batch target of BGAN and M-BGAN"
          + " (a real fraction) has no per-class form");
    }
    boolean idx = e.getData().getSourceCase() == org.bgan.config.proto.Data.SourceCase.IMAGES
        && e.getData().getImages().getFormat() == org.bgan.config.proto.Images.Format.IDX;
    if (!idx) {
      String got = e.getData().getSourceCase() == org.bgan.config.proto.Data.SourceCase.IMAGES
          ? "data.images.format " + e.getData().getImages().getFormat() : "synthetic2d data";
      throw new UserException("config: semi_supervised needs labelled IDX image data (data.images.format: IDX, with"
          + " train-labels-idx1-ubyte[.gz] beside the images); got " + got);
    }
    if (e.getData().getImages().getStacked()) {
      throw new UserException("config: semi_supervised cannot use data.images.stacked: a stacked example has three labels");
    }
    if (ss.getClasses() < 2 || ss.getClasses() > 256) {
      throw new UserException("config: semi_supervised.classes must be in [2, 256] (IDX labels are bytes), got " + ss.getClasses());
    }
    positive("semi_supervised.labels_per_class", ss.getLabelsPerClass());
    positive("semi_supervised.labelled_batch_size", ss.getLabelledBatchSize());
    nonNegative("semi_supervised.test_limit", ss.getTestLimit());
    if (!(ss.getUnsupervisedWeight() >= 0f) || !Float.isFinite(ss.getUnsupervisedWeight())) {
      throw new UserException("config: semi_supervised.unsupervised_weight must be finite and >= 0, got " + ss.getUnsupervisedWeight());
    }
  }

  /** Salimans et al. 2016's options: minibatch discrimination, feature matching, historical averaging, VBN. */
  private static void checkImprovedTechniques(Experiment e) {
    var tq = e.getTechniques();
    boolean gan = e.getLoss() == org.bgan.config.proto.LossKind.GAN;
    if (tq.getMinibatchKernels() < 1 || tq.getMinibatchKernels() > 4096) {
      throw new UserException("config: techniques.minibatch_kernels must be in [1, 4096], got " + tq.getMinibatchKernels());
    }
    if (tq.getMinibatchKernelDims() < 1 || tq.getMinibatchKernelDims() > 1024) {
      throw new UserException("config: techniques.minibatch_kernel_dims must be in [1, 1024], got " + tq.getMinibatchKernelDims());
    }
    if (tq.getMinibatchDiscrimination() && !gan) {
      throw new UserException("config: techniques.minibatch_discrimination is for the standard GAN (loss: GAN); "
          + e.getLoss() + " has its own batch interaction (mixed batches, a symmetric discriminator)");
    }
    if (tq.getFeatureMatching() && !gan) {
      throw new UserException("config: techniques.feature_matching replaces the standard GAN's generator loss (loss: GAN); "
          + e.getLoss() + " uses eq. 5");
    }
    if (tq.getFeatureMatching() && tq.getGeneratorLoss() == org.bgan.config.proto.Techniques.GeneratorLoss.MINIMAX) {
      throw new UserException("config: techniques.feature_matching replaces the generator loss; it cannot be combined with "
          + "techniques.generator_loss MINIMAX");
    }
    float ha = tq.getHistoricalAveraging();
    if (!(ha >= 0f) || !Float.isFinite(ha)) {
      throw new UserException("config: techniques.historical_averaging (the penalty's weight) must be finite and >= 0, got " + ha);
    }
    float ema = tq.getGeneratorEma();
    if (!(ema >= 0f && ema < 1f)) {
      throw new UserException("config: techniques.generator_ema (the averaging decay) must be in [0, 1), got " + ema
          + " (0 = off; 0.999 is usual)");
    }
    if (e.getGenerator().getSpectralNorm()) {
      throw new UserException("config: generator.spectral_norm: spectral normalisation is a discriminator option "
          + "(discriminator.spectral_norm)");
    }
    if (e.getDiscriminator().getVirtualBatchNorm()) {
      throw new UserException("config: discriminator.virtual_batch_norm: virtual batch normalisation is a generator option "
          + "(generator.virtual_batch_norm)");
    }
    int ref = e.getGenerator().getVbnReferenceSize();
    if (ref < 0 || ref > 4096) {
      throw new UserException("config: generator.vbn_reference_size must be in [0, 4096] (0: train.batch_size), got " + ref);
    }
  }

  private static void checkNetwork(String field, Network n, boolean generator) {
    for (int h : n.getHiddenList()) {
      if (h <= 0) {
        throw new UserException("config: " + field + ".hidden has a non-positive width " + h);
      }
      if (h > MAX_WIDTH) {
        throw new UserException("config: " + field + ".hidden has a width " + h + " larger than the toolkit's limit "
            + MAX_WIDTH + " (two such layers would not fit in memory)");
      }
    }
    if (generator) {
      positive(field + ".z_dim", n.getZDim());
      atMost(field + ".z_dim", n.getZDim(), MAX_WIDTH);
    }
    nonNegative(field + ".width", n.getWidth());
    if (n.getWidth() > 4096) {
      throw new UserException("config: " + field + ".width " + n.getWidth() + " is unreasonably large (at most 4096)");
    }
  }

  private static void checkOptimizer(String field, org.bgan.config.proto.Optimizer o) {
    if (!(o.getLearningRate() > 0f) || !Float.isFinite(o.getLearningRate())) {
      throw new UserException("config: " + field + ".learning_rate must be positive, got " + o.getLearningRate());
    }
    if (!(o.getBeta1() >= 0f && o.getBeta1() < 1f)) {
      throw new UserException("config: " + field + ".beta1 must be in [0, 1), got " + o.getBeta1());
    }
    if (!(o.getBeta2() >= 0f && o.getBeta2() < 1f)) {
      throw new UserException("config: " + field + ".beta2 must be in [0, 1), got " + o.getBeta2());
    }
    if (!(o.getEpsilon() > 0f) || !Float.isFinite(o.getEpsilon())) {
      throw new UserException("config: " + field + ".epsilon must be positive, got " + o.getEpsilon());
    }
    if (!(o.getFinalLrFraction() > 0f && o.getFinalLrFraction() <= 1f)) {
      throw new UserException("config: " + field + ".final_lr_fraction must be in (0, 1], got " + o.getFinalLrFraction());
    }
    if (o.getFinalLrFraction() != 1f && o.getKind() != org.bgan.config.proto.Optimizer.Kind.ADAM) {
      throw new UserException("config: " + field + ".final_lr_fraction (learning-rate decay) is implemented for kind ADAM only, got kind "
          + o.getKind());
    }
  }

  private static void positive(String field, long v) {
    if (v <= 0) {
      throw new UserException("config: " + field + " must be positive, got " + v);
    }
  }

  /**
   * Upper bounds of the sizes that TensorFlow or the JVM allocate at once: past them a run would not
   * fail with a message but crash (a native allocation failure takes the JVM down).
   */
  public static final int MAX_BATCH_SIZE = 65_536;
  /** eval.num_samples: every evaluation runs the generator on all of them in one batch. */
  public static final int MAX_EVAL_SAMPLES = 1_000_000;
  public static final int MAX_GRID_SAMPLES = 10_000;
  public static final int MAX_TRAIN_SIZE_2D = 10_000_000;
  public static final int MAX_PREFETCH = 256;
  /** Hidden widths and z_dim. */
  public static final int MAX_WIDTH = 8192;

  private static void atMost(String field, long v, long max) {
    if (v > max) {
      throw new UserException("config: " + field + " must be at most " + String.format(java.util.Locale.ROOT, "%,d", max)
          + " (the toolkit's limit: larger sizes do not fit in memory), got " + v);
    }
  }

  /** What {@link #isDirectoryName} asks, for messages. */
  public static final String DIRECTORY_NAME_RULE =
      "must be non-empty, use only letters, digits, '.', '_' and '-', and not be only dots (it names a directory)";

  /**
   * Whether {@code name} can name a directory of its own: a run's, a study's or an arm's ("runs/<name>").
   * "." and ".." pass the character rule but name the directory itself or its parent: a run named ".."
   * went to runs/.. (and failed there with a message about a ".write-probe" file).
   */
  public static boolean isDirectoryName(String name) {
    return name.matches("[A-Za-z0-9._-]+") && !name.matches("\\.+");
  }

  /**
   * TensorFlow thread pools: a session starts all of a pool's threads at once, and one that cannot be
   * started (past the system's per-user limit, 99999 on a machine allowing 96368) aborts the JVM (exit
   * 134, no message). Far above any CPU the toolkit runs on.
   */
  public static final int MAX_THREADS = 1024;

  /** Refuses a thread count above {@link #MAX_THREADS}; {@code what} names it ("--threads", "config: train.x"). */
  public static void threadsAtMost(String what, long v) {
    if (v > MAX_THREADS) {
      throw new UserException(what + " must be at most " + MAX_THREADS + " (TensorFlow starts that many threads at once;"
          + " past the system's limit the process aborts), got " + v);
    }
  }

  private static void nonNegative(String field, long v) {
    if (v < 0) {
      throw new UserException("config: " + field + " must not be negative, got " + v);
    }
  }

  /**
   * The discriminator-side techniques (docs/techniques.md): ranges, the losses each is defined for, and
   * the RMSProp fields of both optimisers.
   */
  private static void checkDiscriminatorTechniques(Experiment e) {
    var tq = e.getTechniques();
    var loss = e.getLoss();
    boolean gan = loss == org.bgan.config.proto.LossKind.GAN;
    boolean wgan = loss == org.bgan.config.proto.LossKind.WGAN;
    finiteNonNegative("techniques.gradient_penalty", tq.getGradientPenalty());
    finiteNonNegative("techniques.weight_clip", tq.getWeightClip());
    finiteNonNegative("techniques.consistency_weight", tq.getConsistencyWeight());
    finiteNonNegative("techniques.consistency_margin", tq.getConsistencyMargin());
    finiteNonNegative("techniques.mixup_alpha", tq.getMixupAlpha());
    if (!(tq.getConsistencyDropout() >= 0f && tq.getConsistencyDropout() < 1f)) {
      throw new UserException("config: techniques.consistency_dropout must be a dropout rate in [0, 1), got "
          + tq.getConsistencyDropout());
    }
    String perSample = " is defined for a discriminator that scores each sample alone (loss: GAN or WGAN);"
        + " no form for BGAN / M-BGAN's mixed batches exists in the literature";
    if (tq.getGradientPenalty() > 0f && !gan && !wgan) {
      throw new UserException("config: techniques.gradient_penalty" + perSample);
    }
    if (tq.getConsistencyWeight() > 0f && !gan && !wgan) {
      throw new UserException("config: techniques.consistency_weight" + perSample);
    }
    if (tq.getConsistencyWeight() > 0f && tq.getConsistencyDropout() == 0f) {
      throw new UserException("config: techniques.consistency_weight needs techniques.consistency_dropout > 0"
          + " (the two perturbations of D are its dropout masks; 0.5 in CT-GAN)");
    }
    if (tq.getWeightClip() > 0f && !wgan) {
      throw new UserException("config: techniques.weight_clip is WGAN's Lipschitz constraint (loss: WGAN), got loss " + loss);
    }
    if (tq.getMixupAlpha() > 0f && !gan) {
      throw new UserException("config: techniques.mixup_alpha trains D with soft targets under the standard GAN loss"
          + " (loss: GAN), got loss " + loss);
    }
    if (tq.getMixupAlpha() > 0f && tq.getRealLabel() != 1f) {
      throw new UserException("config: techniques.mixup_alpha replaces the real/fake targets by mixing ratios;"
          + " leave techniques.real_label at 1");
    }
    if (wgan && tq.getWeightClip() == 0f && tq.getGradientPenalty() == 0f && !e.getDiscriminator().getSpectralNorm()) {
      throw new UserException("config: loss WGAN needs a Lipschitz constraint on the critic: techniques.weight_clip"
          + " (0.01, WGAN), techniques.gradient_penalty (10, WGAN-GP) or discriminator.spectral_norm");
    }
    // Options built by other parts of the model that replace the D step these techniques build or make
    // D's scores depend on the batch: the K+1 discriminator (semi_supervised), MIX+GAN
    // (techniques.mix_components > 1), minibatch discrimination. Looked up by name, so that this
    // check holds whichever of them the build has.
    if (org.bgan.techniques.DiscriminatorTechniques.active(e)) {
      var semi = e.getDescriptorForType().findFieldByName("semi_supervised");
      if (semi != null && e.hasField(semi)) {
        throw new UserException("config: semi_supervised cannot be combined with loss WGAN, techniques.gradient_penalty,"
            + " techniques.consistency_weight or techniques.mixup_alpha (the K+1 discriminator has its own D step)");
      }
      var mbd = tq.getDescriptorForType().findFieldByName("minibatch_discrimination");
      if (mbd != null && Boolean.TRUE.equals(tq.getField(mbd))) {
        throw new UserException("config: techniques.minibatch_discrimination makes D's score of a sample depend on the"
            + " whole batch; the gradient penalty, the consistency term and mixup need a per-sample D");
      }
      var mix = tq.getDescriptorForType().findFieldByName("mix_components");
      if (mix != null && ((Number) tq.getField(mix)).intValue() > 1) {
        throw new UserException("config: techniques.mix_components > 1 (MIX+GAN) cannot be combined with loss WGAN,"
            + " techniques.gradient_penalty, techniques.consistency_weight or techniques.mixup_alpha");
      }
    }
    for (String field : List.of("g_optimizer", "d_optimizer")) {
      var o = field.equals("g_optimizer") ? e.getGOptimizer() : e.getDOptimizer();
      if (!(o.getRmspropDecay() >= 0f && o.getRmspropDecay() < 1f)) {
        throw new UserException("config: " + field + ".rmsprop_decay must be in [0, 1), got " + o.getRmspropDecay());
      }
      if (!(o.getRmspropMomentum() >= 0f && o.getRmspropMomentum() < 1f)) {
        throw new UserException("config: " + field + ".rmsprop_momentum must be in [0, 1), got " + o.getRmspropMomentum());
      }
    }
  }

  /**
   * A path starting with "~": the shell expands it only at the start of a word, not in
   * {@code --set train.output_dir=~/runs}, and Java never does, so it named a directory "~" in the
   * working directory.
   */
  public static void noTilde(String field, String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      throw new UserException("config: " + field + " '" + path + "' starts with '~', which is not expanded here (the shell"
          + " expands it only at the start of a word, not after --set key=); write the full path, e.g. "
          + System.getProperty("user.home") + path.substring(1));
    }
  }

  private static void finiteNonNegative(String field, float v) {
    if (!(v >= 0f) || !Float.isFinite(v)) {
      throw new UserException("config: " + field + " must be finite and >= 0 (0 = off), got " + v);
    }
  }

  /** The network's hidden widths, or {@link #DEFAULT_HIDDEN} when the config lists none. */
  public static List<Integer> hidden(Network n) {
    return n.getHiddenCount() == 0 ? DEFAULT_HIDDEN : n.getHiddenList();
  }

  /** The run's output directory: {@code train.output_dir}, or {@code runs/<name>}. */
  public static Path outputDir(Experiment e) {
    return e.getTrain().hasOutputDir() ? Path.of(e.getTrain().getOutputDir()) : Path.of("runs", e.getName());
  }

  /** The SavedModel base directory: {@code train.export_dir}, or {@code savedmodels/<name>}. */
  public static Path exportDir(Experiment e) {
    return e.getTrain().hasExportDir() ? Path.of(e.getTrain().getExportDir()) : Path.of("savedmodels", e.getName());
  }

  /**
   * Fields that a resumed run may change: how long it trains, where and how often it writes, its
   * threads and its evaluation. Everything else defines the model, the data or the training process.
   */
  public static final List<String> RESUMABLE_CHANGES = List.of("name", "eval", "train.steps", "train.output_dir",
      "train.checkpoint_every", "train.keep_checkpoints", "train.summary_every", "train.plot_at", "train.eval_every",
      "train.intra_op_threads", "train.inter_op_threads", "train.export", "train.export_dir", "train.sample_every");

  /**
   * The fields (dotted paths, e.g. {@code loss} or {@code mixing.gamma}) whose values differ between
   * {@code a} and {@code b}, unset fields counting as their defaults, leaving out
   * {@link #RESUMABLE_CHANGES}.
   */
  public static List<String> changesOnResume(Experiment a, Experiment b) {
    List<String> out = new java.util.ArrayList<>();
    diff(a, b, "", out);
    out.removeIf(path -> RESUMABLE_CHANGES.stream().anyMatch(ok -> path.equals(ok) || path.startsWith(ok + ".")));
    return out;
  }

  private static void diff(com.google.protobuf.Message a, com.google.protobuf.Message b, String prefix, List<String> out) {
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      String path = prefix + f.getName();
      if (!f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (a.hasField(f) || b.hasField(f)) {
          diff((com.google.protobuf.Message) a.getField(f), (com.google.protobuf.Message) b.getField(f), path + ".", out);
        }
      } else if (!a.getField(f).equals(b.getField(f))) {
        out.add(path);
      }
    }
  }

  /** The config in text format, for writing beside a run. */
  public static String toText(Experiment e) {
    return TextFormat.printer().printToString(e);
  }
}
