package org.bgan.scorer;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of an image folder, walked recursively (following symbolic links, to files and to
 * directories, the given folder included; a link loop is an error), skipping hidden files and
 * directories (names starting with '.'), in a stable order: sorted by the path relative to the folder,
 * compared as strings with '/' separators. A broken symbolic link, a named pipe, a socket or a device
 * is listed, so that it is reported as an unreadable file (see {@link ImageDecoder#decode}) rather than
 * dropped without a word; a subfolder that cannot be read is an error naming it.
 */
public final class ImageFolder {
  private ImageFolder() {}

  public static List<Path> list(Path dir) {
    if (!Files.exists(dir)) {
      throw new UserError(ScorerMain.EXIT_INPUT, dir + ": no such folder");
    }
    if (!Files.isDirectory(dir)) {
      throw new UserError(ScorerMain.EXIT_INPUT, dir + ": not a folder");
    }
    List<Path> files = new ArrayList<>();
    // (without FOLLOW_LINKS a folder given as a symbolic link, e.g. real -> /data/real, was walked as a
    // single non-directory entry: "the folder contains no files")
    try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
      s.filter(p -> !p.equals(dir))
          .filter(p -> !isHidden(dir.relativize(p)))
          .filter(p -> !Files.isDirectory(p))
          .forEach(files::add);
    } catch (java.io.UncheckedIOException e) {
      if (e.getCause() instanceof java.nio.file.FileSystemLoopException loop) {
        throw new UserError(ScorerMain.EXIT_INPUT, dir + ": symbolic link loop at " + loop.getFile());
      }
      if (e.getCause() instanceof java.nio.file.AccessDeniedException denied) {
        // (its message is the path alone: "cannot read the folder: <path>" did not say why)
        throw new UserError(ScorerMain.EXIT_INPUT, denied.getFile() + ": permission denied (the folder cannot be read)");
      }
      throw new UserError(ScorerMain.EXIT_INPUT, dir + ": cannot read the folder: " + e.getCause().getMessage());
    } catch (IOException e) {
      throw new UserError(ScorerMain.EXIT_INPUT, dir + ": cannot read the folder: " + e.getMessage());
    }
    files.sort((a, b) -> key(dir, a).compareTo(key(dir, b)));
    if (files.isEmpty()) {
      throw new UserError(ScorerMain.EXIT_INPUT, dir + ": the folder contains no files");
    }
    return files;
  }

  private static String key(Path dir, Path p) {
    return dir.relativize(p).toString().replace(java.io.File.separatorChar, '/');
  }

  private static boolean isHidden(Path rel) {
    for (Path part : rel) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
