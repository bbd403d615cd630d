package org.bgan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Test helpers: evaluate float operands, and check gradients against central differences. */
public final class Tf {
  private Tf() {}

  public static float[] flat(Session s, Operand<TFloat32> x) {
    try (org.tensorflow.Result r = s.runner().fetch(x).run()) {
      TFloat32 t = (TFloat32) r.get(0);
      float[] out = new float[(int) t.size()];
      t.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(out, false, false));
      return out;
    }
  }

  /** The values of several operands (e.g. a player's variables), one after another in one array. */
  public static float[] flatAll(Session s, List<? extends Operand<TFloat32>> xs) {
    float[][] parts = new float[xs.size()][];
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      parts[i] = flat(s, xs.get(i));
      n += parts[i].length;
    }
    float[] out = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /**
   * A network against its reference formula: the two outputs agree within {@code 1e-5 + 1e-4·|ref|}
   * entry by entry, and so do the gradients {@code gf.dy(i)}, {@code gr.dy(i)} of the first
   * {@code variables} variables, within {@code 1e-5 + 1e-3·|ref|}.
   */
  public static void assertSameValueAndGradients(Session s, Operand<TFloat32> out, Operand<TFloat32> ref,
      org.tensorflow.op.core.Gradients gf, org.tensorflow.op.core.Gradients gr, int variables, String what) {
    float[] a = flat(s, out);
    float[] r = flat(s, ref);
    assertThat(a).hasSameSizeAs(r);
    for (int i = 0; i < a.length; i++) {
      assertThat(a[i]).as("%s, output entry %d", what, i).isCloseTo(r[i], org.assertj.core.api.Assertions.within(1e-5f + 1e-4f * Math.abs(r[i])));
    }
    for (int i = 0; i < variables; i++) {
      float[] ga = flat(s, gf.dy(i));
      float[] gb = flat(s, gr.dy(i));
      for (int j = 0; j < ga.length; j++) {
        assertThat(ga[j]).as("%s, variable %d entry %d", what, i, j)
            .isCloseTo(gb[j], org.assertj.core.api.Assertions.within(1e-5f + 1e-3f * Math.abs(gb[j])));
      }
    }
  }

  /**
   * Evaluates {@code y} {@code times} times, each run also running the state updates recorded in
   * {@code phase} (e.g. spectral norm's power iterations); returns the last value.
   */
  public static float[] runWithUpdates(Session s, Operand<TFloat32> y, org.bgan.layers.Phase phase, int times) {
    float[] out = null;
    for (int i = 0; i < times; i++) {
      var r = s.runner().fetch(y);
      phase.updates().forEach(r::addTarget);
      try (var res = r.run()) {
        TFloat32 t = (TFloat32) res.get(0);
        out = new float[(int) t.size()];
        t.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(out, false, false));
      }
    }
    return out;
  }

  public static float scalar(Session s, Operand<TFloat32> x) {
    return flat(s, x)[0];
  }

  public static float[][] matrix(Session s, Operand<TFloat32> x) {
    try (org.tensorflow.Result r = s.runner().fetch(x).run()) {
      return StdArrays.array2dCopyOf((TFloat32) r.get(0));
    }
  }

  /**
   * Builds {@code y = f(x)} for a placeholder x of the given shape, and compares the symbolic
   * gradient of {@code sum(w ⊙ y)} (fixed random w) with central differences at {@code x0}.
   * Asserts |symbolic − numeric| ≤ atol + rtol·|numeric| for every entry.
   */
  public static void checkGradient(Shape shape, float[] x0, Function<Operand<TFloat32>[], Operand<TFloat32>> f,
      double eps, double atol, double rtol) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
      @SuppressWarnings("unchecked")
      Operand<TFloat32>[] in = new Operand[] {x};
      Operand<TFloat32> y = f.apply(in);
      long n = y.shape().size();
      float[] w = new float[(int) n];
      java.util.Random rng = new java.util.Random(42);
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (rng.nextDouble() * 2 - 1);
      }
      Operand<TFloat32> obj = tf.reduceSum(tf.math.mul(tf.reshape(y, tf.constant(new long[] {-1})), tf.constant(w)),
          tf.constant(0));
      var grads = tf.gradients(obj, List.of(x));
      try (Session s = new Session(g)) {
        s.initialize();
        float[] sym = eval(s, grads.dy(0), x, shape, x0);
        for (int i = 0; i < x0.length; i++) {
          float[] xp = x0.clone();
          float[] xm = x0.clone();
          xp[i] += (float) eps;
          xm[i] -= (float) eps;
          double num = (eval(s, obj, x, shape, xp)[0] - (double) eval(s, obj, x, shape, xm)[0]) / (2 * eps);
          assertThat(Math.abs(sym[i] - num))
              .as("gradient entry %d: symbolic %f vs numeric %f", i, sym[i], num)
              .isLessThanOrEqualTo(atol + rtol * Math.abs(num));
        }
      }
    }
  }

  private static float[] eval(Session s, Operand<TFloat32> y, Placeholder<TFloat32> x, Shape shape, float[] v) {
    try (TFloat32 t = TFloat32.tensorOf(shape, org.tensorflow.ndarray.buffer.DataBuffers.of(v, true, false));
        org.tensorflow.Result r = s.runner().feed(x, t).fetch(y).run()) {
      TFloat32 o = (TFloat32) r.get(0);
      float[] out = new float[(int) o.size()];
      o.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(out, false, false));
      return out;
    }
  }

  public static float[] randn(int n, long seed, double scale) {
    java.util.Random r = new java.util.Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (scale * r.nextGaussian());
    }
    return out;
  }
}
