package org.bgan.testing;

import org.bgan.util.ChildJvm;

/**
 * What a test needs to start the project's code in a JVM of its own: the launcher and the class path
 * (the launcher is resolved as {@link ChildJvm} resolves it for the product's own child JVMs).
 */
public final class TestJvm {
  private TestJvm() {}

  /** The test class path: Surefire's when run by Maven (its own is a manifest-only jar), else this JVM's. */
  public static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /** The java launcher of the running JVM (the product's own resolution, {@link ChildJvm#launcher}). */
  public static String java() {
    return ChildJvm.launcher();
  }
}
