package org.bgan.train;

import java.io.PrintStream;

/**
 * A progress line on stderr: a bar on a terminal (redrawn in place), a plain log line every few
 * seconds otherwise (logs and CI).
 */
public final class ProgressBar {
  private final PrintStream out;
  private final long total;
  private final boolean tty;
  private final long startNanos = System.nanoTime();
  private long lastPrint;
  private long startStep;
  private boolean startSet;

  public ProgressBar(PrintStream out, long total, boolean tty) {
    this.out = out;
    this.total = total;
    this.tty = tty;
  }

  public void update(long step, String extra) {
    if (!startSet) {
      startStep = step;
      startSet = true;
    }
    long now = System.nanoTime();
    boolean last = step >= total;
    if (!last && now - lastPrint < (tty ? 200_000_000L : 10_000_000_000L)) {
      return;
    }
    lastPrint = now;
    double secs = (now - startNanos) / 1e9;
    double rate = secs > 0 ? (step - startStep) / secs : 0;
    double eta = rate > 0 ? (total - step) / rate : Double.NaN;
    String line;
    if (tty) {
      int width = 30;
      int filled = (int) (width * step / Math.max(1, total));
      line = String.format("\r[%s%s] %d/%d %5.1f it/s eta %s %s", "#".repeat(filled), " ".repeat(width - filled),
          step, total, rate, fmt(eta), extra);
      out.print(line);
      if (last) {
        out.println();
      }
    } else {
      out.printf("step %d/%d (%.1f%%) %.1f it/s eta %s %s%n", step, total, 100.0 * step / Math.max(1, total), rate,
          fmt(eta), extra);
    }
    out.flush();
  }

  private static String fmt(double secs) {
    if (!Double.isFinite(secs)) {
      return "?";
    }
    long s = Math.round(secs);
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
  }
}
