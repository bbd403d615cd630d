package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
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
      // 2 tasks on 2 threads: the caller and one worker each take tasks; whichever fails, the
      // exception reaches the caller unwrapped.
      assertThatThrownBy(() -> Parallel.forEach(2, t -> {
        throw new IllegalArgumentException("task " + t);
      })).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("task ");
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
