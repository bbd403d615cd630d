package org.bgan.serve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Serves the newest version of one model, TF Serving's default "latest" version policy: finds
 * the numeric version directories under the base path, loads the highest, and — polling the
 * directory — loads a newer one once its files have stopped changing, switches new requests to it
 * and closes the old one after the requests still holding it finish. A version that fails to load
 * leaves the current one serving and is retried when its files change.
 */
final class ModelManager implements AutoCloseable {

  /** Loads one version directory. */
  interface Loader {
    ServableModel load(Path dir, long version) throws ServableModel.LoadException;
  }

  /** TF Serving's ModelVersionStatus: state and, for a failed load, the error. */
  record VersionStatus(long version, String state, String errorMessage) {}

  private static final int KEPT_STATUSES = 16;

  final String name;
  final Path basePath;
  private final Loader loader;
  private final Consumer<String> log;
  private final Metrics metrics;
  private volatile ServableModel current;
  private final Map<Long, VersionStatus> statuses = new TreeMap<>();
  /** Version → fingerprint of its files when it last failed to load. */
  private final Map<Long, String> failed = new TreeMap<>();
  /** Candidate version and its fingerprint seen at the previous poll (stability check). */
  private long pendingVersion = -1;
  private String pendingFingerprint = "";
  private ScheduledExecutorService poller;

  ModelManager(String name, Path basePath, Loader loader, Metrics metrics, Consumer<String> log) {
    this.name = name;
    this.basePath = basePath;
    this.loader = loader;
    this.metrics = metrics;
    this.log = log;
  }

  /** Numeric version directories holding a saved_model.pb (or .pbtxt), ascending. */
  static List<Long> versions(Path basePath) throws IOException {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> entries = Files.list(basePath)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String n = p.getFileName().toString();
        if (!n.matches("\\d{1,18}") || !Files.isDirectory(p)) {
          continue;
        }
        if (Files.isRegularFile(p.resolve("saved_model.pb"))
            || Files.isRegularFile(p.resolve("saved_model.pbtxt"))) {
          out.add(Long.parseLong(n));
        }
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Loads the newest version now (at start-up).
   *
   * @throws ServableModel.LoadException with a message naming the base path when there is no
   *     version or the newest cannot be served
   */
  synchronized void loadInitial() throws ServableModel.LoadException {
    List<Long> vs;
    try {
      vs = versions(basePath);
    } catch (IOException e) {
      throw new ServableModel.LoadException("cannot list --model-base-path " + basePath + ": " + e);
    }
    if (vs.isEmpty()) {
      String hint =
          Files.isRegularFile(basePath.resolve("saved_model.pb"))
              ? " (it holds a saved_model.pb itself: pass its parent directory; versions live in"
                  + " numeric subdirectories such as " + basePath.resolve("1") + ")"
              : " (expected " + basePath.resolve("<version>/saved_model.pb") + ", <version> a"
                  + " number)";
      throw new ServableModel.LoadException(
          "no model version under --model-base-path " + basePath + hint);
    }
    long v = vs.get(vs.size() - 1);
    setStatus(v, "LOADING", "");
    ServableModel m;
    try {
      m = loader.load(basePath.resolve(Long.toString(v)), v);
    } catch (ServableModel.LoadException e) {
      setStatus(v, "END", e.getMessage());
      metrics.modelLoadFailures.increment();
      throw e;
    }
    install(m);
  }

  /** Starts watching the base path for new versions every {@code pollMillis}. */
  synchronized void startPolling(long pollMillis) {
    if (pollMillis <= 0 || poller != null) {
      return;
    }
    poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bgan-model-poll");
              t.setDaemon(true);
              return t;
            });
    poller.scheduleWithFixedDelay(this::pollSafely, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
  }

  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      log.accept("error: polling " + basePath + " failed: " + e);
    }
  }

  /**
   * One look at the base path: loads a newer version (or, when the serving version's directory has
   * gone, the newest remaining one) once its files are unchanged since the previous look.
   */
  synchronized void poll() {
    List<Long> vs;
    try {
      vs = versions(basePath);
    } catch (IOException e) {
      return; // the directory may be being replaced; look again next time
    }
    ServableModel serving = current;
    if (vs.isEmpty() || serving == null) {
      return;
    }
    long newest = vs.get(vs.size() - 1);
    boolean servingGone = !vs.contains(serving.version);
    if (newest == serving.version || (newest < serving.version && !servingGone)) {
      pendingVersion = -1;
      return;
    }
    Path dir = basePath.resolve(Long.toString(newest));
    String fp = fingerprint(dir);
    if (fp.equals(failed.get(newest))) {
      return; // failed before with exactly these files
    }
    if (newest != pendingVersion || !fp.equals(pendingFingerprint)) {
      pendingVersion = newest; // seen for the first time or still being written: wait a poll
      pendingFingerprint = fp;
      return;
    }
    pendingVersion = -1;
    setStatus(newest, "LOADING", "");
    long t0 = System.nanoTime();
    try {
      ServableModel m = loader.load(dir, newest);
      log.accept(
          String.format(
              "loaded model %s version %d from %s in %.0f ms",
              name, newest, dir, (System.nanoTime() - t0) / 1e6));
      install(m);
    } catch (ServableModel.LoadException e) {
      failed.put(newest, fp);
      setStatus(newest, "END", e.getMessage());
      metrics.modelLoadFailures.increment();
      log.accept("error: version " + newest + " of model " + name + " not loaded, still serving "
          + serving.version + ": " + e.getMessage());
    }
  }

  private void install(ServableModel m) {
    ServableModel old = current;
    current = m;
    metrics.modelLoads.increment();
    setStatus(m.version, "AVAILABLE", "");
    if (old != null) {
      setStatus(old.version, "END", "");
      log.accept("version " + m.version + " of model " + name + " is serving; version "
          + old.version + " closes when its requests in flight finish");
      old.release();
    }
  }

  private void setStatus(long version, String state, String error) {
    synchronized (statuses) {
      statuses.put(version, new VersionStatus(version, state, error));
      while (statuses.size() > KEPT_STATUSES) {
        statuses.remove(((TreeMap<Long, VersionStatus>) statuses).firstKey());
      }
    }
  }

  /** Known versions, newest first. */
  List<VersionStatus> statuses() {
    synchronized (statuses) {
      List<VersionStatus> out = new ArrayList<>(statuses.values());
      java.util.Collections.reverse(out);
      return out;
    }
  }

  /** Version being served, or -1. */
  long servingVersion() {
    ServableModel m = current;
    return m == null ? -1 : m.version;
  }

  /**
   * A reference to the serving model for one request; the caller must {@link
   * ServableModel#release()} it.
   *
   * @param version the version the request names, or null for the latest
   * @throws ApiException 400 when a named version is not the one being served
   */
  ServableModel acquire(Long version) throws ApiException {
    while (true) {
      ServableModel m = current;
      if (m == null) {
        throw new ApiException(503, "model " + name + " is not loaded");
      }
      if (version != null && version != m.version) {
        throw ApiException.badRequest(
            "Servable not found for request: Specific(" + name + ", " + version
                + "); serving version " + m.version);
      }
      if (m.tryAcquire()) {
        return m;
      }
      // replaced and drained between the read and the acquire: read the new one
    }
  }

  /** A cheap change detector for a version directory: file count, total size, latest mtime. */
  static String fingerprint(Path dir) {
    long[] acc = new long[3];
    try (Stream<Path> files = Files.walk(dir)) {
      files.forEach(
          p -> {
            try {
              BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
              acc[0]++;
              acc[1] += a.size();
              acc[2] = Math.max(acc[2], a.lastModifiedTime().toMillis());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (IOException | UncheckedIOException e) {
      return "unreadable:" + System.nanoTime(); // changes every time: never treated as stable
    }
    return acc[0] + ":" + acc[1] + ":" + acc[2];
  }

  /** Stops polling and drops the manager's reference to the serving version. */
  @Override
  public void close() {
    ScheduledExecutorService p;
    synchronized (this) {
      p = poller;
      poller = null;
    }
    if (p != null) {
      p.shutdownNow(); // outside the lock: a poll in progress needs it to finish
      try {
        p.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      ServableModel m = current;
      current = null;
      if (m != null) {
        m.release();
      }
    }
  }
}
