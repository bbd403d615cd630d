package org.bgan.losses;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The loss functions of the standard GAN, BGAN and M-BGAN (SPEC §2), on logits, in numerically
 * stable forms. Per-element logits come as a vector [groups·B]: {@code groups} sets of B elements,
 * each set with its real fraction {@code t} ([groups]).
 */
public final class Losses {
  private Losses() {}

  /**
   * {@code KL(B(t) || B(σ(l)))} (eq. 3), elementwise with broadcasting, computed as
   * {@code t·softplus(−l) + (1−t)·softplus(l) − H(t)}, {@code H(t) = −t log t − (1−t) log(1−t)},
   * with {@code 0 log 0 = 0}. Never forms {@code log σ(l)}, so it is finite for any finite logit.
   */
  public static Operand<TFloat32> klBernoulliFromLogits(Ops tf, Operand<TFloat32> t, Operand<TFloat32> logits) {
    Ops s = tf.withSubScope("KlBernoulli");
    Operand<TFloat32> one = s.constant(1f);
    Operand<TFloat32> u = s.math.sub(one, t);
    Operand<TFloat32> ce = s.math.add(s.math.mul(t, s.math.softplus(s.math.neg(logits))),
        s.math.mul(u, s.math.softplus(logits)));
    Operand<TFloat32> negEntropy = s.math.add(s.math.xlogy(t, t), s.math.xlogy(u, u));
    return s.math.add(ce, negEntropy);
  }

  /** BGAN discriminator loss (eq. 4, eq. 13): mean over sets of {@code KL(t_g || σ(mean_b o_gb))}. */
  public static Operand<TFloat32> bganDiscriminator(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets, int groups) {
    Ops s = tf.withSubScope("BganDiscriminatorLoss");
    return s.math.mean(klBernoulliFromLogits(s, targets, setLogits(s, logits, groups)), s.constant(0));
  }

  /** M-BGAN discriminator loss (eq. 14): {@code mean_{g,b} KL(t_g || σ(o_gb))}. */
  public static Operand<TFloat32> mbganDiscriminator(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> targets, int groups) {
    Ops s = tf.withSubScope("MbganDiscriminatorLoss");
    Operand<TFloat32> o = grouped(s, logits, groups);
    Operand<TFloat32> t = s.expandDims(targets, s.constant(1));
    return s.math.mean(klBernoulliFromLogits(s, t, o), s.constant(new int[] {0, 1}));
  }

  /** BGAN generator loss (eq. 5, non-saturating): mean over sets of {@code −log σ(mean_b o_gb)}. */
  public static Operand<TFloat32> bganGenerator(Ops tf, Operand<TFloat32> logits, int groups) {
    Ops s = tf.withSubScope("BganGeneratorLoss");
    return s.math.mean(s.math.softplus(s.math.neg(setLogits(s, logits, groups))), s.constant(0));
  }

  /** M-BGAN generator loss: {@code mean_{g,b} −log σ(o_gb)}. */
  public static Operand<TFloat32> mbganGenerator(Ops tf, Operand<TFloat32> logits) {
    Ops s = tf.withSubScope("MbganGeneratorLoss");
    return s.math.mean(s.math.softplus(s.math.neg(logits)), s.constant(0));
  }

  /** Standard discriminator loss: {@code mean −log σ(o_real) + mean −log(1 − σ(o_fake))}. */
  public static Operand<TFloat32> ganDiscriminator(Ops tf, Operand<TFloat32> realLogits, Operand<TFloat32> fakeLogits) {
    Ops s = tf.withSubScope("GanDiscriminatorLoss");
    return s.math.add(s.math.mean(s.math.softplus(s.math.neg(realLogits)), s.constant(0)),
        s.math.mean(s.math.softplus(fakeLogits), s.constant(0)));
  }

  /**
   * Standard discriminator loss with one-sided label smoothing (Salimans et al. 2016): real samples
   * have target {@code realLabel}, fakes 0: {@code mean CE(realLabel, σ(o_real)) + mean −log(1 − σ(o_fake))},
   * with {@code CE(t, σ(o)) = t·softplus(−o) + (1 − t)·softplus(o)}. {@code realLabel = 1} is
   * {@link #ganDiscriminator}.
   */
  public static Operand<TFloat32> ganDiscriminatorSmoothed(Ops tf, Operand<TFloat32> realLogits, Operand<TFloat32> fakeLogits,
      float realLabel) {
    Ops s = tf.withSubScope("GanDiscriminatorLoss");
    Operand<TFloat32> real = s.math.add(s.math.mul(s.constant(realLabel), s.math.softplus(s.math.neg(realLogits))),
        s.math.mul(s.constant(1f - realLabel), s.math.softplus(realLogits)));
    return s.math.add(s.math.mean(real, s.constant(0)), s.math.mean(s.math.softplus(fakeLogits), s.constant(0)));
  }

  /**
   * The original minimax generator loss: G minimises {@code mean log(1 − σ(o_fake)) = mean −softplus(o_fake)}
   * (saturates when D rejects the fakes, the reason the non-saturating form is the default).
   */
  public static Operand<TFloat32> ganGeneratorMinimax(Ops tf, Operand<TFloat32> fakeLogits) {
    Ops s = tf.withSubScope("GanGeneratorMinimaxLoss");
    return s.math.neg(s.math.mean(s.math.softplus(fakeLogits), s.constant(0)));
  }

  /** Standard non-saturating generator loss: {@code mean −log σ(o_fake)}. */
  public static Operand<TFloat32> ganGenerator(Ops tf, Operand<TFloat32> fakeLogits) {
    Ops s = tf.withSubScope("GanGeneratorLoss");
    return s.math.mean(s.math.softplus(s.math.neg(fakeLogits)), s.constant(0));
  }

  /** The batch logit of each set: {@code mean_b o_gb}, shape [groups] (eq. 13). */
  public static Operand<TFloat32> setLogits(Ops tf, Operand<TFloat32> logits, int groups) {
    return tf.math.mean(grouped(tf, logits, groups), tf.constant(1));
  }

  private static Operand<TFloat32> grouped(Ops tf, Operand<TFloat32> logits, int groups) {
    Shape s = logits.shape();
    if (s.numDimensions() != 1) {
      throw new IllegalArgumentException("logits must be a vector [groups*B], got " + s);
    }
    if (s.size(0) != Shape.UNKNOWN_SIZE && s.size(0) % groups != 0) {
      throw new IllegalArgumentException("logits length " + s.size(0) + " is not a multiple of groups " + groups);
    }
    return tf.reshape(logits, tf.constant(new long[] {groups, -1}));
  }
}
