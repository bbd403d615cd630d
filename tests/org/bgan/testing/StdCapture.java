package org.bgan.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures {@code System.out} and {@code System.err} around each test, for tests of the command line:
 * {@code @RegisterExtension final StdCapture std = new StdCapture();} then {@link #out} and {@link #err}.
 */
public final class StdCapture implements BeforeEachCallback, AfterEachCallback {
  /** What the test printed to standard output. */
  public final ByteArrayOutputStream out = new ByteArrayOutputStream();
  /** What the test printed to standard error. */
  public final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @Override
  public void beforeEach(ExtensionContext context) {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }
}
