package org.bgan.serve;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Log lines written by one background thread, so that request threads do not each pay a
 * synchronized, flushed write to stderr: lines are queued (bounded; when full, lines are counted
 * as dropped rather than blocking requests) and written in order, flushed whenever the queue runs
 * empty.
 */
final class AsyncLog implements Consumer<String>, AutoCloseable {
  private static final String STOP = new String("stop"); // identity marks the end

  private final BlockingQueue<String> queue;
  private final Writer out;
  private final Thread writer;
  final LongAdder dropped = new LongAdder();

  AsyncLog(OutputStream stream, int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
    this.writer = new Thread(this::drain, "bgan-log");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void accept(String line) {
    if (!queue.offer(line)) {
      dropped.increment();
    }
  }

  private void drain() {
    try {
      while (true) {
        String line = queue.take();
        do {
          if (line == STOP) {
            out.flush();
            return;
          }
          out.write(line);
          out.write('\n');
        } while ((line = queue.poll()) != null);
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // stderr is gone; nothing else to tell
    }
  }

  /** Writes the lines queued so far and stops. */
  @Override
  public void close() {
    try {
      queue.put(STOP);
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
