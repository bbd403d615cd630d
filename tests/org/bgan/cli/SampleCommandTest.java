package org.bgan.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bgan.util.StdoutStream;
import org.bgan.util.UserException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** {@code bgan sample} when its output cannot be written: a one-line error and exit 2, never exit 0. */
class SampleCommandTest {
  @TempDir static Path tmp;
  static Path model;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  /** A 2-D generator whose 'sample' signature returns z ~ N(0, I) itself (num, seed → samples). */
  @BeforeAll
  static void tinyGenerator() throws IOException {
    model = tmp.resolve("gen");
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Ops s = tf.withSubScope("sample");
      Placeholder<TInt32> num = s.withName("num").placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt64> seed = s.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      Operand<TInt64> seeds = tf.stack(List.of(seed, tf.constant(0L)));
      Operand<TFloat32> z = tf.random.statelessRandomNormal(tf.stack(List.of(num, tf.constant(2))), seeds, TFloat32.class);
      Operand<TFloat32> samples = tf.math.mul(z, tf.variable(tf.constant(1f)));
      try (Session sess = new Session(g)) {
        sess.initialize();
        Signature sig = Signature.builder().key("sample").input("num", num).input("seed", seed)
            .output("samples", samples).build();
        SavedModelBundle.exporter(model.resolve("1").toString()).withFunction(sess.function(sig)).export();
      }
    }
  }

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setErr(new PrintStream(err, true));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  @Test
  void samplesToStdoutThatCannotBeWrittenExitTwoNotZero() {
    ByteArrayOutputStream ok = new ByteArrayOutputStream();
    System.setOut(new PrintStream(ok, true));
    assertThat(Main.run(new String[] {"sample", "--model", model.toString(), "--num", "5"})).isZero();
    assertThat(ok.toString().split("\n")).hasSize(5);

    // `bgan sample ... > s.csv` on a full disk: PrintStream swallows the error, so this ended with exit 0
    System.setOut(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("No space left on device");
      }
    }, true));
    err.reset();
    assertThat(Main.run(new String[] {"sample", "--model", model.toString(), "--num", "5"})).isEqualTo(2);
    assertThat(err.toString()).startsWith("bgan sample: error: cannot write to standard output")
        .doesNotContain("\tat ").hasLineCount(1);
    // the same full disk through the stream the launcher installs: still an error
    System.setOut(StdoutStream.over(failing("No space left on device")));
    err.reset();
    assertThat(Main.run(new String[] {"sample", "--model", model.toString(), "--num", "5"})).isEqualTo(2);
    assertThat(err.toString()).startsWith("bgan sample: error: cannot write to standard output (No space left on device)");
  }

  /** {@code bgan sample ... | head}: the reader closed the pipe; silent, 141 as a filter stopped by SIGPIPE. */
  @Test
  void aReaderThatClosesThePipeEndsItSilently() {
    System.setOut(StdoutStream.over(failing("Broken pipe")));
    assertThat(Main.run(new String[] {"sample", "--model", model.toString(), "--num", "5"}))
        .isEqualTo(StdoutStream.CLOSED_PIPE_EXIT).isEqualTo(141);
    assertThat(err.toString()).isEmpty();
    // a plain PrintStream says nothing of the cause: reported as an error, never as success
    System.setOut(new PrintStream(failing("Broken pipe"), true));
    assertThat(Main.run(new String[] {"sample", "--model", model.toString(), "--num", "5"})).isEqualTo(2);
  }

  /** A stream whose every write fails with {@code message}, as the OS reports it. */
  private static OutputStream failing(String message) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException(message);
      }
    };
  }

  @Test
  void aFailedWriteToOutIsAOneLineErrorNamingIt() throws IOException {
    Path out = tmp.resolve("s.csv");
    assertThatThrownBy(() -> SampleCommand.writing(out, () -> {
      throw new IOException("No space left on device");
    })).isInstanceOf(UserException.class)
        .hasMessage("--out " + out + ": cannot write it: No space left on device");
    assertThatThrownBy(() -> SampleCommand.writing(out, () -> {
      throw new java.nio.file.AccessDeniedException(out.toString());
    })).isInstanceOf(UserException.class)
        .hasMessage("--out " + out + ": cannot write it: access denied: " + out);
    assertThat(Files.exists(out)).isFalse();
  }
}
