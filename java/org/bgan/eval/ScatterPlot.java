package org.bgan.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bgan.util.AtomicFiles;

/** A PNG scatter plot of generated points over real points, like Fig. 3 of the paper. */
public final class ScatterPlot {
  private ScatterPlot() {}

  /**
   * @param extent the plot shows [−extent, extent]²
   */
  public static void write(Path png, float[][] real, float[][] generated, float[][] modes, double extent, String title)
      throws IOException {
    int size = 560;
    int top = 44;
    BufferedImage img = new BufferedImage(size, size + top, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, size, size + top);
    g.setColor(new Color(230, 230, 230));
    g.drawLine(0, top + size / 2, size, top + size / 2);
    g.drawLine(size / 2, top, size / 2, top + size);
    g.setColor(new Color(160, 160, 160, 90));
    for (float[] p : real) {
      dot(g, p, extent, size, top, 3);
    }
    g.setColor(new Color(30, 90, 200, 150));
    for (float[] p : generated) {
      dot(g, p, extent, size, top, 3);
    }
    g.setColor(new Color(220, 40, 40));
    g.setStroke(new BasicStroke(1.5f));
    for (float[] m : modes) {
      int x = px(m[0], extent, size);
      int y = top + px(-m[1], extent, size);
      g.drawLine(x - 4, y, x + 4, y);
      g.drawLine(x, y - 4, x, y + 4);
    }
    g.setColor(Color.BLACK);
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    g.setFont(font);
    PlotText.draw(g, title, font, 8, 17, size - 16);
    g.setColor(new Color(30, 90, 200));
    g.drawString("\u25cf generated", 8, 36);
    g.setColor(new Color(130, 130, 130));
    g.drawString("\u25cf real", 110, 36);
    g.setColor(new Color(220, 40, 40));
    g.drawString("+ mode centres", 170, 36);
    String note = outsideNote(generated, extent);
    if (note != null) {
      g.setColor(Color.BLACK);
      PlotText.draw(g, note, font, 290, 36, size - 290 - 8);
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    AtomicFiles.writeBytes(png, out.toByteArray());
  }

  /**
   * How many points fall outside the plotted square [−extent, extent]² or are not finite: a generator that
   * has drifted off the data leaves an empty-looking plot, which the legend then explains.
   */
  public static int outsideFrame(float[][] points, double extent) {
    int n = 0;
    for (float[] p : points) {
      if (!inFrame(p, extent)) {
        n++;
      }
    }
    return n;
  }

  /** Whether a point is finite and inside [−extent, extent]². */
  private static boolean inFrame(float[] p, double extent) {
    return p.length >= 2 && Math.abs(p[0]) <= extent && Math.abs(p[1]) <= extent;
  }

  /** "k of n generated outside the frame", or null when every generated point is drawn. */
  static String outsideNote(float[][] generated, double extent) {
    int k = outsideFrame(generated, extent);
    return k == 0 ? null : k + " of " + generated.length + " generated outside the frame";
  }

  /** A point inside the frame; points outside it are not drawn (they would land on the title and legend). */
  private static void dot(Graphics2D g, float[] p, double extent, int size, int top, int r) {
    if (!inFrame(p, extent)) {
      return;
    }
    g.fillOval(px(p[0], extent, size) - r / 2, top + px(-p[1], extent, size) - r / 2, r, r);
  }

  private static int px(double v, double extent, int size) {
    return (int) Math.round((v + extent) / (2 * extent) * (size - 1));
  }
}
