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
  private final SpectralNorm sn;

  /** Creates the variables {@code <scope>/<name>/kernel} and {@code .../bias}. */
  public Dense(Ops tf, String name, long in, long out, long seed) {
    this(tf, name, in, out, true, false, seed);
  }

  /** As above, optionally without bias or with a spectrally normalised kernel ({@link SpectralNorm}). */
  public Dense(Ops tf, String name, long in, long out, boolean useBias, boolean spectralNorm, long seed) {
    this(tf, name, in, out, useBias, spectralNorm, seed, in);
  }

  /**
   * As above, with the kernel's rows {@code zeroFrom} to {@code in − 1} initialised to zero: the layer
   * starts by ignoring those inputs and learns their weights from the first step (the other rows are
   * the same Glorot draws as without the option, with the fan-in of all {@code in} inputs).
   */
  public Dense(Ops tf, String name, long in, long out, boolean useBias, boolean spectralNorm, long seed,
      long zeroFrom) {
    if (zeroFrom < 1 || zeroFrom > in) {
      throw new IllegalArgumentException(name + ": zeroFrom must be in [1, " + in + "], got " + zeroFrom);
    }
    this.name = name;
    this.in = in;
    this.out = out;
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> init = Vars.glorotUniform(s, Shape.of(in, out), in, out, seed, name + "/kernel");
    if (zeroFrom < in) {
      Ops i = s.withInitScope();
      float[][] mask = new float[(int) in][(int) out];
      for (int r = 0; r < zeroFrom; r++) {
        java.util.Arrays.fill(mask[r], 1f);
      }
      init = i.math.mul(init, i.constant(mask));
    }
    this.kernel = Vars.create(s, "kernel", init);
    this.bias = useBias ? Vars.create(s, "bias", Vars.zeros(s, Shape.of(out))) : null;
    this.sn = spectralNorm ? new SpectralNorm(s, "kernel", kernel, seed) : null;
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups) {
    return apply(tf, x, Phase.train());
  }

  /** {@code x W + b}; {@code phase} receives the spectral-norm update, if any. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Phase phase) {
    checkInput(name, x, in);
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> y = s.linalg.matMul(x, sn == null ? kernel : sn.normalized(s, phase));
    return bias == null ? y : s.nn.biasAdd(y, bias);
  }

  static void checkInput(String name, Operand<TFloat32> x, long in) {
    Shape s = x.shape();
    if (s.numDimensions() != 2 || s.size(1) != in) {
      throw new IllegalArgumentException(name + ": expected input [batch, " + in + "], got " + s);
    }
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    return bias == null ? List.of(kernel) : List.of(kernel, bias);
  }

  public long outputSize() {
    return out;
  }
}
