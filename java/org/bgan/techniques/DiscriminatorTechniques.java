package org.bgan.techniques;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.LossKind;
import org.bgan.config.proto.Techniques;
import org.bgan.layers.Dropout;
import org.bgan.losses.Losses;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The discriminator step of the per-sample losses with the SPEC §6 discriminator-side techniques: the
 * WGAN critic loss or the standard GAN loss (or mixup's soft-target loss in its place), plus the
 * gradient penalty and the CT-GAN consistency term, each weighted by its config field (0: no ops).
 * Composition follows the literature: WGAN-GP = WGAN + penalty; CT-GAN = WGAN-GP + consistency term;
 * "GP" = standard GAN + penalty. Weight clipping acts on the optimiser step ({@link WeightClip}).
 */
public final class DiscriminatorTechniques {
  private DiscriminatorTechniques() {}

  /** A per-sample discriminator: scores [B] of x [B, ...], with dropout in its hidden layers (or null). */
  @FunctionalInterface
  public interface Scorer {
    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Dropout dropout);
  }

  /** True when the D step is built here: loss WGAN, or the standard GAN with mixup, a penalty or CT. */
  public static boolean active(Experiment cfg) {
    Techniques t = cfg.getTechniques();
    return cfg.getLoss() == LossKind.WGAN
        || (cfg.getLoss() == LossKind.GAN
            && (t.getMixupAlpha() > 0f || t.getGradientPenalty() > 0f || t.getConsistencyWeight() > 0f));
  }

  /**
   * The D-step loss.
   *
   * @param real real batch [B, ...]
   * @param fake generated batch [B, ...]
   * @param main D as the main loss sees it (instance noise, the step's state updates): per-sample logits
   *     or scores
   * @param plain D in training mode without state updates or noise, for the penalty and the
   *     consistency term
   * @param scalars receives what to log (prefix {@code d/})
   */
  public static Operand<TFloat32> discriminatorLoss(Ops s, Experiment cfg, Operand<TFloat32> real, Operand<TFloat32> fake,
      Operand<TInt64> stepSeed, Function<Operand<TFloat32>, Operand<TFloat32>> main, Scorer plain,
      Map<String, Operand<TFloat32>> scalars) {
    Techniques t = cfg.getTechniques();
    int batch = (int) real.shape().size(0);
    Operand<TInt32> zero = s.constant(0);
    Operand<TFloat32> loss;
    if (t.getMixupAlpha() > 0f) {
      Operand<TFloat32> lambda = Mixup.lambdas(s, Mixup.seed(s, stepSeed), batch, t.getMixupAlpha());
      Operand<TFloat32> o = main.apply(Mixup.mix(s, real, fake, lambda));
      scalars.put("d/mixup_target_mean", s.math.mean(lambda, zero));
      scalars.put("d/mixup_prob_mean", s.math.mean(s.math.sigmoid(o), zero));
      loss = Mixup.discriminatorLoss(s, o, lambda);
    } else {
      Operand<TFloat32> o = main.apply(s.concat(List.of(real, fake), s.constant(0)));
      Operand<TFloat32> oReal = s.slice(o, s.constant(new int[] {0}), s.constant(new int[] {batch}));
      Operand<TFloat32> oFake = s.slice(o, s.constant(new int[] {batch}), s.constant(new int[] {batch}));
      if (cfg.getLoss() == LossKind.WGAN) {
        scalars.put("d/wasserstein_estimate", s.math.sub(s.math.mean(oReal, zero), s.math.mean(oFake, zero)));
        loss = Wasserstein.criticLoss(s, oReal, oFake);
      } else {
        scalars.put("d/prob_real_on_real", s.math.mean(s.math.sigmoid(oReal), zero));
        scalars.put("d/prob_real_on_fake", s.math.mean(s.math.sigmoid(oFake), zero));
        loss = t.getRealLabel() == 1f ? Losses.ganDiscriminator(s, oReal, oFake)
            : Losses.ganDiscriminatorSmoothed(s, oReal, oFake, t.getRealLabel());
      }
    }
    if (t.getGradientPenalty() > 0f) {
      Operand<TFloat32> xHat = GradientPenalty.interpolates(s, real, fake, GradientPenalty.seed(s, stepSeed));
      GradientPenalty.Result gp = GradientPenalty.penalty(s, xHat, x -> plain.apply(s, x, null), t.getGradientPenalty());
      scalars.put("d/gradient_penalty", gp.penalty());
      scalars.put("d/gradient_norm", gp.meanNorm());
      loss = s.math.add(loss, gp.penalty());
    }
    if (t.getConsistencyWeight() > 0f) {
      float rate = t.getConsistencyDropout();
      Operand<TFloat32> d1 = plain.apply(s, real, new Dropout(rate, ConsistencyTerm.seed(s, stepSeed, 1)));
      Operand<TFloat32> d2 = plain.apply(s, real, new Dropout(rate, ConsistencyTerm.seed(s, stepSeed, 2)));
      Operand<TFloat32> ct = ConsistencyTerm.term(s, d1, d2, t.getConsistencyWeight(), t.getConsistencyMargin());
      scalars.put("d/consistency_term", ct);
      loss = s.math.add(loss, ct);
    }
    return loss;
  }
}
