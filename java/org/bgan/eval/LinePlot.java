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
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts as PNG (XChart's bitmap encoder), written atomically. */
public final class LinePlot {
  /** One curve. */
  public record Series(String name, double[] x, double[] y) {}

  private LinePlot() {}

  /** Writes one chart with the given curves to {@code png}. */
  public static void write(Path png, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setLegendVisible(true);
    chart.getStyler().setMarkerSize(0);
    for (Series s : series) {
      if (s.x().length == 0) {
        continue;
      }
      XYSeries xs = chart.addSeries(s.name(), s.x(), s.y());
      xs.setMarker(SeriesMarkers.NONE);
    }
    Files.createDirectories(png.toAbsolutePath().getParent());
    byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    AtomicFiles.writeBytes(png, bytes);
  }
}
