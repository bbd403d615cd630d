package org.bgan.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A small fork-join helper for the dense float64 kernels: runs {@code body(t)} for t in [0, tasks) on
 * the calling thread plus {@code threads() - 1} daemon workers, handing tasks out dynamically.
 */
public final class Parallel {
  private static volatile int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
  private static ExecutorService pool;

  private Parallel() {}

  /** Number of threads the kernels use (default: available processors). */
  public static int threads() {
    return threads;
  }

  /** Sets the number of threads (at least 1) for subsequent calls. */
  public static synchronized void setThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + n);
    }
    threads = n;
  }

  /** The name of the pool's worker threads (the calling thread takes tasks too, under its own name). */
  static final String WORKER_NAME = "bgan-metrics-worker";

  private static synchronized ExecutorService pool() {
    if (pool == null) {
      pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, WORKER_NAME);
        t.setDaemon(true);
        return t;
      });
    }
    return pool;
  }

  /** Runs body for every task index in [0, tasks), in parallel, and waits for all of them. */
  public static void forEach(int tasks, IntConsumer body) {
    int nt = Math.min(threads, tasks);
    if (nt <= 1) {
      for (int t = 0; t < tasks; t++) {
        body.accept(t);
      }
      return;
    }
    AtomicInteger next = new AtomicInteger();
    Runnable worker = () -> {
      for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
        body.accept(t);
      }
    };
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 1; i < nt; i++) {
      futures.add(pool().submit(worker));
    }
    worker.run();
    for (Future<?> f : futures) {
      join(f);
    }
  }

  /**
   * Waits for {@code f} and returns its value; a task's own RuntimeException or Error comes out as
   * itself, unwrapped from the ExecutionException (so an OutOfMemoryError while decoding large
   * images, say, reaches the command as such, not as an internal error).
   */
  public static <T> T join(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }
}
