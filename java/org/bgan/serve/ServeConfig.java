package org.bgan.serve;

import java.nio.file.Path;

/**
 * Everything {@code bgan serve} can be told, with the defaults its {@code --help} prints.
 *
 * @param modelBasePath directory of numeric version directories (TF Serving's model_base_path)
 * @param modelName name in the URLs; by default the base path's last component
 * @param port 0 picks a free port
 * @param maxBatchSize most instances (rows of z) merged into one session run
 * @param batchTimeoutMicros how long a batch waits for more requests after its first (0: only
 *     those already queued, TF Serving's advice for CPUs)
 * @param numBatchThreads threads running batches on the shared session
 * @param maxQueuedRequests predict requests waiting for a batch thread; more get 503
 * @param maxInstances instances per request (rows of z, or num); more get 400
 * @param maxResponseValues numbers (all outputs, all instances) one response may carry; more get
 *     400, so a large count on an image generator cannot build a huge response
 * @param maxBodyBytes request body limit; larger get 413
 * @param requestTimeoutMillis a predict request not answered by then gets 504
 * @param httpThreads threads reading requests and writing responses
 * @param maxConnections open connections accepted at once
 * @param pollMillis how often the base path is checked for a new version (0: never)
 * @param intraOpThreads TensorFlow intra-op threads (0: TensorFlow's choice)
 * @param interOpThreads TensorFlow inter-op threads (0: TensorFlow's choice)
 * @param accessLog one stderr line per request with its latency
 */
record ServeConfig(
    Path modelBasePath,
    String modelName,
    String host,
    int port,
    int maxBatchSize,
    long batchTimeoutMicros,
    int numBatchThreads,
    int maxQueuedRequests,
    int maxInstances,
    long maxResponseValues,
    long maxBodyBytes,
    long requestTimeoutMillis,
    int httpThreads,
    int maxConnections,
    long pollMillis,
    int intraOpThreads,
    int interOpThreads,
    boolean accessLog) {

  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 8501;
  static final int DEFAULT_MAX_BATCH_SIZE = 64;
  static final long DEFAULT_BATCH_TIMEOUT_MICROS = 0;
  static final int DEFAULT_NUM_BATCH_THREADS = 1;
  static final int DEFAULT_MAX_QUEUED_REQUESTS = 256;
  static final int DEFAULT_MAX_INSTANCES = 4096;
  static final long DEFAULT_MAX_RESPONSE_VALUES = 1L << 22;
  static final long DEFAULT_MAX_BODY_BYTES = 8L << 20;
  static final long DEFAULT_REQUEST_TIMEOUT_MILLIS = 30_000;
  static final int DEFAULT_HTTP_THREADS = 16;
  static final int DEFAULT_MAX_CONNECTIONS = 512;
  static final long DEFAULT_POLL_MILLIS = 1000;

  /** Deepest nesting of JSON arrays/objects in a request body. */
  static final int MAX_JSON_DEPTH = 32;

  /** The defaults for a base path, to change with the builder's setters. */
  static Builder builder(Path modelBasePath) {
    return new Builder(modelBasePath);
  }

  /** Mutable twin of the record; {@link #build()} makes the record. */
  static final class Builder {
    Path modelBasePath;
    String modelName;
    String host = DEFAULT_HOST;
    int port = DEFAULT_PORT;
    int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    long batchTimeoutMicros = DEFAULT_BATCH_TIMEOUT_MICROS;
    int numBatchThreads = DEFAULT_NUM_BATCH_THREADS;
    int maxQueuedRequests = DEFAULT_MAX_QUEUED_REQUESTS;
    int maxInstances = DEFAULT_MAX_INSTANCES;
    long maxResponseValues = DEFAULT_MAX_RESPONSE_VALUES;
    long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    long requestTimeoutMillis = DEFAULT_REQUEST_TIMEOUT_MILLIS;
    int httpThreads = DEFAULT_HTTP_THREADS;
    int maxConnections = DEFAULT_MAX_CONNECTIONS;
    long pollMillis = DEFAULT_POLL_MILLIS;
    int intraOpThreads;
    int interOpThreads;
    boolean accessLog = true;

    private Builder(Path modelBasePath) {
      this.modelBasePath = modelBasePath;
      Path last = modelBasePath.toAbsolutePath().normalize().getFileName();
      this.modelName = last == null ? "" : last.toString();
    }

    Builder port(int v) {
      port = v;
      return this;
    }

    Builder pollMillis(long v) {
      pollMillis = v;
      return this;
    }

    Builder batching(int maxBatch, long timeoutMicros, int threads, int maxQueued) {
      maxBatchSize = maxBatch;
      batchTimeoutMicros = timeoutMicros;
      numBatchThreads = threads;
      maxQueuedRequests = maxQueued;
      return this;
    }

    Builder limits(int instances, long responseValues, long bodyBytes) {
      maxInstances = instances;
      maxResponseValues = responseValues;
      maxBodyBytes = bodyBytes;
      return this;
    }

    Builder requestTimeoutMillis(long v) {
      requestTimeoutMillis = v;
      return this;
    }

    ServeConfig build() {
      return new ServeConfig(modelBasePath, modelName, host, port, maxBatchSize,
          batchTimeoutMicros, numBatchThreads, maxQueuedRequests, maxInstances, maxResponseValues,
          maxBodyBytes, requestTimeoutMillis, httpThreads, maxConnections, pollMillis,
          intraOpThreads, interOpThreads, accessLog);
    }
  }
}
