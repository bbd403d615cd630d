package org.bgan.cli;

import java.io.PrintWriter;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.bgan.util.UserException;

/** A subcommand of {@code tools/bgan}: its options, usage text and body. */
abstract class Command {
  static final String EXIT_CODES = String.join("\n",
      "Exit codes: 0 success; 1 internal error (a bug: please report it with the stack trace);",
      "2 bad arguments, config or input file, or a file that cannot be read or written (e.g. a full disk);",
      "3 build failure (launcher); 4 training diverged (NaN/Inf loss);",
      "141 the reader of standard output closed it (e.g. '| head'), silently, as a Unix filter stopped by SIGPIPE;",
      "130 / 143 stopped by Ctrl-C / kill (a training run first names the checkpoint --resume continues from).");

  abstract String name();

  abstract String synopsis();

  abstract String description();

  abstract Options options();

  /** Runs with parsed arguments; returns the exit code. */
  abstract int run(CommandLine cl) throws Exception;

  /** Parses, handling --help; returns the exit code. */
  final int main(String[] args) throws Exception {
    Options opts = options();
    opts.addOption(Option.builder("h").longOpt("help").desc("show this help and exit").build());
    CommandLine cl;
    try {
      cl = new DefaultParser().parse(opts, args, false);
    } catch (ParseException e) {
      throw new UserException(e.getMessage() + " (see 'bgan " + name() + " --help')");
    }
    if (cl.hasOption("help")) {
      printHelp(opts);
      return 0;
    }
    noBlankValues(cl);
    noTildeValues(cl);
    return run(cl);
  }

  /**
   * Rejects a value starting with '~' ({@code --out=~/x}: the shell expands '~' only at the start of a
   * word, and Java never does, so it named a directory "~" in the working directory). --set values are
   * checked field by field by the config's validation.
   */
  static void noTildeValues(CommandLine cl) {
    for (Option o : cl.getOptions()) {
      String v = o.getValue();
      if (o.hasArg() && !"set".equals(o.getLongOpt()) && v != null && (v.equals("~") || v.startsWith("~/"))) {
        throw new UserException("--" + o.getLongOpt() + " '" + v + "': '~' is not expanded in --" + o.getLongOpt()
            + "=VALUE; write the full path (" + System.getProperty("user.home") + v.substring(1) + "), or --"
            + o.getLongOpt() + " ~/... as two words");
      }
    }
  }

  /**
   * Rejects an empty option value ({@code --out ""}, e.g. from an unset shell variable): as a path it
   * would silently mean the current directory.
   */
  static void noBlankValues(CommandLine cl) {
    for (Option o : cl.getOptions()) {
      if (o.hasArg() && (o.getValue() == null || o.getValue().isBlank())) {
        throw new UserException("--" + o.getLongOpt() + " needs a value, got an empty string");
      }
    }
  }

  void printHelp(Options opts) {
    HelpFormatter f = new HelpFormatter();
    f.setWidth(100);
    PrintWriter w = new PrintWriter(System.out);
    f.printHelp(w, 100, "bgan " + name() + " " + synopsis(), "\n" + reflow(description()) + "\n\nOptions:", opts, 2,
        2,
        "\n" + reflow(EXIT_CODES), false);
    w.flush();
  }

  /**
   * Joins the lines of each paragraph of a help text into one, so that the help formatter wraps them
   * once at its width (the source lines are broken at about the same width, and wrapping them again
   * left one-word lines). Blank lines, indented lines and list items ("- ", "* ") keep their breaks.
   */
  static String reflow(String text) {
    String[] lines = text.split("\n", -1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      sb.append(line);
      if (i + 1 < lines.length) {
        String next = lines[i + 1];
        boolean join = !line.isBlank() && !next.isBlank() && !Character.isWhitespace(next.charAt(0))
            && !next.startsWith("- ") && !next.startsWith("* ") && !line.endsWith(":");
        sb.append(join ? " " : "\n");
      }
    }
    return sb.toString();
  }

  static String onlyPositional(CommandLine cl, String what) {
    List<String> rest = cl.getArgList();
    if (rest.isEmpty()) {
      throw new UserException("missing " + what);
    }
    if (rest.size() > 1) {
      throw new UserException("unexpected arguments " + rest.subList(1, rest.size()) + " (one " + what + " expected)");
    }
    return rest.get(0);
  }

  static void noPositional(CommandLine cl) {
    if (!cl.getArgList().isEmpty()) {
      throw new UserException("unexpected arguments " + cl.getArgList());
    }
  }

  static long longOpt(CommandLine cl, String opt, long dflt, long min) {
    if (!cl.hasOption(opt)) {
      return dflt;
    }
    String v = cl.getOptionValue(opt);
    long x;
    try {
      x = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UserException("--" + opt + " expects a whole number, got '" + v + "'");
    }
    if (x < min) {
      throw new UserException("--" + opt + " must be at least " + min + ", got " + x);
    }
    return x;
  }

  /** A TensorFlow thread count: at least 1, at most {@link org.bgan.config.ExperimentConfigs#MAX_THREADS}; 0 if not given. */
  static int threadsOpt(CommandLine cl, String opt) {
    int t = intOpt(cl, opt, 0, 1);
    org.bgan.config.ExperimentConfigs.threadsAtMost("--" + opt, t);
    return t;
  }

  /** {@link #longOpt} for values used as an int: larger than {@link Integer#MAX_VALUE} is an error, not wrapped. */
  static int intOpt(CommandLine cl, String opt, int dflt, int min) {
    long x = longOpt(cl, opt, dflt, min);
    if (x > Integer.MAX_VALUE) {
      throw new UserException("--" + opt + " must be at most " + Integer.MAX_VALUE + ", got " + x);
    }
    return (int) x;
  }
}
