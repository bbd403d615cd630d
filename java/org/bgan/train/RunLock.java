package org.bgan.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.bgan.util.UserException;

/**
 * An exclusive lock on a run directory ({@code <run>/.lock}, holding the owner's process id), held
 * while a run trains, so that a second process on the same directory (a study started again while
 * the first still runs in the background, {@code train --resume} twice) is refused with a message
 * instead of writing checkpoints over the first one's. The operating system releases the lock when
 * the process ends, however it ends; the file itself stays (a stale file locks nothing).
 */
public final class RunLock implements AutoCloseable {
  static final String FILE = ".lock";

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final boolean createdFile;
  /** The lock file's identity (device and inode on Linux), or null where the file system has none. */
  private final Object fileKey;

  private RunLock(Path file, FileChannel channel, FileLock lock, boolean createdFile) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.createdFile = createdFile;
    this.fileKey = key(file);
  }

  private static Object key(Path f) {
    try {
      return Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Throws a {@link UserException} if the run directory was removed or replaced since the lock was
   * taken (its lock file is gone or another file): the run would otherwise go on writing into a new,
   * empty directory of the same name, without its config, earlier checkpoints or history, and end "ok".
   */
  void checkHeld(Path runDir) {
    if (fileKey == null) {
      return;
    }
    Object now = key(file);
    if (!fileKey.equals(now)) {
      throw new UserException("the run directory " + runDir + " was removed or replaced while this run trained"
          + " (its lock file " + file + " is " + (now == null ? "gone" : "another file") + "); stopped, as the run's"
          + " earlier files are no longer there");
    }
  }

  /** Takes the lock of {@code runDir} (which exists), or throws a {@link UserException} naming the holder. */
  static RunLock acquire(Path runDir) {
    Path f = runDir.resolve(FILE);
    FileChannel ch = null;
    boolean existed = Files.exists(f);
    try {
      ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;  // held by this very process (another run of the same JVM)
      }
      if (l == null) {
        String holder = holder(ch);
        ch.close();
        throw new UserException("output directory " + runDir + " is in use by another training process"
            + (holder.isEmpty() ? "" : " (pid " + holder + ")") + ": wait for it to end or stop it, then start again");
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      ch.force(false);
      return new RunLock(f, ch, l, !existed);
    } catch (IOException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // already failing
        }
      }
      throw new UserException("cannot lock the output directory " + runDir + " (" + f + "): " + e.getMessage());
    }
  }

  /**
   * The process id of the process training in {@code runDir} now ("?" if its lock file holds none), or
   * empty if none is: the lock is probed with a shared lock taken and released at once, so a trainer
   * starting in that instant is refused as if the directory were in use.
   */
  public static java.util.Optional<String> heldBy(Path runDir) {
    Path f = runDir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      return java.util.Optional.empty();
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      FileLock l;
      try {
        l = ch.tryLock(0, Long.MAX_VALUE, true);
      } catch (OverlappingFileLockException e) {
        l = null;  // held by this very process
      }
      if (l != null) {
        l.release();
        return java.util.Optional.empty();
      }
      String pid = holder(ch);
      return java.util.Optional.of(pid.isEmpty() ? "?" : pid);
    } catch (IOException e) {
      return java.util.Optional.empty();  // unreadable: nothing this process could tell about it
    }
  }

  private static String holder(FileChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(32);
    ch.read(b, 0);
    return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
  }

  /**
   * Releases the lock of a run that was refused before it started, removing the file if this lock
   * made it: a refused command leaves the directory as it found it.
   */
  void abandon() {
    close();
    if (createdFile) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // the directory is then left in place, as any non-empty one
      }
    }
  }

  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException ignored) {
      // the lock goes with the channel, and with the process at the latest
    }
  }
}
