package org.bgan.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Transposed convolution ("deconv"), NHWC, 'SAME' padding, stride s: [N, H, W, in] → [N, s·H, s·W,
 * out] (a 4×4 kernel with stride 2 is PyTorch's ConvTranspose2d(k=4, s=2, p=1)). No bias: in the
 * generators every deconv is followed by batch normalisation, whose offset plays that role.
 */
public final class Deconv2D {
  private final String name;
  private final int stride;
  private final long in;
  private final long out;
  private final Variable<TFloat32> kernel;

  public Deconv2D(Ops tf, String name, int k, int stride, long in, long out, long seed) {
    this.name = name;
    this.stride = stride;
    this.in = in;
    this.out = out;
    Ops s = tf.withSubScope(name);
    // Conv2DBackpropInput's filter is [k, k, out, in]: the forward conv it transposes maps out → in.
    this.kernel = Vars.create(s, "kernel",
        Vars.glorotUniform(s, Shape.of(k, k, out, in), (long) k * k * in, (long) k * k * out, seed, name + "/kernel"));
  }

  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
    Conv2D.checkInput(name, x, in);
    Shape sh = x.shape();
    Ops s = tf.withSubScope(name);
    // A constant output size when the batch is static (shape inference then knows every
    // dimension); otherwise the batch is read at run time and the rest stays static.
    Operand<TInt32> batch = sh.size(0) != Shape.UNKNOWN_SIZE
        ? s.constant((int) sh.size(0))
        : s.reshape(s.shape.size(x, s.constant(0)), s.constant(new int[0]));
    Operand<TInt32> outShape = s.stack(List.of(
        batch,
        s.constant((int) (sh.size(1) * stride)),
        s.constant((int) (sh.size(2) * stride)),
        s.constant((int) out)));
    Operand<TFloat32> y = s.nn.conv2dBackpropInput(outShape, kernel, x, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
    return y;
  }

  public List<Variable<TFloat32>> variables() {
    return List.of(kernel);
  }
}
