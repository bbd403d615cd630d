package org.bgan.techniques;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * MIX+GAN (Arora, Ge, Liang, Ma, Zhang, "Generalization and equilibrium in generative adversarial
 * nets (GANs)", ICML 2017, §5): K generators G_1..G_K and K discriminators D_1..D_K, mixed with the
 * weights {@code softmax(w_G)} and {@code softmax(w_D)} (trainable logits). The payoff of the game is
 * the weighted sum of the pairs' payoffs,
 *
 * <pre>  L = Σ_i Σ_j softmax(w_G)_i · softmax(w_D)_j · L(G_i, D_j),</pre>
 *
 * and each player adds a regulariser on its own mixture weights that keeps them from collapsing onto
 * one component. The paper calls it an entropy term and gives no formula; the authors' released code
 * (PrincetonML/MIX-plus-GANs, {@code cifar10/train_mixgan.py}) adds, to each player's loss,
 *
 * <pre>  R(w) = −(1/K) Σ_k log softmax(w)_k = logsumexp(w) − mean(w) = log K + KL(U_K ‖ softmax(w)),</pre>
 *
 * the cross-entropy of the uniform distribution relative to the mixture, with weight 0.1
 * ({@link #DEFAULT_ENTROPY_WEIGHT}) and K = 5 ({@link #PAPER_COMPONENTS}). R is smallest (log K) at
 * uniform weights, where the Shannon entropy is largest, and grows without bound as a weight goes to
 * 0; its gradient is {@code softmax(w) − 1/K}. That is the form implemented here.
 *
 * <p>Sampling from the mixture: a sample picks component k with probability softmax(w_G)_k and is
 * that component's G_k(z). The pick is a function of z alone, {@link #uniformFromZ} (a hash of z's
 * float bits to a uniform in [0, 1)), inverted through the cumulative weights ({@link #choose}), so
 * that a served generator stays a function z → sample and the {@code sample} signature, which draws z
 * from its seed, agrees with {@code serving_default} on that z.
 */
public final class MixGan {
  /** Mixture components in the paper's experiments (MIX+DCGAN, MIX+WassersteinGAN): 5. */
  public static final int PAPER_COMPONENTS = 5;
  /** Weight of the mixture regulariser in the authors' code ({@code mix_entloss_weight}): 0.1. */
  public static final float DEFAULT_ENTROPY_WEIGHT = 0.1f;
  /** Largest K accepted: each step costs K² pair evaluations. */
  public static final int MAX_COMPONENTS = 16;

  private MixGan() {}

  /** {@code softmax(w)} of a logit vector [K], computed as {@code exp(w − logsumexp(w))}. */
  public static Operand<TFloat32> weights(Ops tf, Operand<TFloat32> logits) {
    Ops s = tf.withSubScope("MixWeights");
    return s.math.exp(s.math.sub(s.identity(logits), logSumExp(s, logits)));
  }

  /** {@code R(w) = logsumexp(w) − mean(w) = −(1/K) Σ_k log softmax(w)_k} (see the class comment). */
  public static Operand<TFloat32> entropyRegularizer(Ops tf, Operand<TFloat32> logits) {
    Ops s = tf.withSubScope("MixEntropyRegularizer");
    return s.math.sub(logSumExp(s, logits), s.math.mean(s.identity(logits), s.constant(0)));
  }

  /**
   * Shannon entropy {@code −Σ p log p} of mixture weights {@code p} (softmax of the logits, as the loss
   * computed them), for logs (not part of any loss); a weight that underflowed to 0 adds 0. From the
   * weights rather than the logit variable: the step's update writes the variable in place, and a log
   * reading it could see the value before or after.
   */
  public static Operand<TFloat32> entropy(Ops tf, Operand<TFloat32> p) {
    Ops s = tf.withSubScope("MixEntropy");
    Operand<TFloat32> logP = s.math.log(s.math.maximum(p, s.constant(Float.MIN_NORMAL)));
    return s.math.neg(s.reduceSum(s.math.mul(p, logP), s.constant(0)));
  }

  /** {@code logsumexp} of a vector, stabilised by its (constant) maximum. */
  private static Operand<TFloat32> logSumExp(Ops s, Operand<TFloat32> logits) {
    Operand<TFloat32> w = s.identity(logits);
    Operand<TFloat32> m = s.stopGradient(s.max(w, s.constant(0)));
    return s.math.add(m, s.math.log(s.reduceSum(s.math.exp(s.math.sub(w, m)), s.constant(0))));
  }

  /**
   * {@code Σ_i Σ_j pG_i · pD_j · pair[i][j]}: the mixture payoff, for weights pG, pD [K] and the K×K
   * scalar payoffs of the pairs (G_i, D_j).
   */
  public static Operand<TFloat32> payoff(Ops tf, Operand<TFloat32> pG, Operand<TFloat32> pD,
      List<List<Operand<TFloat32>>> pair) {
    Ops s = tf.withSubScope("MixPayoff");
    int k = pair.size();
    Operand<TFloat32>[] rows = rowsOf(s, pair, k);
    Operand<TFloat32> m = s.stack(List.of(rows)); // [K_G, K_D]
    Operand<TFloat32> outer = s.math.mul(s.expandDims(pG, s.constant(1)), s.expandDims(pD, s.constant(0)));
    return s.reduceSum(s.math.mul(outer, m), s.constant(new int[] {0, 1}));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32>[] rowsOf(Ops s, List<List<Operand<TFloat32>>> pair, int k) {
    Operand<TFloat32>[] rows = new Operand[k];
    for (int i = 0; i < k; i++) {
      if (pair.get(i).size() != k) {
        throw new IllegalArgumentException("pair payoffs must be K×K, row " + i + " has " + pair.get(i).size());
      }
      rows[i] = s.stack(pair.get(i));
    }
    return rows;
  }

  /** Salt of the z hash: any fixed 32-bit value; changing it changes which component each z picks. */
  static final int HASH_SEED = 0x2545F491;

  /**
   * A uniform in [0, 1) per row of {@code z} [N, d] (d known at build time), a pure function of the
   * rows' float32 bits: {@code h = HASH_SEED; for each coordinate: h = fmix32(h XOR bits)} (fmix32 is
   * MurmurHash3's 32-bit finaliser), then {@code u = (h >>> 8) / 2^24}. Computed exactly in int64
   * arithmetic (products stay below 2^63), so every platform gives the same bits; {@link #uniformFromZ(float[])}
   * is the same function in Java.
   */
  public static Operand<TFloat32> uniformFromZ(Ops tf, Operand<TFloat32> z) {
    Ops s = tf.withSubScope("MixComponentHash");
    if (z.shape().numDimensions() != 2 || z.shape().size(1) < 1) {
      throw new IllegalArgumentException("z must be [N, d] with d known, got " + z.shape());
    }
    Operand<TInt64> bits = s.bitwise.bitwiseAnd(
        s.dtypes.cast(s.bitcast(z, TInt32.class), TInt64.class), s.constant(0xFFFFFFFFL)); // [N, d]
    long d = z.shape().size(1);
    Operand<TInt64> h = null;
    for (int j = 0; j < d; j++) {
      Operand<TInt64> col = s.reshape(s.slice(bits, s.constant(new int[] {0, j}), s.constant(new int[] {-1, 1})),
          s.constant(new long[] {-1}));
      Operand<TInt64> prev = h == null ? s.constant((long) HASH_SEED & 0xFFFFFFFFL) : h;
      h = fmix32(s, s.bitwise.bitwiseXor(prev, col));
    }
    Operand<TInt64> top = s.bitwise.rightShift(h, s.constant(8L));
    return s.math.mul(s.dtypes.cast(top, TFloat32.class), s.constant(1f / (1 << 24)));
  }

  private static Operand<TInt64> fmix32(Ops s, Operand<TInt64> h) {
    h = s.bitwise.bitwiseXor(h, s.bitwise.rightShift(h, s.constant(16L)));
    h = mul32(s, h, 0x85EBCA6BL);
    h = s.bitwise.bitwiseXor(h, s.bitwise.rightShift(h, s.constant(13L)));
    h = mul32(s, h, 0xC2B2AE35L);
    return s.bitwise.bitwiseXor(h, s.bitwise.rightShift(h, s.constant(16L)));
  }

  /** {@code (h · c) mod 2^32} for h, c in [0, 2^32), without any int64 product reaching 2^63. */
  private static Operand<TInt64> mul32(Ops s, Operand<TInt64> h, long c) {
    Operand<TInt64> lo = s.math.mul(h, s.constant(c & 0xFFFFL));
    Operand<TInt64> hi = s.math.mul(h, s.constant(c >>> 16));
    Operand<TInt64> hiShifted = s.bitwise.leftShift(s.bitwise.bitwiseAnd(hi, s.constant(0xFFFFL)), s.constant(16L));
    return s.bitwise.bitwiseAnd(s.math.add(lo, hiShifted), s.constant(0xFFFFFFFFL));
  }

  /** The Java twin of {@link #uniformFromZ(Ops, Operand)} for one row of z. */
  public static float uniformFromZ(float[] zRow) {
    int h = HASH_SEED;
    for (float v : zRow) {
      h ^= Float.floatToRawIntBits(v);
      h ^= h >>> 16;
      h *= 0x85EBCA6B;
      h ^= h >>> 13;
      h *= 0xC2B2AE35;
      h ^= h >>> 16;
    }
    return (h >>> 8) * (1f / (1 << 24));
  }

  /**
   * The component of each sample: {@code k} such that {@code c_(k−1) ≤ u < c_k} for the cumulative
   * weights {@code c = cumsum(p)}, computed as the number of {@code c_0..c_(K−2)} that are ≤ u (so it
   * is at most K − 1 even when rounding leaves {@code c_(K−1)} just below 1). With u uniform on [0, 1)
   * component k is picked with probability {@code p_k}. {@code u} [N], {@code p} [K]; returns int32 [N].
   */
  public static Operand<TInt32> choose(Ops tf, Operand<TFloat32> u, Operand<TFloat32> p, int k) {
    Ops s = tf.withSubScope("MixChoose");
    if (k == 1) {
      return s.zerosLike(s.dtypes.cast(u, TInt32.class));
    }
    Operand<TFloat32> cum = s.slice(s.math.cumsum(p, s.constant(0)), s.constant(new int[] {0}), s.constant(new int[] {k - 1}));
    Operand<TFloat32> ge = s.dtypes.cast(s.math.greaterEqual(s.expandDims(u, s.constant(1)), s.expandDims(cum, s.constant(0))),
        TFloat32.class); // [N, K-1]
    return s.dtypes.cast(s.reduceSum(ge, s.constant(1)), TInt32.class);
  }

  /**
   * Row n of {@code stacked} [K, N, ...] at index {@code idx[n]}: each sample's chosen component's
   * output, shape [N, ...].
   */
  public static Operand<TFloat32> select(Ops tf, Operand<TFloat32> stacked, Operand<TInt32> idx) {
    Ops s = tf.withSubScope("MixSelect");
    Operand<TInt32> n = s.reshape(s.slice(s.shape(idx), s.constant(new int[] {0}), s.constant(new int[] {1})),
        s.constant(new long[0]));
    Operand<TInt32> rows = s.range(s.constant(0), n, s.constant(1));
    Operand<TInt32> indices = s.stack(List.of(idx, rows), org.tensorflow.op.core.Stack.axis(1L)); // [N, 2]
    return s.gatherNd(stacked, indices);
  }
}
