package org.bgan.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bgan.util.AtomicFiles;
import org.bgan.util.UserException;
import org.tensorflow.Session;

/**
 * TF checkpoints of a run under {@code <run>/checkpoints/step-NNNNNNNNN/model.*}. A checkpoint is
 * written into a hidden temporary directory and renamed into place, then the {@code latest} file
 * is replaced atomically, so a crash at any moment leaves the previous checkpoint intact and
 * {@code latest} pointing at a complete one.
 */
public final class Checkpoints {
  public static final String DIR = "checkpoints";
  public static final String LATEST = "latest";
  public static final String PREFIX = "model";

  /** A complete checkpoint: the TF prefix to restore from and its step. */
  public record Checkpoint(Path prefix, long step) {}

  private Checkpoints() {}

  public static Checkpoint save(Session session, Path runDir, long step, int keep) throws IOException {
    return save(runDir, step, keep, session::save);
  }

  /** Writes the TF checkpoint files of a prefix ({@link Session#save}; a test's stand-in). */
  interface Saver {
    void save(String prefix);
  }

  static Checkpoint save(Path runDir, long step, int keep, Saver saver) throws IOException {
    Path dir = runDir.resolve(DIR);
    Files.createDirectories(dir);
    String name = name(step);
    Path tmp = dir.resolve("." + name + ".tmp");
    AtomicFiles.deleteTree(tmp);
    Files.createDirectories(tmp);
    Path fin = dir.resolve(name);
    try {
      saver.save(tmp.resolve(PREFIX).toString());
      AtomicFiles.deleteTree(fin);
      AtomicFiles.move(tmp, fin);
    } catch (IOException | RuntimeException e) {
      // A full disk: the partial checkpoint is removed (it held the space), the previous one is kept.
      try {
        AtomicFiles.deleteTree(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof org.tensorflow.exceptions.TensorFlowException) {  // RESOURCE_EXHAUSTED: "...; No space left on device"
        throw new UserException("cannot write the checkpoint " + fin + ": " + org.bgan.util.Errors.firstLine(e)
            + latest(runDir).map(c -> "; the last complete checkpoint is " + c.prefix().getParent() + " (--resume continues from it)")
                .orElse("; no checkpoint of this run is complete"), e);
      }
      throw e;
    }
    AtomicFiles.writeString(dir.resolve(LATEST), name + "\n");
    prune(dir, keep, name);
    return new Checkpoint(fin.resolve(PREFIX), step);
  }

  /** The checkpoint {@code latest} names, if it exists and is complete. */
  public static Optional<Checkpoint> latest(Path runDir) {
    Path dir = runDir.resolve(DIR);
    Path latest = dir.resolve(LATEST);
    if (!Files.isRegularFile(latest)) {
      return Optional.empty();
    }
    try {
      String name = Files.readString(latest, StandardCharsets.UTF_8).trim();
      if (!name.matches("step-\\d+")) {
        return Optional.empty();
      }
      Path prefix = dir.resolve(name).resolve(PREFIX);
      if (!Files.isRegularFile(dir.resolve(name).resolve(PREFIX + ".index"))) {
        return Optional.empty();
      }
      return Optional.of(new Checkpoint(prefix, Long.parseLong(name.substring(5))));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The checkpoint of {@code step}, if it is still there and complete (older ones are pruned). */
  public static Optional<Checkpoint> at(Path runDir, long step) {
    Path d = runDir.resolve(DIR).resolve(name(step));
    return Files.isRegularFile(d.resolve(PREFIX + ".index")) ? Optional.of(new Checkpoint(d.resolve(PREFIX), step))
        : Optional.empty();
  }

  static String name(long step) {
    return String.format("step-%09d", step);
  }

  private static void prune(Path dir, int keep, String newest) throws IOException {
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p)).sorted().forEach(all::add);
    }
    for (int i = 0; i < all.size() - keep; i++) {
      if (!all.get(i).getFileName().toString().equals(newest)) {
        AtomicFiles.deleteTree(all.get(i));
      }
    }
  }
}
