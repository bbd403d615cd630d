package org.bgan.testing;

import java.nio.file.Paths;

/**
 * What a test needs to start the project's code in a JVM of its own: the launcher and the class path
 * (org.bgan.util.ChildJvm is the product's own, for its benchmarks).
 */
public final class TestJvm {
  private TestJvm() {}

  /** The test class path: Surefire's when run by Maven (its own is a manifest-only jar), else this JVM's. */
  public static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /** The java launcher of the running JDK. */
  public static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }
}
