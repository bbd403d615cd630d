package org.bgan.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Fully connected layer {@code x W + b}, Glorot-uniform W, zero b. */
public final class Dense implements Layer {
  private final String name;
  private final long in;
  private final long out;
  private final Variable<TFloat32> kernel;
  private final Variable<TFloat32> bias;

  /** Creates the variables {@code <scope>/<name>/kernel} and {@code .../bias}. */
  public Dense(Ops tf, String name, long in, long out, long seed) {
    this.name = name;
    this.in = in;
    this.out = out;
    Ops s = tf.withSubScope(name);
    this.kernel = Vars.create(s, "kernel", Vars.glorotUniform(s, Shape.of(in, out), in, out, seed, name + "/kernel"));
    this.bias = Vars.create(s, "bias", Vars.zeros(s, Shape.of(out)));
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups) {
    checkInput(name, x, in);
    Ops s = tf.withSubScope(name);
    return s.math.add(s.linalg.matMul(x, kernel), bias);
  }

  static void checkInput(String name, Operand<TFloat32> x, long in) {
    Shape s = x.shape();
    if (s.numDimensions() != 2 || s.size(1) != in) {
      throw new IllegalArgumentException(name + ": expected input [batch, " + in + "], got " + s);
    }
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    return List.of(kernel, bias);
  }

  public long outputSize() {
    return out;
  }
}
