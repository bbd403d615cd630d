package org.bgan.ops;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The mixed batch of eq. 2, {@code m_β(x, x~) = x ⊙ β + x~ ⊙ (1 − β)}, its target
 * {@code t = #β / B} (SPEC §1 steps 3–4), and the complementary batch {@code m_(1−β)} with target
 * {@code 1 − t} that reuses the entries left out (step 5).
 *
 * <p>Shapes: {@code real} and {@code fake} are [groups·B, d1..dk]; {@code mask} is [groups, B].
 * Gradients reach {@code fake} through the entries where β = 0 only.
 */
public final class MixBatch {
  public static final String OP_NAME = "MixBatch";

  /** A mixed batch and its real fraction per set. */
  public record Mixed(Operand<TFloat32> batch, Operand<TFloat32> target) {}

  private MixBatch() {}

  /** {@code m_β(real, fake)} and {@code t}. */
  public static Mixed create(Ops tf, Operand<TFloat32> real, Operand<TFloat32> fake, Operand<TFloat32> mask) {
    return mix(tf, real, fake, mask, false);
  }

  /** {@code m_(1−β)(real, fake)} and {@code 1 − t}: the entries that {@link #create} left out. */
  public static Mixed complement(Ops tf, Operand<TFloat32> real, Operand<TFloat32> fake, Operand<TFloat32> mask) {
    return mix(tf, real, fake, mask, true);
  }

  private static Mixed mix(Ops tf, Operand<TFloat32> real, Operand<TFloat32> fake, Operand<TFloat32> mask, boolean flip) {
    Shape rs = real.shape();
    Shape fs = fake.shape();
    Shape ms = mask.shape();
    if (!rs.isCompatibleWith(fs)) {
      throw new IllegalArgumentException(OP_NAME + ": real " + rs + " and fake " + fs + " shapes differ");
    }
    if (ms.numDimensions() != 2 || ms.hasUnknownDimension()) {
      throw new IllegalArgumentException(OP_NAME + ": mask must be static [groups, B], got " + ms);
    }
    if (rs.numDimensions() < 2) {
      throw new IllegalArgumentException(OP_NAME + ": samples must have rank >= 2, got " + rs);
    }
    long n = ms.size(0) * ms.size(1);
    if (rs.size(0) != Shape.UNKNOWN_SIZE && rs.size(0) != n) {
      throw new IllegalArgumentException(OP_NAME + ": batch " + rs.size(0) + " does not match mask "
          + ms + " (groups x B = " + n + ")");
    }
    Ops t = tf.withSubScope(flip ? OP_NAME + "Complement" : OP_NAME);
    Operand<TFloat32> m = flip ? t.math.sub(t.constant(1f), mask) : mask;
    long[] bshape = new long[rs.numDimensions()];
    java.util.Arrays.fill(bshape, 1L);
    bshape[0] = n;
    Operand<TFloat32> beta = t.reshape(m, t.constant(bshape));
    Operand<TFloat32> batch = t.math.add(t.math.mul(real, beta),
        t.math.mul(fake, t.math.sub(t.constant(1f), beta)));
    Operand<TFloat32> target = t.math.mean(m, t.constant(1));
    return new Mixed(batch, target);
  }
}
