package org.bgan.cli;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bgan.util.StdoutStream;
import org.bgan.util.UserException;

/**
 * {@code tools/bgan}: build graphs, train, export, sample, serve and benchmark GANs with mixed
 * batches and permutation-invariant discriminators (BGAN, M-BGAN; Lucas et al., ICML 2018).
 * Argument parsing never loads TensorFlow, so {@code --help} and usage errors are instant.
 */
public final class Main {
  private Main() {}

  static Map<String, Command> commands() {
    Map<String, Command> m = new LinkedHashMap<>();
    for (Command c : new Command[] {new TrainCommand(), new BuildCommand(), new ExportCommand(), new SampleCommand(),
        new DemoCommand(), new BenchCommand(), new StudyCommand(), new DataCommand(), new ModesCommand(), new BirthdayCommand(), new ServeCommandLink()}) {
      m.put(c.name(), c);
    }
    return m;
  }

  public static void main(String[] args) {
    StdoutStream.install();
    System.exit(run(args));
  }

  /** Runs the command line; returns the exit code. */
  public static int run(String[] args) {
    Map<String, Command> cmds = commands();
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
      usage(cmds);
      return args.length == 0 ? UserException.BAD_INPUT : 0;
    }
    Command c = cmds.get(args[0]);
    if (c == null) {
      System.err.println("bgan: unknown command '" + args[0] + "' (commands: " + String.join(", ", cmds.keySet()) + ")");
      return UserException.BAD_INPUT;
    }
    try {
      String[] rest = Arrays.copyOfRange(args, 1, args.length);
      int code = c instanceof ServeCommandLink ? ServeCommandLink.serve(rest) : c.main(rest);
      return code == 0 ? stdoutWritten(c.name()) : code;
    } catch (UserException e) {
      System.err.println("bgan " + c.name() + ": error: " + e.getMessage());
      return e.exitCode();
    } catch (Exception | LinkageError e) {
      String io = userFileError(e);
      if (io != null) {
        System.err.println("bgan " + c.name() + ": error: " + io);
        return UserException.BAD_INPUT;
      }
      System.err.println("bgan " + c.name() + ": internal error: " + e);
      e.printStackTrace(System.err);
      return 1;
    }
  }

  /**
   * One line naming the file, or null: for a file that cannot be written or read (a full disk,
   * permissions, a directory removed under a run), the user's to fix, not an internal error with a
   * stack trace. Java's I/O errors, and a TensorFlow op's failed write (a TensorBoard event file or a
   * checkpoint on a full disk, "PATH; No space left on device"; a directory it may not write), the
   * latter by class name: the TensorFlow classes are not loaded for the commands that do not use them.
   */
  static String userFileError(Throwable e) {
    if (e instanceof IOException io) {
      return org.bgan.util.Errors.io(io);
    }
    if (e instanceof java.io.UncheckedIOException u) {
      return org.bgan.util.Errors.io(u.getCause());
    }
    return fileError(e);
  }

  /** The TensorFlow part of {@link #userFileError}: the first line of a failed write's message, or null. */
  static String fileError(Throwable e) {
    if (!e.getClass().getName().startsWith("org.tensorflow.exceptions.") || e.getMessage() == null) {
      return null;
    }
    String first = org.bgan.util.Errors.firstLine(e);
    return first.contains("No space left on device") || first.contains("Disk quota exceeded")
        || first.contains("Permission denied") || first.contains("Read-only file system") ? first : null;
  }

  /**
   * 0 if everything printed to standard output reached it, else 2 with a message: System.out is a
   * PrintStream, which swallows write errors, so {@code bgan sample ... > s.csv} on a full disk
   * would otherwise end with exit 0 and a truncated file. A reader that closed the pipe ({@code bgan
   * sample ... | head}) ends it silently with 141, as a Unix filter stopped by SIGPIPE.
   */
  static int stdoutWritten(String command) {
    return StdoutStream.exitCode(System.out, UserException.BAD_INPUT, why -> System.err.println(
        "bgan " + command + ": error: cannot write to standard output (" + why + "): what it holds is incomplete"));
  }

  /**
   * A command's line in the overview: the first sentence of its description without the parenthesised
   * asides (the description's first source line broke off mid-sentence, e.g. "... (z ~ N(0, I) drawn in the").
   */
  static String summary(String description) {
    String text = Command.reflow(description).replace('\n', ' ');
    StringBuilder sb = new StringBuilder();
    int depth = 0;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch == '(') {
        depth++;
        while (sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ') {
          sb.setLength(sb.length() - 1);
        }
      } else if (ch == ')' && depth > 0) {
        depth--;
      } else if (depth == 0) {
        if (ch == '.' && (i + 1 == text.length() || text.charAt(i + 1) == ' ')) {
          break;
        }
        sb.append(ch);
      }
    }
    return sb.toString().strip() + ".";
  }

  /** {@code text} broken at spaces into lines of at most {@code width}, joined by {@code sep}. */
  static String wrap(String text, int width, String sep) {
    StringBuilder sb = new StringBuilder();
    int lineStart = 0;
    for (String w : text.split(" ")) {
      if (sb.length() > lineStart && sb.length() - lineStart + 1 + w.length() > width) {
        sb.append(sep);
        lineStart = sb.length();
      } else if (sb.length() > lineStart) {
        sb.append(' ');
      }
      sb.append(w);
    }
    return sb.toString();
  }

  private static void usage(Map<String, Command> cmds) {
    StringBuilder sb = new StringBuilder();
    sb.append("usage: bgan <command> [options]   ('bgan <command> --help' for details)\n\n");
    sb.append("GANs with mixed batches and permutation-invariant discriminators (BGAN, M-BGAN;\n");
    sb.append("Lucas et al., ICML 2018) on TensorFlow, from Java.\n\nCommands:\n");
    for (Command c : cmds.values()) {
      sb.append(String.format("  %-8s %s%n", c.name(), wrap(summary(c.description()), 100 - 11, "\n" + " ".repeat(11))));
    }
    sb.append("\n").append(Command.EXIT_CODES).append("\n");
    System.out.print(sb);
  }
}
