package org.bgan.techniques;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The WGAN losses (Arjovsky, Chintala &amp; Bottou 2017, Algorithm 1; SPEC §6). The discriminator is a
 * critic {@code f} whose output is an unbounded score (no sigmoid): the critic minimises
 * {@code E f(x~) − E f(x)}, an estimate of −W(P_r, P_g) for a 1-Lipschitz f, and the generator
 * minimises {@code −E f(x~)}. The Lipschitz constraint is separate: {@link WeightClip} (WGAN) or
 * {@link GradientPenalty} (WGAN-GP).
 */
public final class Wasserstein {
  private Wasserstein() {}

  /** Critic loss {@code mean f(x~) − mean f(x)} from per-sample scores [B] of real and generated samples. */
  public static Operand<TFloat32> criticLoss(Ops tf, Operand<TFloat32> realScores, Operand<TFloat32> fakeScores) {
    Ops s = tf.withSubScope("WassersteinCriticLoss");
    return s.math.sub(s.math.mean(fakeScores, s.constant(0)), s.math.mean(realScores, s.constant(0)));
  }

  /** Generator loss {@code −mean f(x~)}. */
  public static Operand<TFloat32> generatorLoss(Ops tf, Operand<TFloat32> fakeScores) {
    Ops s = tf.withSubScope("WassersteinGeneratorLoss");
    return s.math.neg(s.math.mean(fakeScores, s.constant(0)));
  }
}
