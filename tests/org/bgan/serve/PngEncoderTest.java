package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngEncoderTest {

  /** Encodes random pixels and decodes them with the JDK's PNG reader. */
  private static void roundTrip(int h, int w, int c, long seed) throws Exception {
    byte[] pixels = new byte[5 + h * w * c]; // a leading offset, as for the 2nd image of a batch
    new Random(seed).nextBytes(pixels);
    byte[] png = PngEncoder.encode(pixels, 5, h, w, c);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(img).as("decodable PNG").isNotNull();
    assertThat(img.getWidth()).isEqualTo(w);
    assertThat(img.getHeight()).isEqualTo(h);
    Raster r = img.getRaster();
    assertThat(r.getNumBands()).isEqualTo(c);
    int[] px = new int[c];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        r.getPixel(x, y, px);
        for (int k = 0; k < c; k++) {
          assertThat(px[k]).as("pixel %d,%d band %d", x, y, k)
              .isEqualTo(pixels[5 + (y * w + x) * c + k] & 0xff);
        }
      }
    }
  }

  @Test
  void greyGreyAlphaRgbAndRgbaDecodeToTheSamePixels() throws Exception {
    roundTrip(7, 5, 1, 1);
    roundTrip(4, 9, 2, 2);
    roundTrip(8, 8, 3, 3);
    roundTrip(3, 6, 4, 4);
    roundTrip(64, 48, 3, 5);
  }

  @Test
  void refusesChannelCountsPngCannotHold() {
    assertThatThrownBy(() -> PngEncoder.encode(new byte[50], 0, 5, 2, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("5x2x5");
  }
}
