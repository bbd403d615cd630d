package org.bgan.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.Optimizer;
import org.bgan.data.RealSource;
import org.bgan.model.GanModel;
import org.bgan.model.GanModelBuilder;
import org.bgan.techniques.GeneratorAverage;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * The full training graph: the {@link GanModel}, one optimiser per player whose gradients are taken
 * with respect to that player's variables only, the global step, and TensorBoard summary ops
 * written by TensorFlow's own summary writer.
 */
public final class TrainGraph {
  public final GanModel model;
  /** One discriminator update. */
  public final Op dTrain;
  /** One generator update; also increments {@link #globalStep}. */
  public final Op gTrain;
  public final Variable<TInt64> globalStep;
  /** Feed: the TensorBoard log directory, when running {@link #createWriter}. */
  public final Placeholder<TString> logDir;
  public final Op createWriter;
  /** Writes the D-view scalars and d_loss; run together with a D step. */
  public final Op dSummaries;
  /** Writes g_loss; run together with a G step. */
  public final Op gSummaries;
  public final Op flushWriter;
  /** Writes the fixed-latent samples as a TensorBoard image summary (image data only, else null). */
  public final Op imageSummary;
  /**
   * The generator evaluated on the fixed latents for plots, metrics and sample grids: the averaged
   * generator with techniques.generator_ema, else the trained one ({@code model.evalSamples()}).
   */
  public final Operand<TFloat32> evalSamples;
  /** With generator averaging, the trained generator on the same latents; else null. */
  public final Operand<TFloat32> evalSamplesRaw;

  private TrainGraph(GanModel model, Op dTrain, Op gTrain, Variable<TInt64> globalStep, Placeholder<TString> logDir,
      Op createWriter, Op dSummaries, Op gSummaries, Op flushWriter, Op imageSummary, Operand<TFloat32> evalSamples,
      Operand<TFloat32> evalSamplesRaw) {
    this.model = model;
    this.dTrain = dTrain;
    this.gTrain = gTrain;
    this.globalStep = globalStep;
    this.logDir = logDir;
    this.createWriter = createWriter;
    this.dSummaries = dSummaries;
    this.gSummaries = gSummaries;
    this.flushWriter = flushWriter;
    this.imageSummary = imageSummary;
    this.evalSamples = evalSamples;
    this.evalSamplesRaw = evalSamplesRaw;
  }

  public static TrainGraph build(Graph graph, Experiment cfg, RealSource data) {
    GanModel model = GanModelBuilder.build(graph, cfg, data);
    Ops tf = Ops.create(graph);
    Variable<TInt64> globalStep = tf.withInitScope().withName("global_step").variable(tf.withInitScope().constant(0L));

    Op dTrain = withUpdates(tf, "d_train", step(tf, "d_optimizer", cfg.getDOptimizer(), model.dLoss(), model.dVars(),
        cfg.getTrain().getSteps() * cfg.getTrain().getNDisc()),
        model.dUpdates());

    // WGAN: clip the critic's weights after its update (the same op unless techniques.weight_clip > 0).
    dTrain = org.bgan.techniques.WeightClip.after(tf, dTrain, model.dVars(), cfg.getTechniques().getWeightClip());
    List<Op> gDeps = new ArrayList<>(model.gUpdates());
    gDeps.add(step(tf, "g_optimizer", cfg.getGOptimizer(), model.gLoss(), model.gVars(), cfg.getTrain().getSteps()));
    Operand<TFloat32> evalSamples = model.evalSamples();
    Operand<TFloat32> evalSamplesRaw = null;
    if (GeneratorAverage.enabled(cfg)) {
      // The average follows the weights (and state) this G step leaves.
      GeneratorAverage.Averaged avg = GeneratorAverage.create(tf, cfg, data.sampleShape(), model.generator(), List.copyOf(gDeps));
      gDeps.add(avg.update());
      evalSamplesRaw = evalSamples;
      evalSamples = GanModelBuilder.evalSamples(tf, cfg, avg.network(), data.sampleShape(), GanModelBuilder.EVAL_SCOPE + "_ema");
    }
    // The step the summaries record: a copy of global_step taken before g_train increments it (a summary
    // reading the variable itself would see N or N + 1 depending on which op ran first).
    org.tensorflow.op.math.Add<TInt64> stepNow = tf.withName("global_step_now").math.add(globalStep, tf.constant(0L));
    gDeps.add(stepNow);
    Op gTrain = tf.withControlDependencies(gDeps).withName("g_train")
        .assignAdd(globalStep, tf.constant(1L));

    Ops sum = tf.withSubScope("summaries");
    SummaryWriter writer = sum.summary.summaryWriter(SummaryWriter.sharedName("bgan_train"));
    Placeholder<TString> logDir = sum.withName("log_dir").placeholder(TString.class);
    Op create = sum.summary.createSummaryFileWriter(writer, logDir, sum.constant(100), sum.constant(10_000),
        sum.constant(".bgan"));
    List<Op> dWrites = new ArrayList<>();
    dWrites.add(scalar(sum, writer, stepNow, "d_loss", model.dLoss()));
    for (Map.Entry<String, Operand<TFloat32>> e : model.dScalars().entrySet()) {
      dWrites.add(scalar(sum, writer, stepNow, e.getKey(), e.getValue()));
    }
    if (cfg.getLoss() == org.bgan.config.proto.LossKind.BGAN || cfg.getLoss() == org.bgan.config.proto.LossKind.MBGAN) {
      dWrites.add(scalar(sum, writer, stepNow, "mixing/gamma", sum.constant(cfg.getMixing().getGamma())));
    }
    Op dSummaries = sum.withControlDependencies(dWrites).withName("d_summaries").noOp();
    Op gSummaries = sum.withControlDependencies(List.of(scalar(sum, writer, stepNow, "g_loss", model.gLoss())))
        .withName("g_summaries").noOp();
    Op flush = sum.summary.flushSummaryWriter(writer);
    Op images = null;
    if (evalSamples.shape().numDimensions() == 4) {
      images = sum.summary.writeImageSummary(writer, stepNow, sum.constant("samples"),
          org.bgan.export.GeneratorExporter.toUint8(sum, evalSamples),
          sum.constant(new byte[] {(byte) 255, 0, 0, (byte) 255}),
          org.tensorflow.op.summary.WriteImageSummary.maxImages(16L));
    }
    return new TrainGraph(model, dTrain, gTrain, globalStep, logDir, create, dSummaries, gSummaries, flush, images,
        evalSamples, evalSamplesRaw);
  }

  /** {@code train}, then nothing else: a no-op that also waits for the state {@code updates}. */
  private static Op withUpdates(Ops tf, String name, Op train, List<Op> updates) {
    if (updates.isEmpty()) {
      return train;
    }
    List<Op> deps = new ArrayList<>(updates);
    deps.add(train);
    return tf.withControlDependencies(deps).withName(name).noOp();
  }

  private static Op scalar(Ops tf, SummaryWriter w, Operand<TInt64> step, String tag, Operand<TFloat32> value) {
    return tf.summary.writeScalarSummary(w, step, tf.constant(tag), value);
  }

  /** Gradients of {@code loss} w.r.t. {@code vars} only, applied by a fresh Adam named {@code name}. */
  static Op step(Ops tf, String name, Optimizer o, Operand<TFloat32> loss, List<Variable<TFloat32>> vars,
      long totalUpdates) {
    Gradients grads = tf.withSubScope(name + "_gradients").gradients(loss, vars);
    List<Operand<TFloat32>> g = new ArrayList<>();
    if (o.getKind() == Optimizer.Kind.RMSPROP) {
      return RmsPropOptimizer.apply(tf, name, o, vars, grads);
    }
    for (int i = 0; i < vars.size(); i++) {
      Output<TFloat32> gi = grads.dy(i);
      g.add(gi);
    }
    AdamOptimizer adam = new AdamOptimizer(tf, name, vars, o.getLearningRate(), o.getBeta1(), o.getBeta2(), o.getEpsilon(),
        o.getFinalLrFraction(), totalUpdates);
    return adam.apply(tf, g);
  }
}
