package org.bgan.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Standard output that keeps the cause of a failed write, to tell a closed pipe from a full disk. */
class StdoutStreamTest {
  /** Fails every write after the first {@code okBytes} bytes with {@code message}. */
  private static OutputStream failingAfter(int okBytes, String message, ByteArrayOutputStream seen) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        if (seen.size() >= okBytes) {
          throw new IOException(message);
        }
        seen.write(b);
      }
    };
  }

  @Test
  void writesPassThroughAndNoErrorIsRecorded() {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    StdoutStream s = StdoutStream.over(sink);
    s.println("x,y");
    s.print("1.5,2");
    assertThat(s.firstError()).isNull();  // firstError flushes
    assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("x,y" + System.lineSeparator() + "1.5,2");
    assertThat(s.checkError()).isFalse();
    assertThat(StdoutStream.readerClosed(s)).isFalse();
  }

  @Test
  void aBrokenPipeIsTheReaderClosingIt() {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    StdoutStream s = StdoutStream.over(failingAfter(4, "Broken pipe", seen));
    s.println("0.1,0.2");
    s.println("0.3,0.4");
    assertThat(s.checkError()).isTrue();
    assertThat(s.firstError()).hasMessage("Broken pipe");
    assertThat(StdoutStream.readerClosed(s)).isTrue();
  }

  @Test
  void otherFailuresAreNotAClosedPipeAndTheFirstCauseIsKept() {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    StdoutStream s = StdoutStream.over(failingAfter(0, "No space left on device", seen));
    s.println("0.1,0.2");
    assertThat(s.checkError()).isTrue();
    assertThat(s.firstError()).hasMessage("No space left on device");
    assertThat(StdoutStream.readerClosed(s)).isFalse();
    // a PrintStream of another kind cannot tell: never taken for a closed pipe
    PrintStream plain = new PrintStream(failingAfter(0, "Broken pipe", seen), true);
    plain.println("x");
    assertThat(plain.checkError()).isTrue();
    assertThat(StdoutStream.readerClosed(plain)).isFalse();
  }
}
