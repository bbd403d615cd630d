package org.bgan.scorer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs ScorerMain in-process and captures stdout, stderr and the exit code. */
record CliRun(int code, String out, String err) {
  static CliRun of(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      code = new ScorerMain(po, pe).run(args);
    }
    return new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  /** A number field of the JSON object printed by --json. */
  double json(String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": ([-+0-9.eE]+|null)").matcher(out);
    if (!m.find()) {
      throw new AssertionError("no key " + key + " in " + out + "\nstderr: " + err);
    }
    return Double.parseDouble(m.group(1));
  }
}
