package org.bgan.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** TF Serving's layout: a model base directory holds numeric version subdirectories, each a SavedModel. */
public final class SavedModelDirs {
  private SavedModelDirs() {}

  /**
   * {@code dir} itself if it holds a {@code saved_model.pb}, else its newest numeric version
   * subdirectory that does, else empty (also for a directory that does not exist).
   */
  public static Optional<Path> newestVersion(Path dir) throws IOException {
    if (Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      return Optional.of(dir);
    }
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    Path best = null;
    long bestV = -1;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.matches("\\d{1,18}") && Files.isRegularFile(p.resolve("saved_model.pb")) && Long.parseLong(n) > bestV) {
          bestV = Long.parseLong(n);
          best = p;
        }
      }
    }
    return Optional.ofNullable(best);
  }
}
