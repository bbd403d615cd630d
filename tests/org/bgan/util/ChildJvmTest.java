package org.bgan.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The child JVM runs a main class of the project's class path and hands back its output and exit code. */
class ChildJvmTest {
  /** The child: echoes its arguments, one per line, then exits with the code given by the first. */
  public static final class Echo {
    public static void main(String[] args) {
      for (String a : args) {
        System.out.println(a);
      }
      System.exit(Integer.parseInt(args[0]));
    }
  }

  @Test
  void runsAMainClassInANewJvmAndReturnsItsOutputAndExitCode() throws Exception {
    List<String> lines = new ArrayList<>();
    int code = ChildJvm.run(Echo.class.getName(), List.of("3", "two words", "pid"), lines::add);
    assertThat(code).isEqualTo(3);
    assertThat(lines).containsExactly("3", "two words", "pid");
    lines.clear();
    assertThat(ChildJvm.run(Echo.class.getName(), List.of("0"), lines::add)).isZero();
    assertThat(lines).containsExactly("0");
  }
}
