package org.bgan.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bgan.losses.Losses;
import org.bgan.nets.Mlp;
import org.bgan.ops.BatchOps;
import org.bgan.ops.MixBatch;
import org.bgan.ops.Seeds;
import org.bgan.train.AdamOptimizer;
import org.bgan.testing.Tf;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Prop. 1 (paper §9, SPEC §2): with a uniform prior on p, the optimal BGAN discriminator is the
 * posterior mean of the real fraction, {@code D*(y) = E[#β/B | y]}, with
 * {@code P(y|β) = Π p1(y_b)^β_b p2(y_b)^(1−β_b)} and {@code P(β) = 1/((B+1)·C(B, #β))}. On a 1-D
 * problem (real N(−1,1), fake N(1,1)) and B = 2 this is computed exactly by enumerating β; the
 * discriminator trained by the project's ops, layers, loss and optimiser must approach it.
 */
class OptimalDiscriminatorTest {
  static final int B = 2;
  static final int SETS = 256;

  static double pdf(double y, double mu) {
    return Math.exp(-0.5 * (y - mu) * (y - mu)) / Math.sqrt(2 * Math.PI);
  }

  static double binom(int n, int k) {
    double r = 1;
    for (int i = 1; i <= k; i++) {
      r = r * (n - k + i) / i;
    }
    return r;
  }

  /** Exact D*(y) by enumerating the 2^B masks. */
  static double optimal(double[] y) {
    int b = y.length;
    double num = 0;
    double den = 0;
    for (int mask = 0; mask < (1 << b); mask++) {
      int k = Integer.bitCount(mask);
      double w = 1.0 / ((b + 1) * binom(b, k));
      for (int i = 0; i < b; i++) {
        w *= ((mask >> i) & 1) == 1 ? pdf(y[i], -1) : pdf(y[i], 1);
      }
      num += w * k / b;
      den += w;
    }
    return num / den;
  }

  @Test
  void trainedBganDiscriminatorApproachesThePosteriorMeanOfTheRealFraction() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      BatchOps ops = BatchOps.create(tf);
      Mlp d = new Mlp(tf, "discriminator", List.of(1, 64, 64, 1), true, 7);
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      long[] shape = {SETS * B, 1};
      Operand<TFloat32> real = tf.math.sub(tf.random.statelessRandomNormal(tf.constant(shape), ops.seed(seed, 1), TFloat32.class), tf.constant(1f));
      Operand<TFloat32> fake = tf.math.add(tf.random.statelessRandomNormal(tf.constant(shape), ops.seed(seed, 2), TFloat32.class), tf.constant(1f));
      Operand<TFloat32> p = ops.smoothingRatio(ops.seed(seed, 3), SETS, 0.5f);
      MixBatch.Mixed m = ops.mixBatch(real, fake, ops.mixingMask(p, B, ops.seed(seed, 4)));
      Operand<TFloat32> logits = tf.reshape(d.apply(tf, m.batch(), SETS), tf.constant(new long[] {-1}));
      Operand<TFloat32> loss = Losses.bganDiscriminator(tf, logits, m.target(), SETS);
      var grads = tf.gradients(loss, d.variables());
      List<Operand<TFloat32>> gl = new ArrayList<>();
      for (int i = 0; i < d.variables().size(); i++) {
        gl.add(grads.dy(i));
      }
      Op train = new AdamOptimizer(tf, "adam", d.variables(), 2e-3f, 0.9f, 0.999f, 1e-8f).apply(tf, gl);

      // Evaluation sets: all pairs from a grid of points.
      double[] pts = {-2.5, -1.5, -0.75, 0, 0.5, 1.25, 2.5};
      float[][] evalX = new float[pts.length * pts.length * B][1];
      int n = 0;
      for (double a : pts) {
        for (double c : pts) {
          evalX[n++][0] = (float) a;
          evalX[n++][0] = (float) c;
        }
      }
      int evalSets = pts.length * pts.length;
      Operand<TFloat32> evalD = tf.math.sigmoid(Losses.setLogits(tf,
          tf.reshape(d.apply(tf, tf.constant(evalX), evalSets), tf.constant(new long[] {-1})), evalSets));

      try (Session s = new Session(g, org.bgan.train.Trainer.sessionConfig(2, 1))) {
        s.initialize();
        for (int step = 0; step < 2500; step++) {
          try (TInt64 sd = TInt64.vectorOf(5, step)) {
            s.runner().feed(seed, sd).addTarget(train).run();
          }
        }
        float[] got = Tf.flat(s, evalD);
        double err = 0;
        double errNaive = 0;
        double maxErr = 0;
        for (int i = 0; i < evalSets; i++) {
          double[] y = {evalX[2 * i][0], evalX[2 * i + 1][0]};
          double want = optimal(y);
          // A plausible wrong answer: the mean of the per-sample posteriors p1/(p1+p2) (B = 1 formula).
          double naive = 0;
          for (double v : y) {
            naive += pdf(v, -1) / (pdf(v, -1) + pdf(v, 1)) / B;
          }
          err += Math.abs(got[i] - want) / evalSets;
          errNaive += Math.abs(naive - want) / evalSets;
          maxErr = Math.max(maxErr, Math.abs(got[i] - want));
        }
        // On this grid the naive answer is off the exact one by 0.042 on average and 0.082 at most
        // (computed in double by the same enumeration); the trained D must be about twice as close
        // (seen when the bounds were set: mean 0.0095, max 0.032, seed fixed).
        System.out.printf("PROP1 mean err %.4f max %.4f naive %.4f%n", err, maxErr, errNaive);
        assertThat(errNaive).as("naive vs exact").isGreaterThan(0.03);
        assertThat(err).as("mean |D - D*| (naive is %.3f)", errNaive).isLessThan(0.02);
        assertThat(maxErr).as("max |D - D*|").isLessThan(0.06);
      }
    }
  }
}
