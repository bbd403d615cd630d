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
   * Refuses a model base directory that is itself a version (holds a {@code saved_model.pb}): an
   * export there would nest a SavedModel inside another ({@code grid/1/1/}), which no server looks
   * for, while the directory's own model stayed what is served.
   *
   * @param what the flag or field that named it, for the message
   */
  public static void requireBase(Path base, String what) {
    if (Files.isRegularFile(base.resolve("saved_model.pb"))) {
      Path parent = base.toAbsolutePath().getParent();
      throw new UserException(what + " " + base + " holds a saved_model.pb itself: it is a version directory,"
          + " not a base directory of versions; give its parent" + (parent == null ? "" : " (" + parent + ")")
          + " to export the next version beside it");
    }
  }

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
