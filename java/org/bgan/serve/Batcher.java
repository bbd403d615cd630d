package org.bgan.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Merges predict requests that arrive close together into one session run, as TF Serving's
 * batching does: a bounded queue (full → 503), batch threads that take the oldest request and add
 * compatible queued ones (same model version and signature, same trailing shapes) until {@code
 * maxBatchSize} rows or {@code batchTimeoutNanos} after the first, run them as one, and hand each
 * request its rows of the outputs. Requests whose signature has no batch dimension (the {@code
 * sample} signature's scalars) run alone.
 *
 * @param <M> the model handle; requests batch only with requests on the same instance
 */
final class Batcher<M> implements AutoCloseable {

  /** Runs one signature of a model on host tensors. */
  interface Runner<M> {
    Map<String, HostTensor> run(M model, String signature, Map<String, HostTensor> inputs)
        throws Exception;
  }

  /** One request waiting for its outputs. */
  static final class Task<M> {
    final M model;
    final String signature;
    final Map<String, HostTensor> inputs;
    /** Rows along the batch dimension, or -1 for a request that must run alone. */
    final int rows;

    final CompletableFuture<Map<String, HostTensor>> result = new CompletableFuture<>();
    /**
     * Called once the batcher is done with an accepted task (run, skipped or dropped at close),
     * even when its client stopped waiting: the model must outlive the run.
     */
    private final Runnable onDone;

    Task(M model, String signature, Map<String, HostTensor> inputs, int rows, Runnable onDone) {
      this.model = model;
      this.signature = signature;
      this.inputs = inputs;
      this.rows = rows;
      this.onDone = onDone;
    }

    Task(M model, String signature, Map<String, HostTensor> inputs, int rows) {
      this(model, signature, inputs, rows, () -> {});
    }

    private void fail(ApiException e) {
      result.completeExceptionally(e);
      onDone.run();
    }

    boolean batchableWith(Task<M> o) {
      if (rows < 0 || o.rows < 0 || model != o.model || !signature.equals(o.signature)) {
        return false;
      }
      if (!inputs.keySet().equals(o.inputs.keySet())) {
        return false;
      }
      for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
        if (!e.getValue().concatenableWith(o.inputs.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
  }

  private final Runner<M> runner;
  private final int maxBatchSize;
  private final long batchTimeoutNanos;
  private final BlockingQueue<Task<M>> queue;
  private final List<Thread> threads = new ArrayList<>();
  private final Metrics metrics;
  private volatile boolean closed;

  Batcher(
      Runner<M> runner,
      int maxBatchSize,
      long batchTimeoutNanos,
      int maxQueued,
      int numThreads,
      Metrics metrics) {
    this.runner = runner;
    this.maxBatchSize = maxBatchSize;
    this.batchTimeoutNanos = batchTimeoutNanos;
    this.queue = new ArrayBlockingQueue<>(maxQueued);
    this.metrics = metrics;
    for (int i = 0; i < numThreads; i++) {
      Thread t = new Thread(this::loop, "bgan-batch-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  int queued() {
    return queue.size();
  }

  /**
   * Queues a task; its result completes later. 503 when the queue is full or closed, and then the
   * task is not accepted (its {@code onDone} is not called).
   */
  void submit(Task<M> task) throws ApiException {
    if (closed) {
      throw new ApiException(503, "the server is shutting down");
    }
    if (!queue.offer(task)) {
      metrics.queueRejections.increment();
      throw new ApiException(
          503,
          "The batch scheduling queue is full ("
              + (queue.size() + queue.remainingCapacity())
              + " requests waiting); retry later");
    }
  }

  private void loop() {
    Task<M> carry = null;
    try {
      while (!closed) {
        Task<M> first = carry != null ? carry : queue.take();
        carry = null;
        if (first.result.isDone()) {
          first.onDone.run(); // its client gave up waiting
          continue;
        }
        List<Task<M>> batch = new ArrayList<>();
        batch.add(first);
        int rows = first.rows;
        if (rows >= 0) {
          long deadline = System.nanoTime() + batchTimeoutNanos;
          while (rows < maxBatchSize) {
            long wait = deadline - System.nanoTime();
            Task<M> next;
            try {
              next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt(); // closing: run what was gathered, then stop
              break;
            }
            if (next == null) {
              break;
            }
            if (next.result.isDone()) {
              next.onDone.run();
              continue;
            }
            if (!first.batchableWith(next) || rows + next.rows > maxBatchSize) {
              carry = next; // runs in the next batch
              break;
            }
            batch.add(next);
            rows += next.rows;
          }
        }
        try {
          execute(batch, Math.max(rows, 0));
        } finally {
          batch.forEach(t -> t.onDone.run());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (carry != null) {
        carry.fail(new ApiException(503, "the server is shutting down"));
      }
    }
  }

  private void execute(List<Task<M>> batch, int rows) {
    metrics.batches.increment();
    metrics.batchedTasks.add(batch.size());
    metrics.batchedRows.add(rows);
    if (batch.size() == 1) {
      runAlone(batch.get(0));
      return;
    }
    Task<M> first = batch.get(0);
    Map<String, HostTensor> merged = new LinkedHashMap<>();
    for (String name : first.inputs.keySet()) {
      List<HostTensor> parts = new ArrayList<>(batch.size());
      for (Task<M> t : batch) {
        parts.add(t.inputs.get(name));
      }
      merged.put(name, HostTensor.concat(parts));
    }
    Map<String, HostTensor> out;
    try {
      out = runner.run(first.model, first.signature, merged);
    } catch (Exception e) {
      // one bad request must not fail the others: run each alone to find whose it was
      batch.forEach(this::runAlone);
      return;
    }
    for (HostTensor t : out.values()) {
      if (t.shape.length == 0 || t.shape[0] != rows) {
        batch.forEach(this::runAlone); // an output without the batch dimension cannot be split
        return;
      }
    }
    int at = 0;
    for (Task<M> t : batch) {
      Map<String, HostTensor> mine = new HashMap<>();
      for (Map.Entry<String, HostTensor> e : out.entrySet()) {
        mine.put(e.getKey(), e.getValue().rows(at, t.rows));
      }
      at += t.rows;
      t.result.complete(mine);
    }
  }

  private void runAlone(Task<M> t) {
    try {
      t.result.complete(runner.run(t.model, t.signature, t.inputs));
    } catch (Exception e) {
      t.result.completeExceptionally(e);
    }
  }

  /** Stops the batch threads; queued requests fail with 503. */
  @Override
  public void close() {
    closed = true;
    threads.forEach(Thread::interrupt);
    for (Thread t : threads) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Task<M> t; (t = queue.poll()) != null; ) {
      t.fail(new ApiException(503, "the server is shutting down"));
    }
  }
}
