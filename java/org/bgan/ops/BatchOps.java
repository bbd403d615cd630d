package org.bgan.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Entry point of the batch ops of BGAN (Lucas et al., ICML 2018), in the style of
 * {@code tensorflow-framework}'s {@code FrameworkOps}: one-line methods delegating to a final class
 * per op, each building its ops under its own name scope ({@code BatchRho}, {@code MixingRatio},
 * {@code MixingMask}, {@code MixBatch}) so that they show as blocks in the exported graph. All
 * randomness is stateless and driven by explicit int64[2] seeds.
 *
 * <p>Every op is a composition of TensorFlow ops with registered gradients; the tests check each
 * gradient numerically.
 */
public final class BatchOps {
  private final Ops tf;

  private BatchOps(Ops tf) {
    this.tf = tf;
  }

  public static BatchOps create(Ops tf) {
    return new BatchOps(tf);
  }

  /** The underlying core ops. */
  public Ops core() {
    return tf;
  }

  /** ρ per set, eq. 11: {@code [groups·B, ...] → [groups, ...]}. See {@link BatchRho}. */
  public Operand<TFloat32> rho(Operand<TFloat32> x, int groups) {
    return BatchRho.create(tf, x, groups);
  }

  /** Batch smoothing-γ ratios, shape [groups]. See {@link MixingRatio#smoothing}. */
  public Operand<TFloat32> smoothingRatio(Operand<TInt64> seed, int groups, float gamma) {
    return MixingRatio.smoothing(tf, seed, groups, gamma);
  }

  /** Beta(a, b) ratios, shape [groups]. See {@link MixingRatio#beta}. */
  public Operand<TFloat32> betaRatio(Operand<TInt64> seed, int groups, float a, float b) {
    return MixingRatio.beta(tf, seed, groups, a, b);
  }

  /** Bernoulli(p) mask, shape [groups, B]. See {@link MixingMask}. */
  public Operand<TFloat32> mixingMask(Operand<TFloat32> p, int batchSize, Operand<TInt64> seed) {
    return MixingMask.create(tf, p, batchSize, seed);
  }

  /** {@code m_β} and its target, eq. 2. See {@link MixBatch#create}. */
  public MixBatch.Mixed mixBatch(Operand<TFloat32> real, Operand<TFloat32> fake, Operand<TFloat32> mask) {
    return MixBatch.create(tf, real, fake, mask);
  }

  /** {@code m_(1−β)} and {@code 1 − t}. See {@link MixBatch#complement}. */
  public MixBatch.Mixed mixBatchComplement(Operand<TFloat32> real, Operand<TFloat32> fake, Operand<TFloat32> mask) {
    return MixBatch.complement(tf, real, fake, mask);
  }

  /** A per-op seed derived from a step seed. See {@link Seeds#derive}. */
  public Operand<TInt64> seed(Operand<TInt64> base, long salt) {
    return Seeds.derive(tf, base, salt);
  }
}
