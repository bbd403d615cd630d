package org.bgan.semi;

import org.bgan.losses.Losses;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The losses of the semi-supervised K+1 discriminator (Salimans et al. 2016, "Improved techniques for
 * training GANs", §5; SPEC §6). The discriminator outputs K class logits {@code l_1..l_K} per element
 * ([N, K]); the (K+1)-th class, "generated", has the fixed logit 0, so
 * {@code D(x) = Z(x)/(Z(x)+1)} with {@code Z(x) = Σ_k exp l_k(x)}, which is {@code σ(logsumexp(l))}:
 * the standard GAN's losses apply unchanged to the real/fake logit {@code logsumexp(l)}, and
 * {@code −log D(x) = softplus(−lse)}, {@code −log(1 − D(x)) = softplus(lse)} never form
 * {@code log Z} or {@code Z/(Z+1)} directly. The supervised part is the cross-entropy of
 * {@code softmax(l)} against the label: {@code −log p(y | x, y ≤ K) = lse(l) − l_y}.
 */
public final class KPlusOne {
  private KPlusOne() {}

  /**
   * {@code logsumexp_k l_k} per row, [N, K] → [N], as {@code m + log Σ_k exp(l_k − m)} with
   * {@code m = max_k l_k} held constant for the gradient (the value does not depend on m, so its
   * gradient is exactly {@code softmax(l)}); finite for any finite logits.
   */
  public static Operand<TFloat32> realLogit(Ops tf, Operand<TFloat32> classLogits) {
    checkRank2(classLogits);
    Ops s = tf.withSubScope("KPlusOneRealLogit");
    Operand<TInt32> axis = s.constant(1);
    Operand<TFloat32> m = s.stopGradient(s.max(classLogits, axis, Max.keepDims(true)));
    Operand<TFloat32> sum = s.reduceSum(s.math.exp(s.math.sub(classLogits, m)), axis);
    return s.math.add(s.reshape(m, s.constant(new long[] {-1})), s.math.log(sum));
  }

  /**
   * The supervised loss: mean over the batch of {@code lse(l) − l_y}, the cross-entropy of the K-way
   * softmax against {@code labels} ([N] int32 in [0, K)).
   */
  public static Operand<TFloat32> supervisedLoss(Ops tf, Operand<TFloat32> classLogits, Operand<TInt32> labels) {
    checkRank2(classLogits);
    int k = (int) classLogits.shape().size(1);
    Ops s = tf.withSubScope("KPlusOneSupervisedLoss");
    Operand<TFloat32> oneHot = s.oneHot(labels, s.constant(k), s.constant(1f), s.constant(0f));
    Operand<TFloat32> picked = s.reduceSum(s.math.mul(oneHot, classLogits), s.constant(1));
    return s.math.mean(s.math.sub(realLogit(s, classLogits), picked), s.constant(0));
  }

  /**
   * The unsupervised part of D's loss: the standard GAN loss on the real/fake logits
   * {@code lse(l)}: {@code mean softplus(−lse(l_real)) + mean softplus(lse(l_fake))}, i.e.
   * {@code −E log D(x) − E log(1 − D(G(z)))}.
   */
  public static Operand<TFloat32> unsupervisedLoss(Ops tf, Operand<TFloat32> realClassLogits, Operand<TFloat32> fakeClassLogits) {
    return Losses.ganDiscriminator(tf, realLogit(tf, realClassLogits), realLogit(tf, fakeClassLogits));
  }

  /** The predicted class {@code argmax_k l_k} per row, [N] int32 (on exact ties TF does not promise which index). */
  public static Operand<TInt32> predictions(Ops tf, Operand<TFloat32> classLogits) {
    checkRank2(classLogits);
    return tf.withSubScope("KPlusOnePredictions").math.argMax(classLogits, tf.constant(1), TInt32.class);
  }

  private static void checkRank2(Operand<TFloat32> l) {
    Shape s = l.shape();
    if (s.numDimensions() != 2 || s.size(1) < 1) {
      throw new IllegalArgumentException("class logits must be [N, K] with known K >= 1, got " + s);
    }
  }
}
