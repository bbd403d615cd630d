package org.bgan.eval;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * Text that must fit a width on a plot (a title, a caption, a legend note): a smaller font, down to
 * {@link #MIN_SIZE} pt, and below that the text cut with an ellipsis, so that nothing runs past the
 * picture's edge or into the next panel.
 */
final class PlotText {
  /** The smallest font size a title is shrunk to before it is cut. */
  static final float MIN_SIZE = 9f;

  /** A text and the font to draw it with. */
  record Fitted(String text, Font font) {}

  private PlotText() {}

  /**
   * {@code text} in {@code font} if it fits {@code maxWidth} pixels, else smaller, else cut with "…";
   * measured on a scratch image (for text a library draws, e.g. XChart's titles).
   */
  static Fitted fit(String text, Font font, int maxWidth) {
    Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    try {
      return fit(g, text, font, maxWidth);
    } finally {
      g.dispose();
    }
  }

  /** The same, measured with the graphics that will draw the text. */
  static Fitted fit(Graphics2D g, String text, Font font, int maxWidth) {
    float size = font.getSize2D();
    Font f = font;
    while (size > MIN_SIZE && width(g, f, text) > maxWidth) {
      size = Math.max(MIN_SIZE, size - 0.5f);
      f = font.deriveFont(size);
    }
    if (width(g, f, text) <= maxWidth) {
      return new Fitted(text, f);
    }
    FontMetrics m = g.getFontMetrics(f);
    int end = text.length();
    while (end > 0 && m.stringWidth(text.substring(0, end) + "\u2026") > maxWidth) {
      end--;
    }
    return new Fitted(text.substring(0, end) + "\u2026", f);
  }

  /** Draws {@code text} at (x, baseline y) in {@code font}, shrunk or cut to {@code maxWidth} pixels. */
  static void draw(Graphics2D g, String text, Font font, int x, int y, int maxWidth) {
    Fitted t = fit(g, text, font, maxWidth);
    Font before = g.getFont();
    g.setFont(t.font());
    g.drawString(t.text(), x, y);
    g.setFont(before);
  }

  private static int width(Graphics2D g, Font f, String text) {
    return g.getFontMetrics(f).stringWidth(text);
  }
}
