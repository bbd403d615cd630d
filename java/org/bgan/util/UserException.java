package org.bgan.util;

/**
 * An error caused by the user's input (a flag, a file, a config field). Command-line tools print
 * its message alone, without a stack trace, and exit with {@link #exitCode()}.
 */
public class UserException extends RuntimeException {
  /** Exit code for bad arguments, configs and input files. */
  public static final int BAD_INPUT = 2;

  private final int exitCode;

  public UserException(String message) {
    this(message, BAD_INPUT);
  }

  public UserException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public UserException(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = BAD_INPUT;
  }

  public int exitCode() {
    return exitCode;
  }
}
