package org.bgan.semi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The K+1 discriminator's losses (Salimans et al. 2016 §5) against hand values, the direct formula and numeric gradients. */
class KPlusOneTest {
  private static final double LN2 = Math.log(2);
  private static final double LN5 = Math.log(5);

  // Rows chosen so that Z = Σ exp l_k is a round number:
  //   r1 = [0, 0, 0]            Z = 3, D = 3/4
  //   r2 = [0, ln 2, ln 5]      Z = 8, D = 8/9
  //   f1 = [ln ½, ln ¼, ln ¼]   Z = 1, D = 1/2
  //   f2 = [ln 2, ln ½, ln ½]   Z = 3, D = 3/4
  private static final float[][] REAL = {{0f, 0f, 0f}, {0f, (float) LN2, (float) LN5}};
  private static final float[][] FAKE = {{(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.25)},
      {(float) LN2, (float) Math.log(0.5), (float) Math.log(0.5)}};

  private static float[] flat(float[][] m) {
    float[] out = new float[m.length * m[0].length];
    for (int i = 0; i < m.length; i++) {
      System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
    }
    return out;
  }

  /** D(x) = Z/(Z+1), Z = Σ exp l, straight from the definition (double precision). */
  private static double directD(float[] l) {
    double z = 0;
    for (float v : l) {
      z += Math.exp(v);
    }
    return z / (z + 1);
  }

  @Test
  void realLogitIsLogZAndGivesDAsZOverZPlusOne() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      float[] lse = Tf.flat(s, KPlusOne.realLogit(tf, tf.constant(REAL)));
      // hand: ln 3 and ln 8
      assertThat((double) lse[0]).isCloseTo(Math.log(3), within(1e-6));
      assertThat((double) lse[1]).isCloseTo(Math.log(8), within(1e-6));
      float[] d = Tf.flat(s, tf.math.sigmoid(KPlusOne.realLogit(tf, tf.constant(FAKE))));
      assertThat((double) d[0]).isCloseTo(0.5, within(1e-6)).isCloseTo(directD(FAKE[0]), within(1e-6));
      assertThat((double) d[1]).isCloseTo(0.75, within(1e-6)).isCloseTo(directD(FAKE[1]), within(1e-6));
    }
  }

  @Test
  void unsupervisedLossMatchesHandValuesAndTheDirectFormula() {
    // hand: mean(−log ¾, −log 8/9) + mean(−log(1 − ½), −log(1 − ¾)) = mean(ln 4/3, ln 9/8) + mean(ln 2, ln 4)
    double hand = (Math.log(4.0 / 3) + Math.log(9.0 / 8)) / 2 + (LN2 + Math.log(4)) / 2;  // = 1.2424534
    double direct = (-Math.log(directD(REAL[0])) - Math.log(directD(REAL[1]))) / 2
        + (-Math.log(1 - directD(FAKE[0])) - Math.log(1 - directD(FAKE[1]))) / 2;
    assertThat(hand).isCloseTo(1.2424534, within(1e-7)).isCloseTo(direct, within(1e-6));
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      float v = Tf.scalar(s, KPlusOne.unsupervisedLoss(tf, tf.constant(REAL), tf.constant(FAKE)));
      // float32 logits (ln 2, ln 5 rounded to ~6e-8): 1e-6 absolute
      assertThat((double) v).isCloseTo(hand, within(1e-6));
    }
  }

  @Test
  void logsumexpFormStaysFiniteWhereTheDirectFormulaOverflows() {
    // l = [1000, 999, 0]: exp(1000) overflows even in double, so Z/(Z+1) is NaN; analytically
    // lse = 1000 + ln(1 + e^-1 + e^-1000) = 1000.3132617, −log D = softplus(−lse) ≈ e^-1000 ≈ 0 and
    // −log(1 − D) = softplus(lse) = lse to float precision.
    float[][] big = {{1000f, 999f, 0f}};
    assertThat(directD(big[0])).isNaN();
    double lse = 1000 + Math.log1p(Math.exp(-1) + Math.exp(-1000));
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      assertThat((double) Tf.scalar(s, KPlusOne.realLogit(tf, tf.constant(big)))).isCloseTo(lse, within(1e-3));
      // real and fake the same row: the loss is ≈ 0 + lse; float32 ulp at 1000 is 6e-5
      assertThat((double) Tf.scalar(s, KPlusOne.unsupervisedLoss(tf, tf.constant(big), tf.constant(big))))
          .isCloseTo(lse, within(1e-3));
      float[][] small = {{-1000f, -999f, -2000f}};
      // lse = −999 + ln(1 + e^-1) = −998.6867383; the real loss softplus(−lse) = 998.6867383
      assertThat((double) Tf.scalar(s, KPlusOne.unsupervisedLoss(tf, tf.constant(small), tf.constant(small))))
          .isCloseTo(999 - Math.log1p(Math.exp(-1)), within(1e-3));
    }
  }

  @Test
  void supervisedLossIsSoftmaxCrossEntropyOverTheKClasses() {
    // labels [1, 2]: row r1 → ln 3 − 0 = ln 3; row r2 → ln 8 − ln 5 = ln 8/5; mean = 0.7843080
    double hand = (Math.log(3) + Math.log(8.0 / 5)) / 2;
    assertThat(hand).isCloseTo(0.7843080, within(1e-7));
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      float v = Tf.scalar(s, KPlusOne.supervisedLoss(tf, tf.constant(REAL), tf.constant(new int[] {1, 2})));
      assertThat((double) v).isCloseTo(hand, within(1e-6));
      // label 0 of r2: ln 8
      float v0 = Tf.scalar(s, KPlusOne.supervisedLoss(tf, tf.constant(new float[][] {REAL[1]}), tf.constant(new int[] {0})));
      assertThat((double) v0).isCloseTo(Math.log(8), within(1e-6));
    }
  }

  @Test
  void gradientsAgreeWithCentralDifferences() {
    float[] x0 = Tf.randn(12, 3, 1.5);  // 4 rows of K = 3
    // lse per row (the weighted sum of rows inside checkGradient mixes them)
    Tf.checkGradient(Shape.of(4, 3), x0, x -> KPlusOne.realLogit(Ops.create((Graph) x[0].env()), x[0]), 1e-2, 2e-4, 2e-3);
    Tf.checkGradient(Shape.of(4, 3), x0, x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return KPlusOne.supervisedLoss(tf, x[0], tf.constant(new int[] {2, 0, 1, 2}));
    }, 1e-2, 2e-4, 2e-3);
    // the unsupervised loss with respect to the real rows, then the fake rows
    Tf.checkGradient(Shape.of(2, 3), flat(REAL), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return KPlusOne.unsupervisedLoss(tf, x[0], tf.constant(FAKE));
    }, 1e-2, 2e-4, 2e-3);
    Tf.checkGradient(Shape.of(2, 3), flat(FAKE), x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return KPlusOne.unsupervisedLoss(tf, tf.constant(REAL), x[0]);
    }, 1e-2, 2e-4, 2e-3);
  }

  @Test
  void supervisedGradientIsSoftmaxMinusOneHotOverN() {
    // d/dl_ik of mean_i (lse(l_i) − l_{i,y_i}) = (softmax(l_i)_k − [k = y_i]) / N, computed here in double.
    float[] l = Tf.randn(6, 11, 1.0);
    int[] y = {1, 0};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3)));
      Operand<TFloat32> loss = KPlusOne.supervisedLoss(tf, x, tf.constant(y));
      var grad = tf.gradients(loss, List.of(x)).dy(0);
      try (TFloat32 xt = TFloat32.tensorOf(Shape.of(2, 3), org.tensorflow.ndarray.buffer.DataBuffers.of(l));
          var r = s.runner().feed(x, xt).fetch(grad).run()) {
        TFloat32 gt = (TFloat32) r.get(0);
        for (int i = 0; i < 2; i++) {
          double z = 0;
          for (int k = 0; k < 3; k++) {
            z += Math.exp(l[i * 3 + k]);
          }
          for (int k = 0; k < 3; k++) {
            double want = (Math.exp(l[i * 3 + k]) / z - (k == y[i] ? 1 : 0)) / 2;
            assertThat((double) gt.getFloat(i, k)).isCloseTo(want, within(1e-6));
          }
        }
      }
    }
  }

  @Test
  void predictionsAreTheArgmaxOfTheClassLogits() {
    float[][] l = new float[20][];
    for (int i = 0; i < l.length; i++) {
      l[i] = Tf.randn(4, 100 + i, 1.0);  // continuous values: no ties
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TInt32> p = KPlusOne.predictions(tf, tf.constant(l));
      try (var r = s.runner().fetch(p).run()) {
        TInt32 t = (TInt32) r.get(0);
        int[] want = Accuracy.argmax(l);
        for (int i = 0; i < l.length; i++) {
          assertThat(t.getInt(i)).as("row %d", i).isEqualTo(want[i]);
        }
      }
    }
  }

  @Test
  void accuracyOnATinyFixture() {
    // predicted [0, 1, 2, 1, 0] vs labels [0, 1, 1, 1, 2]: right at 0, 1, 3 → 3/5;
    // per class: 0 → 1/1, 1 → 2/3, 2 → 0/1, 3 → no example (NaN)
    int[] pred = {0, 1, 2, 1, 0};
    int[] labels = {0, 1, 1, 1, 2, 3};  // a longer label array: only the first 5 count
    assertThat(Accuracy.of(pred, labels)).isEqualTo(0.6);
    double[] per = Accuracy.perClass(pred, labels, 4);
    assertThat(per[0]).isEqualTo(1.0);
    assertThat(per[1]).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(per[2]).isEqualTo(0.0);
    assertThat(per[3]).isNaN();
    assertThat(Accuracy.argmax(new float[][] {{1f, 3f, 3f}, {-1f, -2f, -0.5f}})).containsExactly(1, 2);  // first max on ties
  }
}
