package org.bgan.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Points a plot cannot show are counted and named in its legend or caption, not silently dropped. */
class PlotFrameTest {
  private static final float[][] MODES = {{1f, 0f}, {-1f, 0f}};

  @Test
  void countsPointsOutsideTheSquareAndNonFinitePoints() {
    float[][] pts = {
      {0f, 0f}, {1.5f, -1.5f}, {-1.5f, 1.5f}, // inside, the last two on the boundary
      {1.6f, 0f}, {0f, -1.6f},                // outside by x, by y
      {Float.NaN, 0f}, {0f, Float.POSITIVE_INFINITY},
    };
    assertThat(ScatterPlot.outsideFrame(pts, 1.5)).isEqualTo(4);
    assertThat(ScatterPlot.outsideFrame(pts, 2.0)).isEqualTo(2);
    assertThat(ScatterPlot.outsideNote(pts, 1.5)).isEqualTo("4 of 7 generated outside the frame");
    assertThat(ScatterPlot.outsideNote(new float[][] {{0f, 0f}}, 1.5)).isNull();
  }

  @Test
  void panelCaptionNamesTheSamplesOutside() {
    float[][] far = {{30f, 40f}, {-25f, 90f}, {0.5f, 0.5f}};
    assertThat(SamplePanels.caption(new SamplePanels.Panel("gan-sn", far), 1.5)).isEqualTo("gan-sn (2 of 3 outside)");
    assertThat(SamplePanels.caption(new SamplePanels.Panel("bgan", new float[][] {{0.5f, 0.5f}}), 1.5))
        .isEqualTo("bgan");
  }

  @Test
  void aPlotWhoseSamplesAllLeftTheFrameStillWritesWithTheNote(@TempDir Path dir) throws Exception {
    float[][] far = new float[50][];
    for (int i = 0; i < far.length; i++) {
      far[i] = new float[] {20f + i, 30f};
    }
    Path png = dir.resolve("p.png");
    ScatterPlot.write(png, MODES, far, MODES, 1.5, "test");
    BufferedImage withNote = ImageIO.read(png.toFile());
    ScatterPlot.write(png, MODES, new float[0][], MODES, 1.5, "test");
    BufferedImage without = ImageIO.read(png.toFile());
    // The frames hold the same points (none of `far` is drawn); only the legend's note differs.
    assertThat(differingPixels(withNote, without, 0, 44, 560, 560)).isZero();
    assertThat(differingPixels(withNote, without, 280, 20, 280, 24)).isPositive();
    assertThat(Files.list(dir).toList()).containsExactly(png);
    SamplePanels.write(dir.resolve("s.png"), "t", List.of(new SamplePanels.Panel("a", far)), MODES, MODES, 1.5);
    assertThat(ImageIO.read(dir.resolve("s.png").toFile()).getWidth()).isEqualTo(SamplePanels.PANEL);
  }

  private static int differingPixels(BufferedImage a, BufferedImage b, int x0, int y0, int w, int h) {
    int n = 0;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        if (a.getRGB(x, y) != b.getRGB(x, y)) {
          n++;
        }
      }
    }
    return n;
  }
}
