package org.bgan.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Loss values against numbers computed by hand in double precision (formulas of SPEC §2). */
class LossesTest {
  static double sigmoid(double l) {
    return 1 / (1 + Math.exp(-l));
  }

  /** KL(B(u) || B(v)) straight from eq. 3, with 0 log 0 = 0. */
  static double kl(double u, double v) {
    double a = u == 0 ? 0 : u * Math.log(u / v);
    double b = u == 1 ? 0 : (1 - u) * Math.log((1 - u) / (1 - v));
    return a + b;
  }

  private static float eval(java.util.function.Function<Ops, Operand<TFloat32>> f) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      return Tf.scalar(s, f.apply(Ops.create(g)));
    }
  }

  @Test
  void klFromLogitsMatchesEquationThreeIncludingTheEnds() {
    double[] ts = {0, 1, 0.3, 0.5, 0.97};
    double[] ls = {-3, -0.2, 0, 1.5, 4};
    for (double t : ts) {
      for (double l : ls) {
        float got = eval(tf -> Losses.klBernoulliFromLogits(tf, tf.constant((float) t), tf.constant((float) l)));
        assertThat((double) got).as("t=%s l=%s", t, l).isCloseTo(kl(t, sigmoid(l)), within(2e-6 + 1e-5 * kl(t, sigmoid(l))));
      }
    }
    // Zero at the optimum, finite for extreme logits where log σ would underflow.
    assertThat(eval(tf -> Losses.klBernoulliFromLogits(tf, tf.constant(0.25f), tf.constant((float) Math.log(1 / 3.0)))))
        .isCloseTo(0f, within(1e-6f));
    float extreme = eval(tf -> Losses.klBernoulliFromLogits(tf, tf.constant(1f), tf.constant(-200f)));
    assertThat(extreme).isCloseTo(200f, within(1e-3f));
  }

  private static final float[] LOGITS = {0.5f, -1f, 2f, 0f, -0.3f, 1.2f};

  @Test
  void bganLossUsesTheMeanLogitOfEachSet() {
    // Two sets of three; targets 1/3 and 1.
    double m1 = (0.5 - 1 + 2) / 3;
    double m2 = (0 - 0.3 + 1.2) / 3;
    double want = (kl(1.0 / 3, sigmoid(m1)) + kl(1, sigmoid(m2))) / 2;
    float got = eval(tf -> Losses.bganDiscriminator(tf, tf.constant(LOGITS), tf.constant(new float[] {1f / 3, 1f}), 2));
    assertThat((double) got).isCloseTo(want, within(1e-6));
    double wantG = (-Math.log(sigmoid(m1)) - Math.log(sigmoid(m2))) / 2;
    assertThat((double) eval(tf -> Losses.bganGenerator(tf, tf.constant(LOGITS), 2))).isCloseTo(wantG, within(1e-6));
  }

  @Test
  void mbganLossAveragesEveryElementAgainstItsSetTarget() {
    double want = 0;
    for (int i = 0; i < 6; i++) {
      want += kl(i < 3 ? 0.0 : 2.0 / 3, sigmoid(LOGITS[i])) / 6;
    }
    float got = eval(tf -> Losses.mbganDiscriminator(tf, tf.constant(LOGITS), tf.constant(new float[] {0f, 2f / 3}), 2));
    assertThat((double) got).isCloseTo(want, within(1e-6));
    double wantG = 0;
    for (float l : LOGITS) {
      wantG += -Math.log(sigmoid(l)) / 6;
    }
    assertThat((double) eval(tf -> Losses.mbganGenerator(tf, tf.constant(LOGITS)))).isCloseTo(wantG, within(1e-6));
  }

  @Test
  void standardGanLosses() {
    float[] r = {1f, -0.5f};
    float[] f = {0.2f, -2f};
    double want = (-Math.log(sigmoid(1)) - Math.log(sigmoid(-0.5))) / 2 + (-Math.log(1 - sigmoid(0.2)) - Math.log(1 - sigmoid(-2))) / 2;
    assertThat((double) eval(tf -> Losses.ganDiscriminator(tf, tf.constant(r), tf.constant(f)))).isCloseTo(want, within(1e-6));
    double wantG = (-Math.log(sigmoid(0.2)) - Math.log(sigmoid(-2))) / 2;
    assertThat((double) eval(tf -> Losses.ganGenerator(tf, tf.constant(f)))).isCloseTo(wantG, within(1e-6));
  }

  @Test
  void withOneElementPerSetBganIsTheStandardLoss() {
    // B = 1 (Prop. 1's special case): targets are 1 for real and 0 for fake.
    float[] l = {1f, -0.5f, 0.2f, -2f};
    float bgan = eval(tf -> Losses.bganDiscriminator(tf, tf.constant(l), tf.constant(new float[] {1, 1, 0, 0}), 4));
    float gan = eval(tf -> Losses.ganDiscriminator(tf, tf.constant(new float[] {1f, -0.5f}), tf.constant(new float[] {0.2f, -2f})));
    assertThat(2 * bgan).isCloseTo(gan, within(1e-6f));
  }

  @Test
  void gradientsOfTheLossesWithRespectToLogits() {
    float[] l0 = {0.5f, -1f, 2f, 0f, -0.3f, 1.2f};
    Tf.checkGradient(Shape.of(6), l0, x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return Losses.bganDiscriminator(tf, x[0], tf.constant(new float[] {0.3f, 1f}), 2);
    }, 1e-2, 1e-3, 1e-2);
    Tf.checkGradient(Shape.of(6), l0, x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return Losses.mbganDiscriminator(tf, x[0], tf.constant(new float[] {0f, 0.6f}), 2);
    }, 1e-2, 1e-3, 1e-2);
    Tf.checkGradient(Shape.of(6), l0, x -> Losses.bganGenerator(Ops.create((Graph) x[0].env()), x[0], 3), 1e-2, 1e-3, 1e-2);
    Tf.checkGradient(Shape.of(6), l0, x -> Losses.mbganGenerator(Ops.create((Graph) x[0].env()), x[0]), 1e-2, 1e-3, 1e-2);
    Tf.checkGradient(Shape.of(6), l0, x -> {
      Ops tf = Ops.create((Graph) x[0].env());
      return Losses.klBernoulliFromLogits(tf, tf.constant(new float[] {0f, 1f, 0.5f, 0.2f, 0.9f, 0.33f}), x[0]);
    }, 1e-2, 1e-3, 1e-2);
  }
}
