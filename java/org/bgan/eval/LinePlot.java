package org.bgan.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bgan.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts as PNG (XChart's bitmap encoder), written atomically. */
public final class LinePlot {
  /** One curve. */
  public record Series(String name, double[] x, double[] y) {}

  private LinePlot() {}

  /**
   * Ten well-separated hues (XChart's default palette gives neighbouring series near-identical yellows
   * and oranges); the series after the tenth repeat them with dashed lines.
   */
  static final java.awt.Color[] PALETTE = {new java.awt.Color(0x1f77b4), new java.awt.Color(0xff7f0e),
      new java.awt.Color(0x2ca02c), new java.awt.Color(0xd62728), new java.awt.Color(0x9467bd),
      new java.awt.Color(0x8c564b), new java.awt.Color(0xe377c2), new java.awt.Color(0x7f7f7f),
      new java.awt.Color(0xbcbd22), new java.awt.Color(0x17becf)};

  /** A curve of at most this many points is drawn with a marker at each (e.g. evaluations every 2k steps). */
  static final int MARKED_POINTS = 30;

  /** A smaller title font (down to 9 pt), then a cut title, where it would run past the chart's edges. */
  private static void fitTitle(XYChart chart, String title) {
    PlotText.Fitted t = PlotText.fit(title, chart.getStyler().getChartTitleFont(), chart.getWidth() - 40);
    chart.getStyler().setChartTitleFont(t.font());
    chart.setTitle(t.text());
  }

  /** Writes one chart with the given curves to {@code png}. */
  public static void write(Path png, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setLegendVisible(true);
    fitTitle(chart, title);
    chart.getStyler().setMarkerSize(6);
    int i = 0;
    for (Series s : series) {
      if (s.x().length == 0) {
        continue;
      }
      XYSeries xs = chart.addSeries(s.name(), s.x(), s.y());
      java.awt.Color c = PALETTE[i % PALETTE.length];
      xs.setLineColor(c);
      xs.setMarkerColor(c);
      xs.setMarker(s.x().length <= MARKED_POINTS ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      if (i >= PALETTE.length) {
        xs.setLineStyle(SeriesLines.DASH_DASH);
      }
      i++;
    }
    Files.createDirectories(png.toAbsolutePath().getParent());
    byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    AtomicFiles.writeBytes(png, bytes);
  }
}
