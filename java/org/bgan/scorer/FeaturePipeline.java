package org.bgan.scorer;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.ImageBatch;
import org.bgan.metrics.MomentAccumulator;
import org.bgan.metrics.NpyFloatFile;
import org.bgan.metrics.Parallel;

/**
 * Runs images through a feature extractor in one streaming pass: batches are decoded on a pool of
 * threads a few batches ahead of the model (bounded, so memory does not grow with the folder), fed to
 * the model in order, and the outputs go to a streaming mean/covariance accumulator and optionally to
 * {@code .npy} writers. Consecutive images of one size are batched together; a size change starts a new
 * model call.
 */
public final class FeaturePipeline {
  private final FeatureExtractor extractor;
  private final int batchSize;
  private final int decodeThreads;
  private final boolean skipBad;
  private final PrintStream log;
  private final boolean progressBar;
  /**
   * Most bytes of decoded RGB per model call: consecutive images of one size are fed together up to
   * this (and up to the batch size), so that a batch of photos stays within an int-indexed array and
   * TensorFlow's float copy of it (4x) stays near 1 GiB. Before, 30 images of 6000x4000 (2.16e9 bytes)
   * made one array: NegativeArraySizeException, "internal error".
   */
  static final long MAX_CALL_BYTES = 256L << 20;
  long maxCallBytes = MAX_CALL_BYTES;

  public record Outcome(long images, List<String> skipped, double seconds) {
    public double imagesPerSecond() {
      return images / Math.max(1e-9, seconds);
    }
  }

  public FeaturePipeline(FeatureExtractor extractor, int batchSize, int decodeThreads, boolean skipBad,
      PrintStream log, boolean progressBar) {
    this.extractor = extractor;
    this.batchSize = batchSize;
    this.decodeThreads = Math.max(1, decodeThreads);
    this.skipBad = skipBad;
    this.log = log;
    this.progressBar = progressBar;
  }

  /**
   * Feeds every image of {@code source}; features go to {@code stats} and {@code featuresOut}, class
   * outputs to {@code classesOut} (either writer may be null).
   */
  public Outcome run(ImageSource source, MomentAccumulator stats, NpyFloatFile.Writer featuresOut,
      NpyFloatFile.Writer classesOut) throws IOException {
    int total = source.size();
    int batches = (total + batchSize - 1) / batchSize;
    ExecutorService pool = Executors.newFixedThreadPool(decodeThreads, r -> {
      Thread t = new Thread(r, "image-decoder");
      t.setDaemon(true);
      return t;
    });
    long t0 = System.nanoTime();
    long done = 0;
    long lastPrint = 0;
    List<String> skipped = new ArrayList<>();
    Deque<Future<List<ImageSource.Item>>> ahead = new ArrayDeque<>();
    int next = 0;
    int lookahead = 2 * decodeThreads + 1;
    try {
      for (int b = 0; b < batches; b++) {
        while (next < batches && ahead.size() < lookahead) {
          final int idx = next++;
          ahead.add(pool.submit(() -> source.batch(idx, batchSize)));
        }
        List<ImageSource.Item> items = Parallel.join(ahead.poll());
        List<org.bgan.scorer.DecodedImage> good = new ArrayList<>(items.size());
        for (ImageSource.Item it : items) {
          if (it.image() == null) {
            if (!skipBad) {
              throw new UserError(ScorerMain.EXIT_INPUT, it.name() + ": " + it.reason()
                  + " (use --skip-bad to skip unreadable files)");
            }
            skipped.add(it.name());
            if (progressBar) {
              log.print("\r\033[K");
            }
            log.println("skipped " + it.name() + ": " + it.reason());
          } else {
            good.add(it.image());
          }
        }
        int start = 0;
        while (start < good.size()) {
          int end = start + 1;
          DecodedImage first = good.get(start);
          long bytes = (long) first.width() * first.height() * 3;
          while (end < good.size() && good.get(end).width() == first.width()
              && good.get(end).height() == first.height() && (end - start + 1) * bytes <= maxCallBytes) {
            end++;
          }
          feed(good.subList(start, end), stats, featuresOut, classesOut);
          done += end - start;
          start = end;
        }
        long now = System.nanoTime();
        if (progressBar && (now - lastPrint > 500_000_000L || b == batches - 1)) {
          lastPrint = now;
          double secs = (now - t0) / 1e9;
          double rate = done / Math.max(1e-9, secs);
          int width = 30;
          int filled = (int) ((long) width * (done + skipped.size()) / Math.max(1, total));
          log.printf(Locale.ROOT, "\r\033[K[%s%s] %d/%d images, %.1f images/s, ETA %s",
              "#".repeat(filled), ".".repeat(width - filled), done + skipped.size(), total, rate,
              eta((total - done - skipped.size()) / Math.max(1e-9, rate)));
        }
      }
    } finally {
      pool.shutdownNow();
      if (progressBar) {
        log.println();
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    return new Outcome(done, skipped, secs);
  }

  private static String eta(double s) {
    if (!Double.isFinite(s)) {
      return "?";
    }
    long t = Math.round(s);
    return t >= 3600 ? String.format("%dh%02dm", t / 3600, (t / 60) % 60)
        : String.format("%dm%02ds", t / 60, t % 60);
  }

  private void feed(List<DecodedImage> imgs, MomentAccumulator stats, NpyFloatFile.Writer featuresOut,
      NpyFloatFile.Writer classesOut) throws IOException {
    int n = imgs.size();
    int h = imgs.get(0).height();
    int w = imgs.get(0).width();
    byte[] rgb = new byte[n * h * w * 3];
    for (int i = 0; i < n; i++) {
      System.arraycopy(imgs.get(i).rgb(), 0, rgb, i * h * w * 3, h * w * 3);
    }
    FeatureExtractor.Output out = extractor.extract(new ImageBatch(n, h, w, rgb));
    stats.add(out.features(), 0, n);
    if (featuresOut != null) {
      featuresOut.append(out.features(), n);
    }
    if (classesOut != null && out.classes() != null) {
      classesOut.append(out.classes(), n);
    }
  }
}
