package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;

/** The batcher on a fake model: y = 2x, whose first run blocks until released. */
class BatcherTest {
  private final CountDownLatch firstEntered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  /** One entry per run: the model and the x values it got. */
  private final List<String> runs = new CopyOnWriteArrayList<>();
  private final Metrics metrics = new Metrics();
  private Batcher<String> batcher;

  private Map<String, HostTensor> fakeRun(String model, String sig, Map<String, HostTensor> in)
      throws Exception {
    if (firstEntered.getCount() > 0) {
      firstEntered.countDown();
      release.await();
    }
    float[] x = (float[]) in.get("x").data;
    StringBuilder seen = new StringBuilder(model + ":");
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      if (Float.isNaN(x[i])) {
        runs.add(seen + (i > 0 ? "," : "") + "failed");
        throw new IllegalArgumentException("NaN in x");
      }
      y[i] = 2 * x[i];
      seen.append(i > 0 ? "," : "").append((int) x[i]);
    }
    runs.add(seen.toString());
    return Map.of("y", new HostTensor(DataType.DT_FLOAT, in.get("x").shape.clone(), y));
  }

  private void start(int maxBatch, int maxQueued) {
    batcher = new Batcher<>(this::fakeRun, maxBatch, 0, maxQueued, 1, metrics);
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (batcher != null) {
      batcher.close();
    }
  }

  private static Batcher.Task<String> task(String model, boolean batchable, float... x) {
    HostTensor t = new HostTensor(DataType.DT_FLOAT, new long[] {x.length, 1}, x);
    return new Batcher.Task<>(model, "serving_default", Map.of("x", t), batchable ? x.length : -1);
  }

  private static float[] y(Batcher.Task<String> t) throws Exception {
    return (float[]) t.result.get(10, TimeUnit.SECONDS).get("y").data;
  }

  /** Submits a task that occupies the single batch thread until {@link #release}. */
  private Batcher.Task<String> blockThread() throws Exception {
    Batcher.Task<String> first = task("m", true, 100);
    batcher.submit(first);
    assertThat(firstEntered.await(10, TimeUnit.SECONDS)).isTrue();
    return first;
  }

  @Test
  void mergesQueuedRequestsUpToTheBatchSizeAndSplitsTheOutputs() throws Exception {
    start(3, 16);
    Batcher.Task<String> a = blockThread();
    Batcher.Task<String> b = task("m", true, 1, 2);
    Batcher.Task<String> c = task("m", true, 3);
    Batcher.Task<String> d = task("m", true, 4); // would make 4 rows: next batch
    for (Batcher.Task<String> t : List.of(b, c, d)) {
      batcher.submit(t);
    }
    release.countDown();
    assertThat(y(a)).containsExactly(200);
    assertThat(y(b)).containsExactly(2, 4);
    assertThat(y(c)).containsExactly(6);
    assertThat(y(d)).containsExactly(8);
    assertThat(runs).containsExactly("m:100", "m:1,2,3", "m:4");
    assertThat(metrics.batches.sum()).isEqualTo(3);
    assertThat(metrics.batchedTasks.sum()).isEqualTo(4);
    assertThat(metrics.batchedRows.sum()).isEqualTo(5);
  }

  @Test
  void batchesOnlySameModelAndBatchableRequests() throws Exception {
    start(64, 16);
    Batcher.Task<String> a = blockThread();
    Batcher.Task<String> b = task("m", true, 1);
    Batcher.Task<String> c = task("other", true, 2); // another model version
    Batcher.Task<String> d = task("other", true, 3);
    Batcher.Task<String> e = task("other", false, 4); // no batch dimension: alone
    Batcher.Task<String> f = task("other", true, 5);
    for (Batcher.Task<String> t : List.of(b, c, d, e, f)) {
      batcher.submit(t);
    }
    release.countDown();
    for (Batcher.Task<String> t : List.of(a, b, c, d, e, f)) {
      y(t);
    }
    assertThat(runs).containsExactly("m:100", "m:1", "other:2,3", "other:4", "other:5");
  }

  @Test
  void aFailingRequestDoesNotFailTheOthersInItsBatch() throws Exception {
    start(64, 16);
    blockThread();
    Batcher.Task<String> good1 = task("m", true, 1);
    Batcher.Task<String> bad = task("m", true, Float.NaN);
    Batcher.Task<String> good2 = task("m", true, 3);
    for (Batcher.Task<String> t : List.of(good1, bad, good2)) {
      batcher.submit(t);
    }
    release.countDown();
    assertThat(y(good1)).containsExactly(2);
    assertThat(y(good2)).containsExactly(6);
    assertThatThrownBy(() -> y(bad))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
    // the merged run failed, then each ran alone
    assertThat(runs).containsExactly("m:100", "m:1,failed", "m:1", "m:failed", "m:3");
  }

  @Test
  void aFullQueueRefusesWith503() throws Exception {
    start(64, 2);
    blockThread();
    batcher.submit(task("m", true, 1));
    batcher.submit(task("m", true, 2));
    assertThatThrownBy(() -> batcher.submit(task("m", true, 3)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status).isEqualTo(503))
        .hasMessageContaining("queue is full");
    assertThat(metrics.queueRejections.sum()).isEqualTo(1);
    release.countDown();
  }

  @Test
  void skipsRequestsWhoseClientGaveUp() throws Exception {
    start(64, 16);
    blockThread();
    Batcher.Task<String> gone = task("m", true, 1);
    Batcher.Task<String> kept = task("m", true, 2);
    batcher.submit(gone);
    batcher.submit(kept);
    gone.result.cancel(false);
    release.countDown();
    assertThat(y(kept)).containsExactly(4);
    assertThat(runs).containsExactly("m:100", "m:2");
  }

  @Test
  void closingFailsQueuedRequestsWith503() throws Exception {
    start(64, 16);
    blockThread();
    Batcher.Task<String> queued = task("m", true, 1);
    batcher.submit(queued);
    batcher.close(); // interrupts the blocked run; the queued request never runs
    assertThatThrownBy(() -> y(queued))
        .hasCauseInstanceOf(ApiException.class)
        .hasMessageContaining("shutting down");
    assertThatThrownBy(() -> batcher.submit(task("m", true, 5)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status).isEqualTo(503));
  }
}
