package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
  @Test
  void forEachRunsEveryTaskOnce() {
    int before = Parallel.threads();
    try {
      Parallel.setThreads(3);
      AtomicIntegerArray hits = new AtomicIntegerArray(50);
      Parallel.forEach(50, hits::incrementAndGet);
      for (int t = 0; t < 50; t++) {
        assertThat(hits.get(t)).as("task %d", t).isEqualTo(1);
      }
    } finally {
      Parallel.setThreads(before);
    }
  }

  @Test
  void aWorkersFailureComesOutAsItself() {
    int before = Parallel.threads();
    try {
      Parallel.setThreads(2);
      // 2 tasks on 2 threads, and the failing one is the worker's: the caller's task waits until the
      // worker has taken the other task, which throws; forEach then rethrows it from the worker's future.
      CountDownLatch workerTook = new CountDownLatch(1);
      assertThatThrownBy(() -> Parallel.forEach(2, t -> {
        if (Thread.currentThread().getName().equals(Parallel.WORKER_NAME)) {
          workerTook.countDown();
          throw new IllegalArgumentException("worker's task " + t);
        }
        try {
          assertThat(workerTook.await(30, TimeUnit.SECONDS)).as("the worker took a task").isTrue();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      })).isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("worker's task ")
          .hasNoCause();
    } finally {
      Parallel.setThreads(before);
    }
  }

  @Test
  void joinUnwrapsRuntimeExceptionsAndErrorsAndWrapsCheckedOnes() {
    assertThat(Parallel.join(CompletableFuture.completedFuture("v"))).isEqualTo("v");
    assertThatThrownBy(() -> Parallel.join(CompletableFuture.failedFuture(new IllegalStateException("a"))))
        .isExactlyInstanceOf(IllegalStateException.class).hasMessage("a").hasNoCause();
    assertThatThrownBy(() -> Parallel.join(CompletableFuture.failedFuture(new OutOfMemoryError("b"))))
        .isExactlyInstanceOf(OutOfMemoryError.class).hasMessage("b");
    assertThatThrownBy(() -> Parallel.join(CompletableFuture.failedFuture(new IOException("c"))))
        .isExactlyInstanceOf(IllegalStateException.class).hasCauseExactlyInstanceOf(IOException.class);
  }
}
