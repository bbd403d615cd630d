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

  /**
   * An I/O error as one line naming its file: "FILE: No space left on device", "FILE: permission
   * denied", "FILE: no such file or directory" (the JDK's messages of the last two are the path alone).
   */
  public static String io(java.io.IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return e.getMessage() + ": no such file or directory";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return e.getMessage() + ": permission denied";
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException) {
      return e.getMessage() + ": already exists";
    }
    if (e instanceof java.nio.file.DirectoryNotEmptyException) {
      return e.getMessage() + ": directory not empty";
    }
    return firstLine(e);
  }
}
