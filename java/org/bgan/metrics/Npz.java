package org.bgan.metrics;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reader and writer for numpy's {@code .npz} archives: a ZIP file of {@code NAME.npy} members. Reading
 * goes through the central directory (java.util.zip handles the ZIP64 extra fields numpy writes, and
 * both stored and deflated members). Writing produces what np.savez_compressed produces: deflated
 * {@code .npy} members with numpy's own headers.
 */
public final class Npz {
  private Npz() {}

  /** Reads every {@code .npy} member; keys are the member names without {@code .npy}, in file order. */
  public static Map<String, NpyArray> read(Path file) throws IOException {
    return read(file, null);
  }

  /**
   * Reads the members named in {@code keys} (all when null) and only those: an archive with other
   * arrays of types read here as unsupported (strings, objects) still gives the ones asked for, as
   * numpy's lazy {@code np.load(f)['mu']} does.
   */
  public static Map<String, NpyArray> read(Path file, java.util.Set<String> keys) throws IOException {
    if (!Files.exists(file)) {
      throw new MetricInputException(file + ": no such file");
    }
    Map<String, NpyArray> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (ZipEntry e : Collections.list((Enumeration<ZipEntry>) zip.entries())) {
        if (e.isDirectory()) {
          continue;
        }
        String name = e.getName();
        String key = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        if (keys != null && !keys.contains(key)) {
          continue;
        }
        try (InputStream in = zip.getInputStream(e)) {
          out.put(key, Npy.read(in, file + "[" + name + "]"));
        }
      }
    } catch (ZipException e) {
      throw new MetricInputException(file + ": not a readable .npz (zip) file: " + e.getMessage());
    }
    return out;
  }

  /** The member names of an archive, without {@code .npy}, in file order (nothing is decoded). */
  public static java.util.List<String> keys(Path file) throws IOException {
    java.util.List<String> out = new java.util.ArrayList<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (ZipEntry e : Collections.list((Enumeration<ZipEntry>) zip.entries())) {
        if (!e.isDirectory()) {
          String name = e.getName();
          out.add(name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name);
        }
      }
    } catch (ZipException e) {
      throw new MetricInputException(file + ": not a readable .npz (zip) file: " + e.getMessage());
    }
    return out;
  }

  /**
   * Writes the arrays as deflated {@code KEY.npy} members to a temporary file in the same directory,
   * then renames it to {@code file}. Refuses to overwrite an existing file.
   */
  public static void write(Path file, Map<String, NpyArray> arrays) throws IOException {
    if (Files.exists(file)) {
      throw new MetricInputException(file + ": already exists (refusing to overwrite)");
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new MetricInputException(file + ": directory " + dir + " does not exist");
    }
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp));
          ZipOutputStream zip = new ZipOutputStream(os)) {
        zip.setMethod(ZipOutputStream.DEFLATED);
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
          ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
          entry.setTime(315532800000L + 86400000L); // fixed timestamp: reproducible files
          zip.putNextEntry(entry);
          Npy.write(zip, e.getValue());
          zip.closeEntry();
        }
      }
      org.bgan.util.AtomicFiles.shareable(tmp);
      moveNoReplace(tmp, file);
    } catch (java.nio.file.FileSystemException e) {
      throw e;
    } catch (IOException e) {
      throw org.bgan.util.AtomicFiles.named(file, e);  // "No space left on device" alone named no file
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Renames tmp to target atomically where possible, never replacing an existing target; tmp is synced
   * to the disk before, the directory after (a power loss leaves no empty target).
   */
  public static void moveNoReplace(Path tmp, Path target) throws IOException {
    org.bgan.util.AtomicFiles.sync(tmp);
    linkOrMoveNoReplace(tmp, target);
    org.bgan.util.AtomicFiles.syncDirectory(target.toAbsolutePath().getParent());
  }

  private static void linkOrMoveNoReplace(Path tmp, Path target) throws IOException {
    try {
      // a hard link fails if the target exists, so there is no window in which we could overwrite
      Files.createLink(target, tmp);
      Files.delete(tmp);
    } catch (FileAlreadyExistsException e) {
      throw new MetricInputException(target + ": already exists (refusing to overwrite)");
    } catch (UnsupportedOperationException | IOException e) {
      if (e instanceof NoSuchFileException) {
        throw (IOException) e;
      }
      if (Files.exists(target)) {
        throw new MetricInputException(target + ": already exists (refusing to overwrite)");
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException ex) {
        Files.move(tmp, target);
      }
    }
  }
}
