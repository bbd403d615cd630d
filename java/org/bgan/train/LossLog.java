package org.bgan.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bgan.util.AtomicFiles;

/**
 * The losses of a run as CSV ({@code step,d_loss,g_loss}, one row per summary step) beside the
 * TensorBoard events, for plots such as the paper's Fig. 2 ({@code bgan plot-losses}). Rows past the
 * step a run resumes from belong to the interrupted attempt and are dropped; the file is rewritten
 * atomically at each checkpoint and at the end.
 */
final class LossLog {
  static final String FILE = "losses.csv";
  static final String HEADER = "step,d_loss,g_loss";

  private final Path file;
  private final List<String> rows = new ArrayList<>();

  LossLog(Path file, long fromStep) throws IOException {
    this.file = file;
    if (Files.isRegularFile(file)) {
      for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (l.isBlank() || l.equals(HEADER)) {
          continue;
        }
        int comma = l.indexOf(',');
        try {
          if (comma > 0 && Long.parseLong(l.substring(0, comma)) < fromStep) {
            rows.add(l);
          }
        } catch (NumberFormatException e) {
          // A damaged row of an interrupted attempt: dropped.
        }
      }
    }
  }

  void add(long step, float dLoss, float gLoss) {
    rows.add(String.format(Locale.ROOT, "%d,%.6g,%.6g", step, dLoss, gLoss));
  }

  void flush() throws IOException {
    AtomicFiles.writeString(file, HEADER + "\n" + String.join("\n", rows) + (rows.isEmpty() ? "" : "\n"));
  }
}
