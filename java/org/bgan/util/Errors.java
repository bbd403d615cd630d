package org.bgan.util;

/** Error messages for users. */
public final class Errors {
  private Errors() {}

  /**
   * The first line of an exception's message (TensorFlow's errors go on to name graph nodes and
   * stack frames), or its class name when it has no message.
   */
  public static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
