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

  /**
   * Renames {@code from} (a file or a directory tree) to {@code to}, atomically where the file system
   * allows it, after {@link #sync}ing it, and then syncs {@code to}'s directory: after a power loss
   * the target is the old content or the new, never a renamed file whose data had not reached the disk.
   */
  public static void move(Path from, Path to) throws IOException {
    sync(from);
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(to.toAbsolutePath().getParent());
  }

  /**
   * {@link Files#move} with {@code options}, {@link #sync}ing {@code from} before and {@code to}'s
   * directory after: what every rename of a finished file or tree into place needs.
   */
  public static void moveSynced(Path from, Path to, java.nio.file.CopyOption... options) throws IOException {
    sync(from);
    Files.move(from, to, options);
    syncDirectory(to.toAbsolutePath().getParent());
  }

  /**
   * Flushes a file, or every file and directory of a tree, to the device (fsync), as a rename into
   * place needs first: the rename is journaled, the data written before it need not be.
   */
  public static void sync(Path p) throws IOException {
    if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ)) {
          ch.force(true);
        }
      }
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        if (Files.isDirectory(q, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          syncDirectory(q);
        } else {
          sync(q);
        }
      }
    }
  }

  /** Syncs a directory's entries where the platform can (Linux); silently nothing elsewhere. */
  public static void syncDirectory(Path dir) {
    if (dir == null) {
      return;
    }
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // not every platform or file system lets a directory be opened and synced: best effort
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
