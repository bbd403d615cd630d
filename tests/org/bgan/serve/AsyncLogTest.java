package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AsyncLogTest {

  @Test
  void writesEveryLineInOrderByClose() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AsyncLog log = new AsyncLog(bytes, 1 << 16);
    StringBuilder want = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      log.accept("line " + i + " é");
      want.append("line ").append(i).append(" é\n");
    }
    log.close();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(want.toString());
    assertThat(log.dropped.sum()).isZero();
  }

  @Test
  void dropsAndCountsLinesWhenTheWriterFallsBehind() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OutputStream slow = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        writing.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new RuntimeException(e);
        }
        bytes.write(b, off, len);
      }
    };
    AsyncLog log = new AsyncLog(slow, 2);
    log.accept("a");
    assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue(); // the writer is stuck on "a"
    log.accept("b");
    log.accept("c");
    log.accept("d"); // queue of 2 is full
    assertThat(log.dropped.sum()).isEqualTo(1);
    release.countDown();
    log.close();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("a\nb\nc\n");
  }
}
