package org.bgan.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.LossKind;
import org.bgan.config.proto.Techniques;
import org.bgan.data.RealSource;
import org.bgan.layers.Phase;
import org.bgan.losses.Losses;
import org.bgan.ops.MixBatch;
import org.bgan.ops.Seeds;
import org.bgan.techniques.InstanceNoise;
import org.bgan.techniques.MixGan;
import org.bgan.techniques.MixtureNetworks;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The {@link GanModel} of MIX+GAN ({@link MixGan}; {@code techniques.mix_components} = K &gt; 1):
 * generators G_0..G_(K−1), discriminators D_0..D_(K−1) ({@link MixtureNetworks}), and the losses
 *
 * <pre>
 *   d_loss = Σ_i Σ_j pG_i pD_j L_D(D_j; real, G_i) + λ R(w_D)
 *   g_loss = Σ_i Σ_j pG_i pD_j L_G(D_j; G_i)       + λ R(w_G)
 * </pre>
 * with pG = softmax(w_G), pD = softmax(w_D), λ = {@code techniques.mix_entropy_weight} and the pair
 * losses those of the configured loss: the standard GAN's (with label smoothing or the minimax form
 * when configured), or for BGAN and M-BGAN the pair's mixed-batch loss (eq. 13, 14) on
 * m_β(real, G_i(z)). w_G is in gVars and w_D in dVars, so each player moves its own mixture.
 *
 * <p>Each step draws one real batch and, per generator, its own latents (and for BGAN its own mixing
 * ratio and mask); each D_j is applied once, to the real batch and all K fake batches stacked (for
 * BGAN, to the K mixed batches as K·sets groups), so a step costs K generator and K discriminator
 * applications on K+1 (or K) batches: K(K+1) batch evaluations of D against the plain GAN's 2.
 */
public final class MixGanModelBuilder {
  private MixGanModelBuilder() {}

  /** Whether {@code cfg} asks for MIX+GAN. */
  public static boolean enabled(Experiment cfg) {
    return cfg.getTechniques().getMixComponents() > 1;
  }

  public static GanModel build(Graph graph, Experiment cfg, RealSource data) {
    Ops tf = Ops.create(graph);
    int batch = cfg.getTrain().getBatchSize();
    int zDim = cfg.getGenerator().getZDim();
    long[] sample = data.sampleShape();
    MixtureNetworks g = MixtureNetworks.generators(tf, cfg, sample);
    MixtureNetworks d = MixtureNetworks.discriminators(tf, cfg, sample);

    Placeholder<TInt64> stepSeed = GanModelBuilder.stepSeed(tf);
    Placeholder<TFloat32> realBatch = GanModelBuilder.realBatch(tf, data, batch);
    Steps v = new Steps(cfg, data, realBatch, g, d, stepSeed, batch, zDim);
    Map<String, Operand<TFloat32>> dScalars = new LinkedHashMap<>();
    Phase dPhase = Phase.trainUpdating();
    Phase gPhase = Phase.trainUpdating();
    Operand<TFloat32> dLoss = v.discriminatorStep(tf.withSubScope("d_step"), dScalars, dPhase);
    Operand<TFloat32> gLoss = v.generatorStep(tf.withSubScope("g_step"), gPhase);

    Operand<TFloat32> evalSamples = GanModelBuilder.evalSamples(tf, cfg, g, sample);
    return new GanModel(graph, stepSeed, g, d, dLoss, gLoss, dScalars, evalSamples, g.variables(), d.variables(),
        realBatch, dPhase.updates(), gPhase.updates());
  }

  /** The D-step and G-step subgraphs. */
  private record Steps(Experiment cfg, RealSource data, Placeholder<TFloat32> realBatch, MixtureNetworks g,
      MixtureNetworks d, Operand<TInt64> stepSeed, int batch, int zDim) {

    int k() {
      return g.size();
    }

    Operand<TFloat32> fake(Ops s, String salt, int i, Phase phase) {
      Operand<TFloat32> z = s.withName("z_" + i).random.statelessRandomNormal(
          s.constant(new long[] {batch, zDim}), Seeds.derive(s, stepSeed, Seeds.salt(salt + "/z/" + i)), TFloat32.class);
      return g.component(i).apply(s, z, 1, phase);
    }

    Operand<TFloat32> real(Ops s, String salt) {
      if (realBatch != null) {
        return realBatch;
      }
      return data.batch(s, Seeds.derive(s, stepSeed, Seeds.salt(salt + "/real")), batch);
    }

    int sets() {
      return cfg.getMixing().getReuse() ? 2 : 1;
    }

    /** The mixed batch(es) of real and G_i's fakes, with their own ratio and mask. */
    MixBatch.Mixed mixed(Ops s, String salt, Operand<TFloat32> real, Operand<TFloat32> fake) {
      return GanModelBuilder.mixedBatch(s, cfg, stepSeed, batch, salt, real, fake);
    }

    /** Instance noise (when configured) on everything D sees in one view. */
    Operand<TFloat32> noisy(Ops s, Operand<TFloat32> x, String view) {
      var tq = cfg.getTechniques();
      if (tq.getInstanceNoise() <= 0) {
        return x;
      }
      long anneal = tq.getInstanceNoiseSteps() > 0 ? tq.getInstanceNoiseSteps() : cfg.getTrain().getSteps();
      Operand<TFloat32> sigma = InstanceNoise.sigma(s, stepSeed, cfg.getTrain().getNDisc(), tq.getInstanceNoise(), anneal);
      return InstanceNoise.add(s, x, sigma, InstanceNoise.seed(s, stepSeed, view));
    }

    /** D_j's logits on {@code x}, as a vector, split into {@code parts} equal consecutive pieces. */
    List<Operand<TFloat32>> logits(Ops s, int j, Operand<TFloat32> x, int groups, Phase phase, int parts) {
      Operand<TFloat32> o = s.reshape(d.component(j).apply(s, x, groups, phase), s.constant(new long[] {-1}));
      long n = o.shape().size(0);
      if (n == Shape.UNKNOWN_SIZE || n % parts != 0) {
        throw new IllegalStateException("discriminator output of unexpected length " + n + " for " + parts + " parts");
      }
      List<Operand<TFloat32>> out = new ArrayList<>();
      int len = (int) (n / parts);
      for (int p = 0; p < parts; p++) {
        out.add(s.slice(o, s.constant(new int[] {p * len}), s.constant(new int[] {len})));
      }
      return out;
    }

    Operand<TFloat32> discriminatorStep(Ops s, Map<String, Operand<TFloat32>> scalars, Phase phase) {
      int k = k();
      // Named, so that a test can feed its own real batch.
      Operand<TFloat32> real = s.withName("real").identity(real(s, "d"));
      List<Operand<TFloat32>> fakes = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        fakes.add(fake(s, "d", i, Phase.train()));
      }
      Operand<TFloat32> pG = g.weights(s);
      Operand<TFloat32> pD = d.weights(s);
      List<List<Operand<TFloat32>>> pair = grid(k);
      boolean gan = cfg.getLoss() == LossKind.GAN;
      Operand<TFloat32> x;
      List<MixBatch.Mixed> mixed = new ArrayList<>();
      if (gan) {
        List<Operand<TFloat32>> all = new ArrayList<>();
        all.add(real);
        all.addAll(fakes);
        x = s.concat(all, s.constant(0));
      } else {
        List<Operand<TFloat32>> all = new ArrayList<>();
        for (int i = 0; i < k; i++) {
          MixBatch.Mixed mb = mixed(s, "d/" + i, real, fakes.get(i));
          mixed.add(mb);
          all.add(mb.batch());
        }
        x = s.concat(all, s.constant(0));
      }
      x = noisy(s, x, "d");
      Operand<org.tensorflow.types.TInt32> zero = s.constant(0);
      List<Operand<TFloat32>> probReal = new ArrayList<>();
      List<List<Operand<TFloat32>>> probFake = grid(k);
      float realLabel = cfg.getTechniques().getRealLabel();
      for (int j = 0; j < k; j++) {
        if (gan) {
          List<Operand<TFloat32>> o = logits(s, j, x, 1, phase, k + 1);
          probReal.add(s.math.mean(s.math.sigmoid(o.get(0)), zero));
          for (int i = 0; i < k; i++) {
            Operand<TFloat32> oFake = o.get(i + 1);
            pair.get(i).set(j, realLabel == 1f ? Losses.ganDiscriminator(s, o.get(0), oFake)
                : Losses.ganDiscriminatorSmoothed(s, o.get(0), oFake, realLabel));
            probFake.get(i).set(j, s.math.mean(s.math.sigmoid(oFake), zero));
          }
        } else {
          List<Operand<TFloat32>> o = logits(s, j, x, k * sets(), phase, k);
          for (int i = 0; i < k; i++) {
            pair.get(i).set(j, cfg.getLoss() == LossKind.BGAN
                ? Losses.bganDiscriminator(s, o.get(i), mixed.get(i).target(), sets())
                : Losses.mbganDiscriminator(s, o.get(i), mixed.get(i).target(), sets()));
          }
        }
      }
      if (gan) {
        scalars.put("d/prob_real_on_real", s.reduceSum(s.math.mul(pD, s.stack(probReal)), zero));
        scalars.put("d/prob_real_on_fake", MixGan.payoff(s, pG, pD, probFake));
      }
      Operand<TFloat32> payoff = MixGan.payoff(s, pG, pD, pair);
      scalars.put("mix/d_payoff", payoff);
      scalars.put("mix/entropy_g", MixGan.entropy(s, pG));
      scalars.put("mix/entropy_d", MixGan.entropy(s, pD));
      scalars.put("mix/max_weight_g", s.max(pG, zero));
      scalars.put("mix/max_weight_d", s.max(pD, zero));
      return withRegularizer(s, payoff, d.logits());
    }

    Operand<TFloat32> generatorStep(Ops s, Phase phase) {
      int k = k();
      List<Operand<TFloat32>> fakes = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        fakes.add(fake(s, "g", i, phase));
      }
      List<List<Operand<TFloat32>>> pair = grid(k);
      boolean gan = cfg.getLoss() == LossKind.GAN;
      Operand<TFloat32> x;
      if (gan) {
        x = s.concat(fakes, s.constant(0));
      } else {
        Operand<TFloat32> real = real(s, "g");
        List<Operand<TFloat32>> all = new ArrayList<>();
        for (int i = 0; i < k; i++) {
          all.add(mixed(s, "g/" + i, real, fakes.get(i)).batch());
        }
        x = s.concat(all, s.constant(0));
      }
      x = noisy(s, x, "g");
      boolean minimax = cfg.getTechniques().getGeneratorLoss() == Techniques.GeneratorLoss.MINIMAX;
      for (int j = 0; j < k; j++) {
        List<Operand<TFloat32>> o = logits(s, j, x, gan ? 1 : k * sets(), Phase.train(), k);
        for (int i = 0; i < k; i++) {
          Operand<TFloat32> oi = o.get(i);
          Operand<TFloat32> l;
          if (gan) {
            l = minimax ? Losses.ganGeneratorMinimax(s, oi) : Losses.ganGenerator(s, oi);
          } else {
            l = cfg.getLoss() == LossKind.BGAN ? Losses.bganGenerator(s, oi, sets()) : Losses.mbganGenerator(s, oi);
          }
          pair.get(i).set(j, l);
        }
      }
      return withRegularizer(s, MixGan.payoff(s, g.weights(s), d.weights(s), pair), g.logits());
    }

    Operand<TFloat32> withRegularizer(Ops s, Operand<TFloat32> payoff, Variable<TFloat32> logits) {
      float lambda = cfg.getTechniques().getMixEntropyWeight();
      if (lambda == 0f) {
        return payoff;
      }
      return s.math.add(payoff, s.math.mul(s.constant(lambda), MixGan.entropyRegularizer(s, logits)));
    }

    private static List<List<Operand<TFloat32>>> grid(int k) {
      List<List<Operand<TFloat32>>> m = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        List<Operand<TFloat32>> row = new ArrayList<>();
        for (int j = 0; j < k; j++) {
          row.add(null);
        }
        m.add(row);
      }
      return m;
    }
  }
}
