package org.bgan.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.LossKind;
import org.bgan.config.proto.Mixing;
import org.bgan.config.proto.Techniques;
import org.bgan.techniques.FeatureMatching;
import org.bgan.techniques.HistoricalAveraging;
import org.bgan.techniques.InstanceNoise;
import org.bgan.semi.KPlusOne;
import org.bgan.semi.SemiSupervisedGraph;
import org.bgan.data.RealSource;
import org.bgan.losses.Losses;
import org.bgan.layers.Phase;
import org.bgan.nets.Architectures;
import org.bgan.nets.Network;
import org.bgan.ops.BatchOps;
import org.bgan.ops.MixBatch;
import org.bgan.ops.Seeds;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Builds a {@link GanModel} from an experiment config: G(z), the real batch, the mixed batch
 * (BGAN, M-BGAN) or the real and fake batches (standard GAN), D's per-element logits and the two
 * losses. Scopes: {@code generator/}, {@code discriminator/}, {@code d_step/}, {@code g_step/},
 * {@code eval/}.
 */
public final class GanModelBuilder {
  /** Name scope of the generator applied to the fixed evaluation latents. */
  public static final String EVAL_SCOPE = "eval";

  private GanModelBuilder() {}

  public static GanModel build(Graph graph, Experiment cfg, RealSource data) {
    if (MixGanModelBuilder.enabled(cfg)) {
      return MixGanModelBuilder.build(graph, cfg, data);
    }
    Ops tf = Ops.create(graph);
    int batch = cfg.getTrain().getBatchSize();
    int zDim = cfg.getGenerator().getZDim();
    long[] sample = data.sampleShape();
    Network g = Architectures.generator(tf, cfg, sample);
    Network d = Architectures.discriminator(tf, cfg, sample);

    Placeholder<TInt64> stepSeed = stepSeed(tf);
    Placeholder<TFloat32> realBatch = realBatch(tf, data, batch);
    Views v = new Views(tf, cfg, data, realBatch, g, d, stepSeed, batch, zDim);
    v.semi = cfg.hasSemiSupervised() ? SemiSupervisedGraph.build(tf, cfg, d, sample) : null;
    Map<String, Operand<TFloat32>> dScalars = new LinkedHashMap<>();
    Phase dPhase = Phase.trainUpdating();
    Phase gPhase = Phase.trainUpdating();
    Operand<TFloat32> dLoss = v.discriminatorStep(dScalars, dPhase);
    Operand<TFloat32> gLoss = v.generatorStep(gPhase);
    float lambda = cfg.getTechniques().getHistoricalAveraging();
    if (lambda > 0) {
      dLoss = HistoricalAveraging.addTo(tf, "d", dLoss, d.variables(), lambda, dPhase);
      gLoss = HistoricalAveraging.addTo(tf, "g", gLoss, g.variables(), lambda, gPhase);
    }

    Operand<TFloat32> evalSamples = evalSamples(tf, cfg, g, sample);
    return new GanModel(graph, stepSeed, g, d, dLoss, gLoss, dScalars, evalSamples, g.variables(), d.variables(),
        realBatch, dPhase.updates(), gPhase.updates(), v.semi);
  }

  /** The int64[2] seed fed with every run; all randomness of a step derives from it. */
  static Placeholder<TInt64> stepSeed(Ops tf) {
    return tf.withName("step_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
  }

  /** For fed data (images), the [batch, sample...] placeholder of a real batch; else null. */
  static Placeholder<TFloat32> realBatch(Ops tf, RealSource data, int batch) {
    if (!data.fed()) {
      return null;
    }
    long[] sample = data.sampleShape();
    long[] dims = new long[sample.length + 1];
    dims[0] = batch;
    System.arraycopy(sample, 0, dims, 1, sample.length);
    return tf.withName("real_batch").placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  /**
   * The mixed batch(es) of one step from {@code real} and {@code fake} (batch rows each): the mixing
   * ratio from the config's prior and the Bernoulli mask, seeded from the step seed and {@code salt};
   * [m_β; m_(1−β)] with their targets when sample reuse is on, else m_β.
   */
  static MixBatch.Mixed mixedBatch(Ops s, Experiment cfg, Operand<TInt64> stepSeed, int batch, String salt,
      Operand<TFloat32> real, Operand<TFloat32> fake) {
    BatchOps b = BatchOps.create(s);
    Mixing m = cfg.getMixing();
    Operand<TInt64> ratioSeed = b.seed(stepSeed, Seeds.salt(salt + "/ratio"));
    Operand<TFloat32> p = m.getPrior() == Mixing.Prior.BETA
        ? b.betaRatio(ratioSeed, 1, m.getBetaA(), m.getBetaB())
        : b.smoothingRatio(ratioSeed, 1, m.getGamma());
    Operand<TFloat32> mask = b.mixingMask(p, batch, b.seed(stepSeed, Seeds.salt(salt + "/mask")));
    MixBatch.Mixed mb = b.mixBatch(real, fake, mask);
    if (!m.getReuse()) {
      return mb;
    }
    MixBatch.Mixed comp = b.mixBatchComplement(real, fake, mask);
    return new MixBatch.Mixed(
        s.concat(List.of(mb.batch(), comp.batch()), s.constant(0)),
        s.concat(List.of(mb.target(), comp.target()), s.constant(0)));
  }

  /** {@code g} on the fixed evaluation latents (eval.seed), under scope {@code eval/}. */
  static Operand<TFloat32> evalSamples(Ops tf, Experiment cfg, Network g, long[] sample) {
    return evalSamples(tf, cfg, g, sample, EVAL_SCOPE);
  }

  /** {@code g} on the fixed evaluation latents (eval.seed, the same for every scope), under {@code scope}. */
  public static Operand<TFloat32> evalSamples(Ops tf, Experiment cfg, Network g, long[] sample, String scope) {
    Ops e = tf.withSubScope(scope);
    int evalNum = sample.length == 1 ? cfg.getEval().getNumSamples() : cfg.getEval().getGridSamples();
    Operand<TFloat32> evalZ = e.random.statelessRandomNormal(
        e.constant(new long[] {evalNum, cfg.getGenerator().getZDim()}),
        Seeds.constant(e, cfg.getEval().getSeed(), Seeds.salt("eval_z")), TFloat32.class);
    return g.apply(e, evalZ, 1, Phase.infer());
  }

  /**
   * The generator network that export restores from a checkpoint: the one under scope
   * {@code generator/}, or with generator averaging the averaged copy under {@code generator_ema/}.
   * With MIX+GAN the mixture of the K generators ({@link org.bgan.techniques.MixtureNetworks}).
   */
  public static Network generator(Ops tf, Experiment cfg, long[] sampleShape) {
    if (MixGanModelBuilder.enabled(cfg)) {
      return org.bgan.techniques.MixtureNetworks.generators(tf, cfg, sampleShape);
    }
    if (org.bgan.techniques.GeneratorAverage.enabled(cfg)) {
      return org.bgan.techniques.GeneratorAverage.network(tf, cfg, sampleShape);
    }
    return Architectures.generator(tf, cfg, sampleShape);
  }

  /** Builds the D-step and G-step subgraphs. */
  private static final class Views {
    final Ops tf;
    final Experiment cfg;
    final RealSource data;
    final Placeholder<TFloat32> realBatch;
    final Network g;
    final Network d;
    final Operand<TInt64> stepSeed;
    final int batch;
    final int zDim;
    /** Semi-supervised K+1 discriminator (D has K class logits), or null. */
    SemiSupervisedGraph semi;

    Views(Ops tf, Experiment cfg, RealSource data, Placeholder<TFloat32> realBatch, Network g, Network d,
        Operand<TInt64> stepSeed, int batch, int zDim) {
      this.tf = tf;
      this.cfg = cfg;
      this.data = data;
      this.realBatch = realBatch;
      this.g = g;
      this.d = d;
      this.stepSeed = stepSeed;
      this.batch = batch;
      this.zDim = zDim;
    }

    Operand<TFloat32> fake(Ops s, String salt, Phase phase) {
      Operand<TFloat32> z = s.withName("z").random.statelessRandomNormal(
          s.constant(new long[] {batch, zDim}), Seeds.derive(s, stepSeed, Seeds.salt(salt + "/z")), TFloat32.class);
      return g.apply(s, z, 1, phase);
    }

    Operand<TFloat32> real(Ops s, String salt) {
      if (realBatch != null) {
        return realBatch;
      }
      return data.batch(s, Seeds.derive(s, stepSeed, Seeds.salt(salt + "/real")), batch);
    }

    /** Mixed batch(es) for one step: [m_β; m_(1−β)] with reuse, else m_β; targets per set. */
    MixBatch.Mixed mixed(Ops s, String salt, Operand<TFloat32> real, Operand<TFloat32> fake) {
      return mixedBatch(s, cfg, stepSeed, batch, salt, real, fake);
    }

    int sets() {
      return cfg.getMixing().getReuse() ? 2 : 1;
    }

    /**
     * {@code x} plus instance noise N(0, σ²) when the technique is on (σ annealed over
     * techniques.instance_noise_steps, default train.steps; drawn from the step seed and {@code view}),
     * else {@code x} itself.
     */
    Operand<TFloat32> withInstanceNoise(Ops s, Operand<TFloat32> x, String view) {
      var tq = cfg.getTechniques();
      if (!(tq.getInstanceNoise() > 0)) {
        return x;
      }
      long anneal = tq.getInstanceNoiseSteps() > 0 ? tq.getInstanceNoiseSteps() : cfg.getTrain().getSteps();
      Operand<TFloat32> sigma = InstanceNoise.sigma(s, stepSeed, cfg.getTrain().getNDisc(), tq.getInstanceNoise(), anneal);
      return InstanceNoise.add(s, x, sigma, InstanceNoise.seed(s, stepSeed, view));
    }

    Operand<TFloat32> logits(Ops s, Operand<TFloat32> x, int groups, Phase phase, String view) {
      Operand<TFloat32> o = d.apply(s, withInstanceNoise(s, x, view), groups, phase);
      if (semi != null) {
        o = KPlusOne.realLogit(s, o);  // D(x) = Z(x)/(Z(x)+1) = σ(logsumexp(l))
      }
      return s.reshape(o, s.constant(new long[] {-1}));
    }

    Operand<TFloat32> discriminatorStep(Map<String, Operand<TFloat32>> scalars, Phase phase) {
      Ops s = tf.withSubScope("d_step");
      Operand<TFloat32> real = real(s, "d");
      Operand<TFloat32> fake = fake(s, "d", Phase.train());
      Operand<org.tensorflow.types.TInt32> zero = s.constant(0);
      if (org.bgan.techniques.DiscriminatorTechniques.active(cfg)) {
        // WGAN, mixup, gradient penalty, consistency term (org.bgan.techniques).
        return org.bgan.techniques.DiscriminatorTechniques.discriminatorLoss(s, cfg, real, fake, stepSeed, x -> logits(s, x, 1, phase, "d"),
            (t, x, dropout) -> t.reshape(d.apply(t, x, 1, Phase.train(), dropout), t.constant(new long[] {-1})), scalars);
      }
      if (cfg.getLoss() == LossKind.GAN) {
        // Two sets, real then fake: batch-level features (minibatch discrimination) stay within each.
        Operand<TFloat32> o = logits(s, s.concat(List.of(real, fake), s.constant(0)), 2, phase, "d");
        Operand<TFloat32> oReal = s.slice(o, s.constant(new int[] {0}), s.constant(new int[] {batch}));
        Operand<TFloat32> oFake = s.slice(o, s.constant(new int[] {batch}), s.constant(new int[] {batch}));
        scalars.put("d/prob_real_on_real", s.math.mean(s.math.sigmoid(oReal), zero));
        scalars.put("d/prob_real_on_fake", s.math.mean(s.math.sigmoid(oFake), zero));
        float realLabel = cfg.getTechniques().getRealLabel();
        Operand<TFloat32> gan = realLabel == 1f ? Losses.ganDiscriminator(s, oReal, oFake)
            : Losses.ganDiscriminatorSmoothed(s, oReal, oFake, realLabel);
        return semi == null ? gan : semi.discriminatorLoss(s, d, gan, scalars);
      }
      MixBatch.Mixed mb = mixed(s, "d", real, fake);
      int sets = sets();
      Operand<TFloat32> o = logits(s, mb.batch(), sets, phase, "d");
      Operand<TFloat32> predicted = cfg.getLoss() == LossKind.BGAN
          ? s.math.sigmoid(Losses.setLogits(s, o, sets))
          : s.math.mean(s.math.sigmoid(s.reshape(o, s.constant(new long[] {sets, -1}))), s.constant(1));
      // The first set is m_β: its target and prediction are what the paper's Fig. 2 follows.
      scalars.put("d/real_fraction_predicted", s.math.mean(s.slice(predicted, s.constant(new int[] {0}), s.constant(new int[] {1})), zero));
      scalars.put("d/real_fraction_target", s.math.mean(s.slice(mb.target(), s.constant(new int[] {0}), s.constant(new int[] {1})), zero));
      scalars.put("d/abs_error_real_fraction", s.math.mean(s.math.abs(s.math.sub(predicted, mb.target())), zero));
      return cfg.getLoss() == LossKind.BGAN
          ? Losses.bganDiscriminator(s, o, mb.target(), sets)
          : Losses.mbganDiscriminator(s, o, mb.target(), sets);
    }

    /**
     * Feature matching's generator loss (Salimans et al. 2016): D's last hidden layer on the real and
     * the generated batch, as two sets of one application (instance noise added as for the logits).
     */
    Operand<TFloat32> featureMatching(Ops s, Operand<TFloat32> real, Operand<TFloat32> fake) {
      Operand<TFloat32> x = withInstanceNoise(s, s.concat(List.of(real, fake), s.constant(0)), "g");
      Operand<TFloat32> f = d.applyWithFeatures(s, x, 2, Phase.train()).features();
      int a = (int) f.shape().size(1);
      Operand<TFloat32> fReal = s.slice(f, s.constant(new int[] {0, 0}), s.constant(new int[] {batch, a}));
      Operand<TFloat32> fFake = s.slice(f, s.constant(new int[] {batch, 0}), s.constant(new int[] {batch, a}));
      return FeatureMatching.loss(s, fReal, fFake);
    }

    Operand<TFloat32> generatorStep(Phase phase) {
      Ops s = tf.withSubScope("g_step");
      Operand<TFloat32> fake = fake(s, "g", phase);
      if (cfg.getLoss() == LossKind.GAN && cfg.getTechniques().getFeatureMatching()) {
        return featureMatching(s, real(s, "g"), fake);
      }
      if (cfg.getLoss() == LossKind.WGAN) {
        return org.bgan.techniques.Wasserstein.generatorLoss(s, logits(s, fake, 1, Phase.train(), "g"));
      }
      if (cfg.getLoss() == LossKind.GAN) {
        Operand<TFloat32> o = logits(s, fake, 1, Phase.train(), "g");
        return cfg.getTechniques().getGeneratorLoss() == Techniques.GeneratorLoss.MINIMAX
            ? Losses.ganGeneratorMinimax(s, o)
            : Losses.ganGenerator(s, o);
      }
      MixBatch.Mixed mb = mixed(s, "g", real(s, "g"), fake);
      int sets = sets();
      Operand<TFloat32> o = logits(s, mb.batch(), sets, Phase.train(), "g");
      return cfg.getLoss() == LossKind.BGAN
          ? Losses.bganGenerator(s, o, sets)
          : Losses.mbganGenerator(s, o);
    }
  }
}
