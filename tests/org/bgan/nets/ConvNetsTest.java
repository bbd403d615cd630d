package org.bgan.nets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.layers.Phase;
import org.bgan.losses.Losses;
import org.bgan.testing.Tf;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Whole convolutional generators and discriminators built from configs. */
class ConvNetsTest {
  private static Experiment cfg(String arch, String loss, int size, int channels, boolean sn) {
    return ExperimentConfigs.parse("""
        data { images { format: RANDOM size: %d channels: %d } }
        generator { arch: %s z_dim: 8 width: 4 }
        discriminator { arch: %s width: 4 spectral_norm: %s }
        loss: %s
        """.formatted(size, channels, arch, arch, sn, loss), "test").build();
  }

  private static float[] permuteRows(float[] x, int[] perm, int row) {
    float[] out = new float[x.length];
    for (int i = 0; i < perm.length; i++) {
      System.arraycopy(x, perm[i] * row, out, i * row, row);
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({"DCGAN, 28, 1", "SNCNN, 32, 3", "SNCNN, 48, 3", "SNCNN, 64, 3"})
  void generatorsMakeImagesOfTheDataShapeInMinusOneToOne(String arch, int size, int channels) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network gen = Architectures.generator(tf, cfg(arch, "BGAN", size, channels, false), new long[] {size, size, channels});
      Operand<TFloat32> z = tf.constant(Shape.of(3, 8), DataBuffers.of(Tf.randn(24, 1, 1.0)));
      Operand<TFloat32> x = gen.apply(tf, z, 1, Phase.train());
      Operand<TFloat32> xi = gen.apply(tf, z, 1, Phase.infer());
      assertThat(x.shape()).isEqualTo(Shape.of(3, size, size, channels));
      try (Session s = new Session(g)) {
        s.initialize();
        for (float v : Tf.flat(s, xi)) {
          assertThat(v).isBetween(-1f, 1f);
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"DCGAN, 28, 1, false", "DCGAN, 28, 1, true", "SNCNN, 32, 3, true", "SNCNN, 48, 3, false", "SNCNN, 64, 3, false"})
  void equivariantDiscriminatorsAreEquivariantAndTheirBatchPredictionInvariant(String arch, int size, int ch, boolean sn) {
    int b = 5;
    int row = size * size * ch;
    int[] perm = {2, 4, 0, 3, 1};
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network d = Architectures.discriminator(tf, cfg(arch, "BGAN", size, ch, sn), new long[] {size, size, ch});
      float[] x = Tf.randn(b * row, 3, 1.0);
      Operand<TFloat32> o = tf.reshape(d.apply(tf, tf.constant(Shape.of(b, size, size, ch), DataBuffers.of(x)), 1, Phase.train()),
          tf.constant(new long[] {-1}));
      Operand<TFloat32> op = tf.reshape(d.apply(tf, tf.constant(Shape.of(b, size, size, ch), DataBuffers.of(permuteRows(x, perm, row))),
          1, Phase.train()), tf.constant(new long[] {-1}));
      try (Session s = new Session(g)) {
        s.initialize();
        float[] a = Tf.flat(s, o);
        float[] ap = Tf.flat(s, op);
        for (int i = 0; i < b; i++) {
          assertThat(ap[i]).isCloseTo(a[perm[i]], within(1e-4f + 1e-4f * Math.abs(a[perm[i]])));
        }
        assertThat(Tf.scalar(s, Losses.setLogits(tf, op, 1))).isCloseTo(Tf.scalar(s, Losses.setLogits(tf, o, 1)), within(1e-4f));
      }
    }
  }

  @Test
  void foldedEquivariantDiscriminatorEqualsTheLayerByLayerOneInValueAndGradient() {
    for (int groups : new int[] {1, 2}) {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        ConvDiscriminator d = (ConvDiscriminator) Architectures.discriminator(tf, cfg("SNCNN", "MBGAN", 16, 3, false), new long[] {16, 16, 3});
        Operand<TFloat32> x = tf.constant(Shape.of(6, 16, 16, 3), DataBuffers.of(Tf.randn(6 * 16 * 16 * 3, 5, 1.0)));
        Operand<TFloat32> fast = d.apply(tf, x, groups, Phase.train());
        Operand<TFloat32> ref = d.applyLayerByLayer(tf, x, groups, Phase.train());
        var gf = tf.gradients(tf.reduceSum(tf.math.mul(fast, fast), tf.constant(new int[] {0, 1})), d.variables());
        var gr = tf.gradients(tf.reduceSum(tf.math.mul(ref, ref), tf.constant(new int[] {0, 1})), d.variables());
        try (Session s = new Session(g)) {
          s.initialize();
          Tf.assertSameValueAndGradients(s, fast, ref, gf, gr, d.variables().size(), "groups " + groups);
        }
      }
    }
  }

  @Test
  void setsStackedInOneBatchDoNotInteract() {
    int b = 4;
    int row = 28 * 28;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network d = Architectures.discriminator(tf, cfg("DCGAN", "MBGAN", 28, 1, false), new long[] {28, 28, 1});
      float[] x = Tf.randn(2 * b * row, 9, 1.0);
      float[] first = java.util.Arrays.copyOf(x, b * row);
      float[] second = java.util.Arrays.copyOfRange(x, b * row, 2 * b * row);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] both = Tf.flat(s, d.apply(tf, tf.constant(Shape.of(2 * b, 28, 28, 1), DataBuffers.of(x)), 2, Phase.train()));
        float[] a = Tf.flat(s, d.apply(tf, tf.constant(Shape.of(b, 28, 28, 1), DataBuffers.of(first)), 1, Phase.train()));
        float[] c = Tf.flat(s, d.apply(tf, tf.constant(Shape.of(b, 28, 28, 1), DataBuffers.of(second)), 1, Phase.train()));
        for (int i = 0; i < b; i++) {
          assertThat(both[i]).isCloseTo(a[i], within(1e-4f));
          assertThat(both[b + i]).isCloseTo(c[i], within(1e-4f));
        }
      }
    }
  }

  @Test
  void standardGanDiscriminatorScoresEachSampleAlone() {
    int row = 28 * 28;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network d = Architectures.discriminator(tf, cfg("DCGAN", "GAN", 28, 1, true), new long[] {28, 28, 1});
      float[] x = Tf.randn(3 * row, 9, 1.0);
      float[] x2 = x.clone();
      x2[row + 10] += 3f;
      try (Session s = new Session(g)) {
        s.initialize();
        float[] a = Tf.flat(s, d.apply(tf, tf.constant(Shape.of(3, 28, 28, 1), DataBuffers.of(x)), 1, Phase.train()));
        float[] c = Tf.flat(s, d.apply(tf, tf.constant(Shape.of(3, 28, 28, 1), DataBuffers.of(x2)), 1, Phase.train()));
        assertThat(c[0]).isEqualTo(a[0]);
        assertThat(c[2]).isEqualTo(a[2]);
      }
    }
  }

  @Test
  void architecturesRejectDataOfTheWrongShape() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      assertThatThrownBy(() -> Architectures.generator(tf, cfg("SNCNN", "BGAN", 28, 1, false), new long[] {28, 28, 1}))
          .isInstanceOf(UserException.class).hasMessageContaining("divisible by 8");
      assertThatThrownBy(() -> Architectures.discriminator(tf, cfg("DCGAN", "BGAN", 28, 1, false), new long[] {2}))
          .isInstanceOf(UserException.class).hasMessageContaining("arch: MLP");
    }
  }
}
