package org.bgan.layers;

import org.bgan.ops.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Variable creation with initialisers in the graph's init scope, under stable names. */
public final class Vars {
  private Vars() {}

  /** A variable named {@code name} in {@code tf}'s scope, initialised by {@code init}. */
  public static Variable<TFloat32> create(Ops tf, String name, Operand<TFloat32> init) {
    Variable<TFloat32> v = tf.withInitScope().withName(name).variable(init.shape(), TFloat32.class);
    tf.withInitScope().withName(name + "_init").assign(v, init);
    return v;
  }

  /** Glorot (Xavier) uniform: U(−l, l), {@code l = sqrt(6 / (fanIn + fanOut))}, seeded. */
  public static Operand<TFloat32> glorotUniform(Ops tf, Shape shape, long fanIn, long fanOut, long seed, String salt) {
    Ops t = tf.withInitScope();
    float limit = (float) Math.sqrt(6.0 / (fanIn + fanOut));
    Operand<TFloat32> u = t.random.statelessRandomUniform(
        t.constant(shape.asArray()), Seeds.constant(t, seed, Seeds.salt(salt)), TFloat32.class);
    return t.math.mul(t.math.sub(t.math.mul(u, t.constant(2f)), t.constant(1f)), t.constant(limit));
  }

  public static Operand<TFloat32> zeros(Ops tf, Shape shape) {
    return filled(tf, shape, 0f);
  }

  public static Operand<TFloat32> ones(Ops tf, Shape shape) {
    return filled(tf, shape, 1f);
  }

  private static Operand<TFloat32> filled(Ops tf, Shape shape, float value) {
    Ops t = tf.withInitScope();
    return t.fill(t.constant(shape.asArray()), t.constant(value));
  }
}
