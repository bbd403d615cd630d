package org.bgan.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Titles, captions and notes stay inside the picture (and inside their panel), however long. */
class PlotTextTest {
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final float[][] RING = {{1f, 0f}, {0f, 1f}, {-1f, 0f}, {0f, -1f}};

  private static int width(PlotText.Fitted t) {
    Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    try {
      return g.getFontMetrics(t.font()).stringWidth(t.text());
    } finally {
      g.dispose();
    }
  }

  @Test
  void aTextThatFitsIsLeftAloneALongerOneShrinksAndALongOneIsCut() {
    PlotText.Fitted same = PlotText.fit("step 100", FONT, 400);
    assertThat(same.text()).isEqualTo("step 100");
    assertThat(same.font().getSize2D()).isEqualTo(13f);

    // A title of the trainer's form that is too wide at 13 pt but fits at a smaller size: kept whole.
    String title = "grid2d_mlp_mbgan_sn MBGAN, step 20000: modes 25/25, high quality 96.6%, reverse KL 0.00412";
    PlotText.Fitted shrunk = PlotText.fit(title, FONT, 544);
    assertThat(width(new PlotText.Fitted(title, FONT))).isGreaterThan(544);
    assertThat(shrunk.text()).isEqualTo(title);
    assertThat(shrunk.font().getSize2D()).isLessThan(13f).isGreaterThanOrEqualTo(PlotText.MIN_SIZE);
    assertThat(width(shrunk)).isLessThanOrEqualTo(544);

    // Too long even at the smallest size: cut, with an ellipsis, at the smallest size.
    String longer = title.repeat(4);
    PlotText.Fitted cut = PlotText.fit(longer, FONT, 544);
    assertThat(cut.font().getSize2D()).isEqualTo(PlotText.MIN_SIZE);
    assertThat(cut.text()).endsWith("\u2026").hasSizeLessThan(longer.length());
    assertThat(longer).startsWith(cut.text().substring(0, cut.text().length() - 1));
    assertThat(width(cut)).isLessThanOrEqualTo(544);
  }

  @Test
  void aScatterPlotsLongTitleEndsBeforeTheRightMargin(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("p.png");
    String title = "ring2d_mlp_wgangp_with_a_longer_name WGAN, step 20000: modes 8/8, high quality 67.6%, reverse KL 0.122";
    ScatterPlot.write(png, RING, RING, RING, 1.5, title);
    BufferedImage img = ImageIO.read(png.toFile());
    // the title row: ink at its start, none in the last 8 columns (before: the title ran off the edge)
    assertThat(inked(img, 8, 4, 60, 16)).isPositive();
    assertThat(inked(img, img.getWidth() - 8, 0, 8, 22)).isZero();
  }

  @Test
  void pointsJustOutsideTheFrameAreNotDrawnOverTheTitleAndLegend(@TempDir Path dir) throws Exception {
    Path with = dir.resolve("with.png");
    Path without = dir.resolve("without.png");
    // (−1, 1.6) with the frame at ±1.5 would land at row 25, in the legend row, left of its note
    ScatterPlot.write(with, RING, new float[][] {{-1f, 1.6f}, {0.5f, 0.5f}}, RING, 1.5, "t");
    ScatterPlot.write(without, RING, new float[][] {{0.5f, 0.5f}}, RING, 1.5, "t");
    BufferedImage a = ImageIO.read(with.toFile());
    BufferedImage b = ImageIO.read(without.toFile());
    int differ = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < 280; x++) {
        if (a.getRGB(x, y) != b.getRGB(x, y)) {
          differ++;
        }
      }
    }
    assertThat(differ).isZero();
  }

  @Test
  void aLongPanelCaptionStaysInItsPanel(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("s.png");
    String name = "mbgan-sn-5e-4-with-instance-noise-and-generator-averaging-and-more";
    SamplePanels.write(png, "t", List.of(new SamplePanels.Panel(name, RING), new SamplePanels.Panel("b", RING)),
        RING, RING, 1.5);
    BufferedImage img = ImageIO.read(png.toFile());
    // the caption row around the border between the panels: the first caption ends 8 px before it
    assertThat(inked(img, 8, 26, 60, 18)).isPositive();
    assertThat(inked(img, SamplePanels.PANEL - 8, 24, 16, SamplePanels.TOP - 24)).isZero();
  }

  /** Pixels darker than light grey in the rectangle. */
  private static int inked(BufferedImage img, int x0, int y0, int w, int h) {
    int n = 0;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        int rgb = img.getRGB(x, y);
        int grey = ((rgb >> 16 & 0xff) + (rgb >> 8 & 0xff) + (rgb & 0xff)) / 3;
        if (grey < 200) {
          n++;
        }
      }
    }
    return n;
  }
}
