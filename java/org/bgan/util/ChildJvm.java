package org.bgan.util;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a main class of this project in a new JVM with this JVM's options and class path, its standard
 * output handed line by line to a consumer and its standard error passed through.
 *
 * <p>Why the benchmarks need it: TensorFlow sizes the intra-op thread pool of its CPU device once per
 * process, from the first session created (later sessions' {@code intra_op_parallelism_threads} are
 * ignored), so timing several thread counts in one process times the first one again and again. Each
 * thread count of a benchmark runs in its own child process.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** The binary of this JVM, or the launcher of its JDK when the operating system does not tell. */
  public static String launcher() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * This JVM's options (the heap, system properties, modules), for a child that should run as this one
   * does; a debugger agent is left out, since a second JVM cannot listen on the same port.
   */
  static List<String> jvmOptions() {
    List<String> opts = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp")) {
        opts.add(a);
      }
    }
    return opts;
  }

  /**
   * The command that starts {@code mainClass} of this program in a new JVM: this JVM's binary, its
   * options ({@link #jvmOptions}) and class path, and the main class; arguments go after it.
   */
  public static List<String> command(String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher());
    cmd.addAll(jvmOptions());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }

  /** Runs {@code mainClass args} in a child JVM; returns its exit code. */
  public static int run(String mainClass, List<String> args, Consumer<String> stdoutLines) throws IOException {
    List<String> cmd = command(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    p.getOutputStream().close();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        stdoutLines.accept(line);
      }
    }
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the child JVM", e);
    }
  }

  /** {@link #run} with the child's standard output copied to {@code out}. */
  public static int run(String mainClass, List<String> args, PrintStream out) throws IOException {
    int code = run(mainClass, args, line -> {
      out.println(line);
      out.flush();
    });
    return code;
  }
}
