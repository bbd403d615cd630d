package org.bgan.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {
  @TempDir Path tmp;

  private static int pixelsOf(BufferedImage img, java.awt.Color c) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if ((img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff)) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void eachCurveHasAColourOfItsOwn() throws Exception {
    // twelve arms, as the 2-D studies have: the ten colours, then the first two again (dashed)
    List<LinePlot.Series> series = new ArrayList<>();
    for (int k = 0; k < 12; k++) {
      double[] x = {0, 1000, 2000, 3000};
      double[] y = {k, k + 0.5, k, k + 0.5};
      series.add(new LinePlot.Series("arm" + k, x, y));
    }
    Path png = tmp.resolve("p.png");
    LinePlot.write(png, "t", "step", "v", series);
    BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(900);
    assertThat(LinePlot.PALETTE).hasSize(10).doesNotHaveDuplicates();
    for (java.awt.Color c : LinePlot.PALETTE) {
      // the curve's line, its markers and its legend entry are drawn in it
      assertThat(pixelsOf(img, c)).as("%s", c).isGreaterThan(100);
    }
  }
}
