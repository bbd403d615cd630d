package org.bgan.nets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.layers.Phase;
import org.bgan.metrics.DenseMath;
import org.bgan.testing.Tf;
import org.bgan.train.Trainer;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Spectral normalisation (Miyato et al. 2018) in the MLP discriminators of the 2-D experiments. */
class MlpSpectralNormTest {
  @TempDir
  Path tmp;

  private Experiment cfg(String loss, String... sets) {
    List<String> all = new java.util.ArrayList<>(List.of("loss=" + loss,
        "train.output_dir=" + tmp.resolve(loss + String.join("", sets).hashCode())));
    all.addAll(List.of(sets));
    return ExperimentConfigs.fromText("""
        name: "t" data { synthetic2d { kind: GRID train_size: 300 } }
        generator { hidden: [16] } discriminator { hidden: [7] spectral_norm: true }
        mixing { gamma: 0.3 }
        train { batch_size: 6 n_disc: 2 steps: 3 checkpoint_every: 3 intra_op_threads: 1 inter_op_threads: 1 export: false }
        eval { num_samples: 50 }
        """, "test", all);
  }

  /** Largest singular value of the row-major [rows, cols] matrix, from the eigenvalues of WᵀW. */
  private static double sigma(float[] w, int rows, int cols) {
    double[] wtw = new double[cols * cols];
    for (int i = 0; i < rows; i++) {
      for (int a = 0; a < cols; a++) {
        for (int b = 0; b < cols; b++) {
          wtw[a * cols + b] += (double) w[i * cols + a] * w[i * cols + b];
        }
      }
    }
    return Math.sqrt(java.util.Arrays.stream(DenseMath.symmetricEigenvalues(wtw, cols)).max().getAsDouble());
  }

  @Test
  void perSampleDiscriminatorUsesEachWeightDividedByItsLargestSingularValue() {
    // D(x) = relu(x W0/σ0 + b0) W1/σ1 + b1 once the power iterations (one per D step) have converged,
    // recomputed here from the variables with exact σ's; the plain product differs (σ0 is not 1).
    int n = 4;
    float[] x = Tf.randn(n * 2, 31, 1.5);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Mlp d = (Mlp) Architectures.discriminator(tf, cfg("GAN"), new long[] {2});
      Phase phase = Phase.trainUpdating();
      Operand<TFloat32> y = d.apply(tf, tf.constant(Shape.of(n, 2), DataBuffers.of(x)), 1, phase);
      assertThat(phase.updates()).hasSize(2);
      List<Variable<TFloat32>> v = d.variables(); // kernel0, bias0, kernel1, bias1
      try (Session s = new Session(g)) {
        s.initialize();
        float[] out = Tf.runWithUpdates(s, y, phase, 80);
        float[] w0 = Tf.flat(s, v.get(0));
        float[] w1 = Tf.flat(s, v.get(2));
        double s0 = sigma(w0, 2, 7);
        double s1 = sigma(w1, 7, 1);
        assertThat(s0).isNotCloseTo(1.0, within(0.05));
        for (int i = 0; i < n; i++) {
          double o = 0;
          double plain = 0;
          for (int j = 0; j < 7; j++) {
            double z = (x[2 * i] * w0[j] + x[2 * i + 1] * w0[7 + j]);
            o += Math.max(0, z / s0) * w1[j] / s1;
            plain += Math.max(0, z) * w1[j];
          }
          assertThat((double) out[i]).isCloseTo(o, within(1e-4 * Math.max(1, Math.abs(o))));
          assertThat(Math.abs(plain - o)).isGreaterThan(1e-2);
        }
      }
    }
  }

  @Test
  void equivariantDiscriminatorWithSpectralNormIsEquivariantAndItsFoldedFormExact() {
    int b = 5;
    int[] perm = {3, 0, 4, 1, 2};
    float[] x = Tf.randn(2 * b * 2, 32, 1.0);
    float[] xp = new float[x.length];
    for (int grp = 0; grp < 2; grp++) {
      for (int i = 0; i < b; i++) {
        System.arraycopy(x, (grp * b + perm[i]) * 2, xp, (grp * b + i) * 2, 2);
      }
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Mlp d = (Mlp) Architectures.discriminator(tf, cfg("MBGAN"), new long[] {2});
      Phase phase = Phase.trainUpdating();
      Operand<TFloat32> folded = d.apply(tf, tf.constant(Shape.of(2 * b, 2), DataBuffers.of(x)), 2, phase);
      // Λ and Γ of both layers each carry their own vector u.
      assertThat(phase.updates()).hasSize(4);
      Operand<TFloat32> permuted = d.apply(tf, tf.constant(Shape.of(2 * b, 2), DataBuffers.of(xp)), 2, Phase.train());
      Operand<TFloat32> ref = d.applyLayerByLayer(tf, tf.constant(Shape.of(2 * b, 2), DataBuffers.of(x)), 2);
      var gf = tf.gradients(tf.reduceSum(tf.math.mul(folded, folded), tf.constant(new int[] {0, 1})), d.variables());
      var gr = tf.gradients(tf.reduceSum(tf.math.mul(ref, ref), tf.constant(new int[] {0, 1})), d.variables());
      try (Session s = new Session(g)) {
        s.initialize();
        Tf.runWithUpdates(s, folded, phase, 30);
        float[] a = Tf.flat(s, folded);
        float[] ap = Tf.flat(s, permuted);
        for (int grp = 0; grp < 2; grp++) {
          for (int i = 0; i < b; i++) {
            assertThat(ap[grp * b + i]).isCloseTo(a[grp * b + perm[i]], within(1e-5f + 1e-4f * Math.abs(a[grp * b + perm[i]])));
          }
        }
        Tf.assertSameValueAndGradients(s, folded, ref, gf, gr, d.variables().size(), "folded against layer by layer");
      }
    }
  }

  @Test
  void configsWithSpectralNormTrainEveryLossAndTheGeneratorOptionIsRejected() throws Exception {
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    for (Experiment e : List.of(cfg("GAN"), cfg("BGAN"), cfg("MBGAN"), cfg("MBGAN", "mixing.reuse=false"))) {
      Trainer.Result r = Trainer.run(e, new Trainer.Options(false, quiet, false));
      assertThat(r.exitCode()).as(e.getLoss() + " " + e.getMixing()).isZero();
      assertThat(r.step()).isEqualTo(3);
    }
    assertThatThrownBy(() -> cfg("BGAN", "generator.spectral_norm=true")).isInstanceOf(UserException.class)
        .hasMessageContaining("generator.spectral_norm").hasMessageContaining("discriminator.spectral_norm");
  }
}
