package org.bgan.layers;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Per-sample 2-D convolution, NHWC, 'SAME' padding (a k×k kernel with stride s maps H to ⌈H/s⌉; for
 * the 4×4 stride-2 and 3×3 stride-1 kernels of the paper's networks this is PyTorch's padding 1),
 * Glorot-uniform kernel [k, k, in, out], zero bias, optional spectral normalisation of the kernel.
 */
public final class Conv2D {
  private final String name;
  private final int k;
  private final int stride;
  private final long in;
  private final Variable<TFloat32> kernel;
  private final Variable<TFloat32> bias;
  private final SpectralNorm sn;

  public Conv2D(Ops tf, String name, int k, int stride, long in, long out, boolean bias, boolean spectralNorm, long seed) {
    this.name = name;
    this.k = k;
    this.stride = stride;
    this.in = in;
    Ops s = tf.withSubScope(name);
    this.kernel = Vars.create(s, "kernel",
        Vars.glorotUniform(s, Shape.of(k, k, in, out), (long) k * k * in, (long) k * k * out, seed, name + "/kernel"));
    this.bias = bias ? Vars.create(s, "bias", Vars.zeros(s, Shape.of(out))) : null;
    this.sn = spectralNorm ? new SpectralNorm(s, "kernel", kernel, seed) : null;
  }

  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Phase phase) {
    checkInput(name, x, in);
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> w = sn == null ? kernel : sn.normalized(s, phase);
    Operand<TFloat32> y = conv(s, x, w, stride);
    // A broadcasting Add rather than BiasAdd: TF 2.16's remapper fails on training graphs where
    // Conv2D + BiasAdd + LeakyRelu is fused while LeakyReluGrad still reads the BiasAdd output
    // ("fanout ... exist for missing node"), and then skips its other fusions too.
    return bias == null ? y : s.math.add(y, bias);
  }

  static Operand<TFloat32> conv(Ops s, Operand<TFloat32> x, Operand<TFloat32> w, int stride) {
    return s.nn.conv2d(x, w, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
  }

  static void checkInput(String name, Operand<TFloat32> x, long in) {
    Shape s = x.shape();
    if (s.numDimensions() != 4 || s.size(3) != in) {
      throw new IllegalArgumentException(name + ": expected NHWC input with " + in + " channels, got " + s);
    }
  }

  public int kernelSize() {
    return k;
  }

  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> v = new ArrayList<>(List.of(kernel));
    if (bias != null) {
      v.add(bias);
    }
    return v;
  }
}
