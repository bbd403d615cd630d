package org.bgan.serve;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code bgan serve}: serves a generator SavedModel directory over TF Serving's REST API.
 *
 * <p>Parsing and {@code --help} touch no TensorFlow class, so they never load the natives.
 */
public final class ServeCommand {
  static final int EXIT_OK = 0;
  static final int EXIT_INTERNAL = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_MODEL = 3;
  static final int EXIT_LISTEN = 4;

  private static final String HELP_HEAD =
      "Usage: bgan serve --model-base-path savedmodels/NAME [--port 8501] [--host 127.0.0.1]"
          + " [options]\n\n"
          + "Serves a generator SavedModel over TF Serving's REST API. NAME/ holds numeric version\n"
          + "directories (TF Serving's layout: NAME/<version>/saved_model.pb + variables/); the\n"
          + "newest is served, and a newer one that appears is loaded and switched to without\n"
          + "dropping requests in flight.\n\n"
          + "Endpoints (NAME from --model-name):\n"
          + "  GET  /v1/models/NAME[/versions/N]             model version status\n"
          + "  GET  /v1/models/NAME[/versions/N]/metadata    signatures\n"
          + "  POST /v1/models/NAME[/versions/N]:predict     {\"instances\": [[z...], ...]} or\n"
          + "       {\"inputs\": {\"z\": [[...]]}} or {\"inputs\": {\"num\": 16, \"seed\": 7}};\n"
          + "       add \"image_format\": \"png\" for base64 PNG images ({\"b64\": ...})\n"
          + "  GET  /monitoring/metrics                      counters and latency quantiles\n\n"
          + "Options:\n";

  private static final String HELP_TAIL =
      "\nErrors are {\"error\": \"...\"} bodies: 400 bad JSON, shape, dtype, unknown model or\n"
          + "version, too many instances or values; 404 unknown path; 405 wrong method; 413 body too large;\n"
          + "503 batch queue full (retry); 504 timed out.\n"
          + "Logs (one line per request with its latency, model loads) go to stderr; the\n"
          + "'serving ...' line with the URL goes to stdout. SIGINT/SIGTERM stop the server after\n"
          + "the requests in flight (up to 10 s).\n\n"
          + "Exit codes: 0 --help; 1 internal error; 2 bad arguments; 3 model cannot be served\n"
          + "(no version directory, not a SavedModel, lacks the serving_default/sample\n"
          + "signatures); 4 cannot listen on --host/--port. A server stopped by a signal exits\n"
          + "with the JVM's 130 (SIGINT) or 143 (SIGTERM).\n";

  private ServeCommand() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command; returns only on an error or {@code --help} (a server runs until killed). */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    ServeConfig config;
    try {
      CommandLine cl = new DefaultParser().parse(options(), args);
      if (cl.hasOption("help")) {
        out.print(help());
        return EXIT_OK;
      }
      config = parse(cl);
    } catch (ParseException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println("(bgan serve --help lists the options)");
      return EXIT_USAGE;
    }
    return serve(config, out, err);
  }

  private static int serve(ServeConfig config, PrintStream out, PrintStream err) {
    AsyncLog log = new AsyncLog(err, 1 << 16);
    ModelServer server;
    try {
      server = ModelServer.start(config, log);
    } catch (ServableModel.LoadException e) {
      log.close();
      err.println("error: " + e.getMessage());
      return EXIT_MODEL;
    } catch (ModelServer.BindException e) {
      log.close();
      err.println("error: " + e.getMessage() + " (--host/--port)");
      return EXIT_LISTEN;
    } catch (RuntimeException | LinkageError e) {
      log.close();
      err.println("error: the server failed to start: " + e);
      e.printStackTrace(err);
      return EXIT_INTERNAL;
    }
    server.metrics.gauge("bgan_serve_log_lines_dropped", "Log lines dropped because the log"
        + " writer fell behind.", log.dropped::sum);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.accept("stopping: finishing the requests in flight");
                  server.stop(10_000);
                  log.close();
                },
                "bgan-serve-shutdown"));
    out.printf(
        "serving model '%s' version %d from %s at http://%s:%d/v1/models/%s%n",
        config.modelName(),
        server.models.servingVersion(),
        config.modelBasePath(),
        server.host(),
        server.port(),
        config.modelName());
    out.flush();
    try {
      new CountDownLatch(1).await(); // until a signal ends the JVM
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(10_000);
    log.close();
    return EXIT_OK;
  }

  static String help() {
    StringBuilder b = new StringBuilder(HELP_HEAD);
    for (Option o : options().getOptions()) {
      String flag = "--" + o.getLongOpt() + (o.hasArg() ? " " + o.getArgName() : "");
      b.append(String.format("  %-28s %s%n", flag, o.getDescription()));
    }
    return b.append(HELP_TAIL).toString();
  }

  private static Options options() {
    Options o = new Options();
    add(o, "model-base-path", "DIR", "directory of numeric version directories (required)");
    add(o, "model-name", "NAME", "name in the URLs (default: last component of DIR)");
    add(o, "port", "N", "TCP port, 0 for a free one (default " + ServeConfig.DEFAULT_PORT + ")");
    add(o, "host", "ADDR", "address to listen on (default " + ServeConfig.DEFAULT_HOST + ")");
    add(o, "max-batch-size", "N", "most instances merged into one session run (default "
        + ServeConfig.DEFAULT_MAX_BATCH_SIZE + ")");
    add(o, "batch-timeout-micros", "N", "wait for more requests after a batch's first (default "
        + ServeConfig.DEFAULT_BATCH_TIMEOUT_MICROS + ": only those already queued)");
    add(o, "num-batch-threads", "N", "threads running batches on the shared session (default "
        + ServeConfig.DEFAULT_NUM_BATCH_THREADS + ")");
    add(o, "max-queued-requests", "N", "requests waiting for a batch; more get 503 (default "
        + ServeConfig.DEFAULT_MAX_QUEUED_REQUESTS + ")");
    add(o, "max-instances", "N", "instances (rows of z, or num) per request; more get 400 (default "
        + ServeConfig.DEFAULT_MAX_INSTANCES + ")");
    add(o, "max-response-values", "N", "numbers in one response (all outputs); more get 400"
        + " (default " + ServeConfig.DEFAULT_MAX_RESPONSE_VALUES + ")");
    add(o, "max-body-bytes", "N", "request body limit; larger get 413 (default "
        + ServeConfig.DEFAULT_MAX_BODY_BYTES + ")");
    add(o, "request-timeout-ms", "N", "predict answered by then or 504; a request not fully received by then is dropped (default "
        + ServeConfig.DEFAULT_REQUEST_TIMEOUT_MILLIS + ")");
    add(o, "http-threads", "N", "threads reading requests and writing responses (default "
        + ServeConfig.DEFAULT_HTTP_THREADS + ")");
    add(o, "max-connections", "N", "open connections accepted at once (default "
        + ServeConfig.DEFAULT_MAX_CONNECTIONS + ")");
    add(o, "poll-seconds", "S", "look for a new version every S seconds, 0 never (default "
        + ServeConfig.DEFAULT_POLL_MILLIS / 1000.0 + ")");
    add(o, "intra-op-threads", "N", "TensorFlow intra-op threads (default 0: TensorFlow's choice)");
    add(o, "inter-op-threads", "N", "TensorFlow inter-op threads (default 0: TensorFlow's choice)");
    o.addOption(Option.builder().longOpt("no-access-log")
        .desc("do not log a line per request").build());
    o.addOption(Option.builder("h").longOpt("help").desc("print this help and exit").build());
    return o;
  }

  private static void add(Options o, String name, String arg, String desc) {
    o.addOption(Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build());
  }

  static ServeConfig parse(CommandLine cl) {
    if (!cl.getArgList().isEmpty()) {
      throw new IllegalArgumentException("unexpected argument '" + cl.getArgList().get(0) + "'");
    }
    String base = cl.getOptionValue("model-base-path");
    if (base == null) {
      throw new IllegalArgumentException("--model-base-path DIR is required");
    }
    if (base.isBlank()) {  // an unset shell variable: not the current directory
      throw new IllegalArgumentException("--model-base-path needs a value, got an empty string");
    }
    Path basePath = Paths.get(base);
    if (!Files.isDirectory(basePath)) {
      throw new IllegalArgumentException(
          "--model-base-path " + base + (Files.exists(basePath) ? " is not a directory" : " does not exist"));
    }
    ServeConfig.Builder b = ServeConfig.builder(basePath);
    b.modelName = cl.getOptionValue("model-name", b.modelName);
    if (!b.modelName.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          "--model-name '" + b.modelName + "' must be letters, digits, '.', '_' or '-'");
    }
    b.host = cl.getOptionValue("host", b.host);
    if (b.host.isBlank()) {
      throw new IllegalArgumentException("--host must not be empty");
    }
    double pollSeconds = number(cl, "poll-seconds", b.pollMillis / 1000.0);
    if (!(pollSeconds >= 0 && pollSeconds <= 86_400)) {
      throw new IllegalArgumentException("--poll-seconds must be in 0..86400 (got " + pollSeconds + ")");
    }
    b.pollMillis = Math.round(pollSeconds * 1000);
    b.port = (int) integer(cl, "port", b.port, 0, 65535);
    b.maxBatchSize = (int) integer(cl, "max-batch-size", b.maxBatchSize, 1, 1 << 20);
    b.batchTimeoutMicros = integer(cl, "batch-timeout-micros", b.batchTimeoutMicros, 0, 60_000_000);
    b.numBatchThreads = (int) integer(cl, "num-batch-threads", b.numBatchThreads, 1, 256);
    b.maxQueuedRequests = (int) integer(cl, "max-queued-requests", b.maxQueuedRequests, 1, 1 << 20);
    b.maxInstances = (int) integer(cl, "max-instances", b.maxInstances, 1, 1 << 24);
    b.maxResponseValues = integer(cl, "max-response-values", b.maxResponseValues, 1, 1L << 31);
    b.maxBodyBytes = integer(cl, "max-body-bytes", b.maxBodyBytes, 1024, 1L << 30);
    b.requestTimeoutMillis = integer(cl, "request-timeout-ms", b.requestTimeoutMillis, 1, 3_600_000);
    b.httpThreads = (int) integer(cl, "http-threads", b.httpThreads, 1, 1024);
    b.maxConnections = (int) integer(cl, "max-connections", b.maxConnections, 1, 100_000);
    b.intraOpThreads = (int) integer(cl, "intra-op-threads", 0, 0, 1024);
    b.interOpThreads = (int) integer(cl, "inter-op-threads", 0, 0, 1024);
    b.accessLog = !cl.hasOption("no-access-log");
    return b.build();
  }

  private static long integer(CommandLine cl, String name, long dflt, long min, long max) {
    String v = cl.getOptionValue(name);
    if (v == null) {
      return dflt;
    }
    long x;
    try {
      x = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer (got '" + v + "')");
    }
    if (x < min || x > max) {
      throw new IllegalArgumentException(
          "--" + name + " must be in " + min + ".." + max + " (got " + x + ")");
    }
    return x;
  }

  private static double number(CommandLine cl, String name, double dflt) {
    String v = cl.getOptionValue(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number (got '" + v + "')");
    }
  }
}
