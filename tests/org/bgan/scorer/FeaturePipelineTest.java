package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.ImageBatch;
import org.bgan.metrics.MomentAccumulator;
import org.junit.jupiter.api.Test;

class FeaturePipelineTest {
  /** Feature of an image: its first red value; records the images per call. */
  private static final class FirstPixel implements FeatureExtractor {
    final List<Integer> calls = new ArrayList<>();

    @Override
    public int featureDim() {
      return 1;
    }

    @Override
    public int classCount() {
      return 0;
    }

    @Override
    public boolean classOutputIsProbabilities() {
      return false;
    }

    @Override
    public Output extract(ImageBatch b) {
      calls.add(b.count());
      float[] f = new float[b.count()];
      for (int i = 0; i < b.count(); i++) {
        f[i] = b.rgb()[i * b.height() * b.width() * 3] & 0xff;
      }
      return new Output(f, null);
    }

    @Override
    public void close() {}
  }

  private static ImageSource images(int n, int w, int h) {
    return new ImageSource() {
      @Override
      public int size() {
        return n;
      }

      @Override
      public List<Item> batch(int index, int batchSize) {
        List<Item> out = new ArrayList<>();
        for (int i = index * batchSize; i < Math.min(n, (index + 1) * batchSize); i++) {
          byte[] rgb = new byte[w * h * 3];
          rgb[0] = (byte) (10 * i);
          out.add(new Item("img" + i, new DecodedImage(w, h, rgb), null));
        }
        return out;
      }
    };
  }

  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

  @Test
  void largeImagesAreFedInCallsOfBoundedSize() throws Exception {
    // 30 photos of 6000x4000 in one batch of 50 made one byte array of 2.16e9 elements before
    // (NegativeArraySizeException, "internal error"); here the cap is lowered to 2 images of 8x8
    FirstPixel fx = new FirstPixel();
    FeaturePipeline pipe = new FeaturePipeline(fx, 50, 1, false, QUIET, false);
    pipe.maxCallBytes = 2 * 8 * 8 * 3;
    MomentAccumulator stats = new MomentAccumulator(1);
    FeaturePipeline.Outcome out = pipe.run(images(5, 8, 8), stats, null, null);
    assertThat(out.images()).isEqualTo(5);
    assertThat(fx.calls).containsExactly(2, 2, 1);
    assertThat(stats.mean()[0]).isEqualTo(20.0); // (0 + 10 + 20 + 30 + 40) / 5: every image once
    assertThat(FeaturePipeline.MAX_CALL_BYTES * 4).isLessThanOrEqualTo(1L << 30);
  }

  @Test
  void anImageLargerThanTheCapIsFedAlone() throws Exception {
    FirstPixel fx = new FirstPixel();
    FeaturePipeline pipe = new FeaturePipeline(fx, 50, 1, false, QUIET, false);
    pipe.maxCallBytes = 10;
    pipe.run(images(3, 8, 8), new MomentAccumulator(1), null, null);
    assertThat(fx.calls).containsExactly(1, 1, 1);
  }

  @Test
  void anOutOfMemoryErrorInADecoderThreadIsNotWrapped() {
    // ScorerMain reports OutOfMemoryError with advice; wrapped in an IllegalStateException it was an
    // "internal error (please report)" with a stack trace
    ImageSource failing = new ImageSource() {
      @Override
      public int size() {
        return 3;
      }

      @Override
      public List<Item> batch(int index, int batchSize) {
        throw new OutOfMemoryError("Java heap space");
      }
    };
    FeaturePipeline pipe = new FeaturePipeline(new FirstPixel(), 2, 1, false, QUIET, false);
    assertThatThrownBy(() -> pipe.run(failing, new MomentAccumulator(1), null, null))
        .isInstanceOf(OutOfMemoryError.class);
  }
}
