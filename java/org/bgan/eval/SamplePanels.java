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
import java.util.List;
import javax.imageio.ImageIO;
import org.bgan.util.AtomicFiles;

/**
 * Several methods' 2-D samples side by side, one square panel each over the same real points and mode
 * centres, like Fig. 3 of the paper. The PNG is {@code PANEL · n} pixels wide and {@code TOP + PANEL}
 * high: a title line, then a caption row and the scatter of each panel.
 */
public final class SamplePanels {
  /** Side of one panel's plotting square, in pixels. */
  public static final int PANEL = 320;
  /** Height of the title and caption rows above the panels. */
  public static final int TOP = 48;

  private SamplePanels() {}

  /** One method's samples. */
  public record Panel(String name, float[][] samples) {}

  public static BufferedImage draw(String title, List<Panel> panels, float[][] real, float[][] modes, double extent) {
    int n = panels.size();
    BufferedImage img = new BufferedImage(PANEL * n, TOP + PANEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.BLACK);
    PlotText.draw(g, title, new Font(Font.SANS_SERIF, Font.BOLD, 13), 8, 17, img.getWidth() - 16);
    Font captionFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    for (int k = 0; k < n; k++) {
      int x0 = k * PANEL;
      g.setColor(Color.BLACK);
      PlotText.draw(g, caption(panels.get(k), extent), captionFont, x0 + 8, 40, PANEL - 16);
      g.setColor(new Color(200, 200, 200));
      g.drawRect(x0, TOP, PANEL - 1, PANEL - 1);
      g.setColor(new Color(160, 160, 160, 90));
      for (float[] p : real) {
        dot(g, p, extent, x0);
      }
      g.setColor(new Color(30, 90, 200, 150));
      for (float[] p : panels.get(k).samples()) {
        dot(g, p, extent, x0);
      }
      g.setColor(new Color(220, 40, 40));
      g.setStroke(new BasicStroke(1.2f));
      for (float[] m : modes) {
        int x = x0 + px(m[0], extent);
        int y = TOP + px(-m[1], extent);
        g.drawLine(x - 3, y, x + 3, y);
        g.drawLine(x, y - 3, x, y + 3);
      }
    }
    g.dispose();
    return img;
  }

  /** The panel's caption: its name, and how many of its samples lie outside the frame if any do. */
  static String caption(Panel panel, double extent) {
    int k = ScatterPlot.outsideFrame(panel.samples(), extent);
    return k == 0 ? panel.name() : panel.name() + " (" + k + " of " + panel.samples().length + " outside)";
  }

  /** Draws the panels and writes the PNG atomically. */
  public static void write(Path png, String title, List<Panel> panels, float[][] real, float[][] modes, double extent)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(draw(title, panels, real, modes, extent), "png", out);
    AtomicFiles.writeBytes(png, out.toByteArray());
  }

  private static void dot(Graphics2D g, float[] p, double extent, int x0) {
    if (p.length < 2 || !Float.isFinite(p[0]) || !Float.isFinite(p[1])) {
      return;
    }
    int x = px(p[0], extent);
    int y = px(-p[1], extent);
    if (x < 0 || y < 0 || x >= PANEL || y >= PANEL) {
      return;
    }
    g.fillOval(x0 + x - 1, TOP + y - 1, 3, 3);
  }

  private static int px(double v, double extent) {
    return (int) Math.round((v + extent) / (2 * extent) * (PANEL - 1));
  }
}
