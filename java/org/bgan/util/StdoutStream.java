package org.bgan.util;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Standard output that remembers why a write failed. {@link PrintStream} swallows write errors and
 * keeps only a flag ({@link PrintStream#checkError()}), which cannot tell a full disk (the results are
 * lost: an error) from a reader that stopped reading ({@code bgan sample ... | head}: the reader has
 * what it wanted). The commands' mains install one as {@code System.out} and end a closed pipe the
 * way a Unix filter killed by SIGPIPE does: silently, with {@link #CLOSED_PIPE_EXIT}.
 */
public final class StdoutStream extends PrintStream {
  /** 128 + SIGPIPE (13): what a shell reports for a filter that its reader's exit stopped. */
  public static final int CLOSED_PIPE_EXIT = 141;

  private final Recorder recorder;

  private StdoutStream(Recorder recorder, Charset charset) {
    super(new BufferedOutputStream(recorder, 8192), true, charset);
    this.recorder = recorder;
  }

  /** A stream over {@code out} in the default charset (tests pass their own streams). */
  public static StdoutStream over(OutputStream out) {
    return new StdoutStream(new Recorder(out), Charset.defaultCharset());
  }

  /**
   * Replaces {@code System.out} with one over file descriptor 1, in the charset the JVM chose for
   * standard output (a terminal's may differ from the default), and returns it.
   */
  public static StdoutStream install() {
    String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
    Charset cs = name != null && Charset.isSupported(name) ? Charset.forName(name) : Charset.defaultCharset();
    StdoutStream s = new StdoutStream(new Recorder(new FileOutputStream(FileDescriptor.out)), cs);
    System.setOut(s);
    return s;
  }

  /** The first write error, or null. */
  public IOException firstError() {
    flush();
    return recorder.first;
  }

  /**
   * Whether {@code stream}'s writes failed only because its reader closed the pipe (EPIPE, "Broken
   * pipe" on Linux; the JVM ignores the SIGPIPE signal itself, so the write returns that error).
   */
  public static boolean readerClosed(PrintStream stream) {
    if (!(stream instanceof StdoutStream s)) {
      return false;
    }
    IOException e = s.firstError();
    return e != null && e.getMessage() != null && e.getMessage().contains("Broken pipe");
  }

  /**
   * A command's exit code once everything it printed to {@code stream} has been flushed: 0 if all of it
   * was written; {@link #CLOSED_PIPE_EXIT}, silently, if the reader closed the pipe; else {@code
   * failureCode}, after {@code report} gets the cause (the OS's message, or a guess where the stream
   * did not keep it). The one place the bgan and inception-score mains decide this.
   */
  public static int exitCode(PrintStream stream, int failureCode, java.util.function.Consumer<String> report) {
    stream.flush();
    if (!stream.checkError()) {
      return 0;
    }
    if (readerClosed(stream)) {
      return CLOSED_PIPE_EXIT;
    }
    IOException cause = stream instanceof StdoutStream s ? s.firstError() : null;
    report.accept(cause != null && cause.getMessage() != null ? cause.getMessage() : "disk full, or its reader closed it");
    return failureCode;
  }

  /** Passes writes through and keeps the first exception. */
  private static final class Recorder extends FilterOutputStream {
    private IOException first;

    Recorder(OutputStream out) {
      super(out);
    }

    private IOException keep(IOException e) {
      if (first == null) {
        first = e;
      }
      return e;
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw keep(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw keep(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw keep(e);
      }
    }
  }
}
