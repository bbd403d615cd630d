package org.bgan.serve;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.tensorflow.proto.ConfigProto;

/**
 * A running server: the model manager (newest version, reloads), the batcher on its shared
 * session, and the JDK's HTTP server answering {@link RestApi}.
 *
 * <p>Memory stays bounded: at most {@code maxConnections} connections, each with one request at a
 * time (HTTP/1.1 without pipelining), {@code httpThreads} bodies of at most {@code maxBodyBytes}
 * being read, and {@code maxQueuedRequests} requests waiting for the model.
 */
final class ModelServer implements AutoCloseable {
  /** Thrown when the host/port cannot be bound. */
  static final class BindException extends Exception {
    BindException(String message) {
      super(message, null, false, false);
    }
  }

  final ServeConfig config;
  final Metrics metrics = new Metrics();
  final ModelManager models;
  private final Batcher<ServableModel> batcher;
  private final RestApi api;
  private final HttpServer http;
  private final ExecutorService httpPool;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ModelServer(
      ServeConfig config,
      Consumer<String> log,
      UnaryOperator<Batcher.Runner<ServableModel>> wrapRunner)
      throws ServableModel.LoadException, BindException {
    this.config = config;
    configureHttpServer(config);
    try {
      // bound before the (slow) model load, so a port in use is reported at once
      http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 256);
    } catch (IOException | RuntimeException e) {
      throw new BindException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
    }
    ConfigProto.Builder tfConfig = ConfigProto.newBuilder();
    if (config.intraOpThreads() > 0) {
      tfConfig.setIntraOpParallelismThreads(config.intraOpThreads());
    }
    if (config.interOpThreads() > 0) {
      tfConfig.setInterOpParallelismThreads(config.interOpThreads());
    }
    ConfigProto tf = tfConfig.build();
    models =
        new ModelManager(
            config.modelName(),
            config.modelBasePath(),
            (dir, version) -> ServableModel.load(dir, version, tf),
            metrics,
            log);
    try {
      models.loadInitial();
    } catch (ServableModel.LoadException | RuntimeException e) {
      http.stop(0);
      throw e;
    }
    batcher =
        new Batcher<>(
            wrapRunner.apply((model, sig, inputs) -> model.run(sig, inputs)),
            config.maxBatchSize(),
            TimeUnit.MICROSECONDS.toNanos(config.batchTimeoutMicros()),
            config.maxQueuedRequests(),
            config.numBatchThreads(),
            metrics);
    api = new RestApi(config, models, batcher, metrics, log);
    metrics.gauge("bgan_serve_model_version", "Version being served.", models::servingVersion);
    metrics.gauge("bgan_serve_queue_depth", "Predict requests waiting for a batch.", batcher::queued);
    metrics.gauge("bgan_serve_requests_in_flight", "Requests being answered.", api::inFlight);
    AtomicInteger threadId = new AtomicInteger();
    httpPool =
        new ThreadPoolExecutor(
            config.httpThreads(),
            config.httpThreads(),
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), // holds at most one exchange per open connection
            r -> {
              Thread t = new Thread(r, "bgan-http-" + threadId.getAndIncrement());
              t.setDaemon(true);
              return t;
            });
    http.createContext("/", api);
    http.setExecutor(httpPool);
  }

  /**
   * Loads the newest model version, starts watching for new ones and answers HTTP.
   *
   * @param log receives access-log and model-loading lines
   */
  static ModelServer start(ServeConfig config, Consumer<String> log)
      throws ServableModel.LoadException, BindException {
    return start(config, log, UnaryOperator.identity());
  }

  /**
   * As {@link #start(ServeConfig, Consumer)}, with the model runs passed through {@code
   * wrapRunner} (tests use it to hold a run and fill the queue).
   */
  static ModelServer start(
      ServeConfig config,
      Consumer<String> log,
      UnaryOperator<Batcher.Runner<ServableModel>> wrapRunner)
      throws ServableModel.LoadException, BindException {
    ModelServer s = new ModelServer(config, log, wrapRunner);
    s.http.start();
    s.models.startPolling(config.pollMillis());
    return s;
  }

  /**
   * Sets the JDK HTTP server's process-wide options; they are read once, when its first server is
   * created, so a later call cannot change them.
   */
  private static void configureHttpServer(ServeConfig config) {
    // without TCP_NODELAY small responses wait for delayed ACKs (tens of ms per request)
    System.setProperty("sun.net.httpserver.nodelay", "true");
    System.setProperty(
        "jdk.httpserver.maxConnections", Integer.toString(config.maxConnections()));
    // A client that sends its headers or body only in part (stalled, paused, or slow on purpose)
    // holds an HTTP thread while the JDK's server reads: --http-threads of them made the server
    // answer nothing at all, not even the status. The JDK closes a connection whose request has
    // not been read in maxReqTime seconds (checked every timerMillis): the request timeout.
    System.setProperty("sun.net.httpserver.maxReqTime",
        Long.toString(Math.max(1, (config.requestTimeoutMillis() + 999) / 1000)));
    System.setProperty("sun.net.httpserver.timerMillis", "250");
  }

  int port() {
    return http.getAddress().getPort();
  }

  String host() {
    return http.getAddress().getHostString();
  }

  /**
   * Stops: new requests get 503 while those in flight finish (up to {@code graceMillis}), then the
   * listener, batch threads and model close.
   */
  void stop(long graceMillis) {
    api.drain();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
    while (api.inFlight() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
  }

  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    http.stop(0);
    httpPool.shutdownNow();
    batcher.close();
    models.close();
  }
}
