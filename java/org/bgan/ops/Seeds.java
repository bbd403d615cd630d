package org.bgan.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;

/**
 * Seeds for TensorFlow's stateless random ops. A seed is an int64 vector of shape [2]. Each random
 * op of the graph derives its own seed from the step's seed and a distinct salt, so that one fed
 * seed drives many independent streams and a run is reproducible from (config seed, step).
 */
public final class Seeds {
  private Seeds() {}

  /** {@code seed XOR [salt, 0]}: an independent stream per salt. */
  public static Operand<TInt64> derive(Ops tf, Operand<TInt64> seed, long salt) {
    return tf.bitwise.bitwiseXor(seed, tf.constant(new long[] {mix(salt), 0L}));
  }

  /** A constant seed, e.g. for variable initialisers. */
  public static Operand<TInt64> constant(Ops tf, long a, long b) {
    return tf.constant(new long[] {a, b});
  }

  /** SplitMix64 finaliser: spreads small salts over all 64 bits. */
  public static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A 64-bit salt from a name, stable across runs and JVMs. */
  public static long salt(String name) {
    long h = 1125899906842597L;
    for (int i = 0; i < name.length(); i++) {
      h = 31 * h + name.charAt(i);
    }
    return mix(h);
  }
}
