package org.bgan.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Writes files and directories under a temporary name, then renames them into place. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code text} to {@code target} through a temporary sibling and an atomic rename. */
  public static void writeString(Path target, String text) throws IOException {
    writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeBytes(Path target, byte[] bytes) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    try {
      Files.write(tmp, bytes);
      shareable(tmp);
      move(tmp, target);
    } catch (java.nio.file.FileSystemException e) {
      throw e;  // names its file already
    } catch (IOException e) {
      // A full disk gives a bare "No space left on device": say which file could not be written.
      throw named(target, e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** {@code e} as a {@link java.nio.file.FileSystemException} naming {@code file} ("FILE: No space left on device"). */
  public static java.nio.file.FileSystemException named(Path file, IOException e) {
    var named = new java.nio.file.FileSystemException(file.toString(), null, Errors.firstLine(e));
    named.initCause(e);
    return named;
  }

  /**
   * Temporary files are created owner-only (0600); the results they become are ordinary files that
   * other users and tools may read, as a plain write would have made them (rw-r--r--).
   */
  public static void shareable(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: its defaults apply.
    }
  }

  /** Renames {@code from} to {@code to}, atomically where the file system allows it. */
  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Deletes a directory tree if it exists. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Checks that {@code dir} exists or can be created and that a file can be written in it; throws a
   * {@link UserException} naming {@code what} otherwise (removing what it created). Returns the
   * outermost directory it created, or null if {@code dir} existed: a caller that then fails can
   * {@link #removeCreated} it, so that a refused command leaves nothing behind.
   */
  public static Path ensureWritableDir(Path dir, String what) {
    Path created = null;
    for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
      created = p;
    }
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      removeCreated(created, dir);
      // The exception names only a path ("/x/run" for FileAlreadyExistsException): say what stands in the way.
      Path existing = dir.toAbsolutePath();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      String why = existing != null && !Files.isDirectory(existing) ? existing + " is a file, not a directory" : e.getMessage();
      throw new UserException(what + " '" + dir + "' is not writable: " + why);
    }
    return created;
  }

  /**
   * Removes {@code dir} and its parents up to {@code created} (as returned by {@link
   * #ensureWritableDir}), each only while it is empty; nothing if {@code created} is null.
   */
  public static void removeCreated(Path created, Path dir) {
    if (created == null) {
      return;
    }
    Path stop = created.toAbsolutePath();
    for (Path p = dir.toAbsolutePath(); p != null && p.startsWith(stop); p = p.getParent()) {
      try {
        Files.deleteIfExists(p);  // fails on a directory that is not empty: then stop
      } catch (IOException | SecurityException e) {
        return;
      }
    }
  }
}
