package org.bgan.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one of the repository's bash launchers (tools/...) with arguments, for argument-handling tests. */
public final class Script {
  private Script() {}

  /** What a run printed and its exit code. */
  public record Ran(int code, String out, String err) {}

  /** {@code bash script args...} from the repository root, stdin closed, at most 60 s. */
  public static Ran run(String script, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", script));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    // Read both streams while it runs: a full pipe would otherwise block the script.
    var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(script + " " + String.join(" ", args) + " did not finish");
    }
    return new Ran(p.exitValue(), out.get(), err.get());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
