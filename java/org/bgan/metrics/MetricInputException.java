package org.bgan.metrics;

/**
 * A problem with the user's input (a file, an array, a flag value) that the command line reports as a
 * one-line message without a stack trace. The message names the offending file, key or value.
 */
public class MetricInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MetricInputException(String message) {
    super(message);
  }

  /** A NaN or infinite feature value, at its row and column. */
  public static MetricInputException notFinite(long row, int col) {
    return new MetricInputException("feature value is not finite (NaN or infinity) in row " + row + ", column " + col);
  }

  public MetricInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
