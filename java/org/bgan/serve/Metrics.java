package org.bgan.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counters and latency quantiles of the server, rendered as a plain-text page in Prometheus'
 * exposition format (TF Serving exports its own at {@code /monitoring/prometheus/metrics}).
 * Lock-free on the request path.
 */
final class Metrics {
  static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<String, Latency> latency = new ConcurrentHashMap<>();
  final LongAdder batches = new LongAdder();
  final LongAdder batchedTasks = new LongAdder();
  final LongAdder batchedRows = new LongAdder();
  final LongAdder queueRejections = new LongAdder();
  final LongAdder modelLoads = new LongAdder();
  final LongAdder modelLoadFailures = new LongAdder();
  private final List<String[]> gaugeText = new ArrayList<>();
  private final List<LongSupplier> gaugeValues = new ArrayList<>();

  /** Registers a gauge read when the page is rendered. */
  synchronized void gauge(String name, String help, LongSupplier value) {
    gaugeText.add(new String[] {name, help});
    gaugeValues.add(value);
  }

  /** Counts one answered request and its latency. */
  void record(String endpoint, int status, long nanos) {
    requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
    latency.computeIfAbsent(endpoint, k -> new Latency()).add(nanos);
  }

  long requestCount(String endpoint, int status) {
    LongAdder a = requests.get(endpoint + "\u0000" + status);
    return a == null ? 0 : a.sum();
  }

  /** Latency quantile in seconds for an endpoint, NaN before its first request. */
  double latencyQuantile(String endpoint, double q) {
    Latency l = latency.get(endpoint);
    return l == null ? Double.NaN : l.quantileSeconds(q);
  }

  synchronized String render() {
    StringBuilder out = new StringBuilder(4096);
    Map<String, LongAdder> sorted = new TreeMap<>(requests);
    header(out, "bgan_serve_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
    long errors = 0;
    for (Map.Entry<String, LongAdder> e : sorted.entrySet()) {
      String[] k = e.getKey().split("\u0000");
      long n = e.getValue().sum();
      out.append("bgan_serve_requests_total{endpoint=\"").append(k[0]).append("\",code=\"")
          .append(k[1]).append("\"} ").append(n).append('\n');
      if (Integer.parseInt(k[1]) >= 400) {
        errors += n;
      }
    }
    header(out, "bgan_serve_errors_total", "counter", "Requests answered with status 400 or above.");
    out.append("bgan_serve_errors_total ").append(errors).append('\n');
    header(out, "bgan_serve_request_latency_seconds", "summary",
        "Time from reading the request to the response sent, by endpoint, since start.");
    for (Map.Entry<String, Latency> e : new TreeMap<>(latency).entrySet()) {
      Latency l = e.getValue();
      for (double q : QUANTILES) {
        out.append("bgan_serve_request_latency_seconds{endpoint=\"").append(e.getKey())
            .append("\",quantile=\"").append(q).append("\"} ")
            .append(String.format("%.6f", l.quantileSeconds(q))).append('\n');
      }
      out.append("bgan_serve_request_latency_seconds_sum{endpoint=\"").append(e.getKey())
          .append("\"} ").append(String.format("%.6f", l.sumNanos.sum() / 1e9)).append('\n');
      out.append("bgan_serve_request_latency_seconds_count{endpoint=\"").append(e.getKey())
          .append("\"} ").append(l.count.sum()).append('\n');
    }
    counter(out, "bgan_serve_batches_total", "Session runs made for predict requests.", batches);
    counter(out, "bgan_serve_batched_requests_total", "Predict requests run in those batches.", batchedTasks);
    counter(out, "bgan_serve_batched_instances_total", "Rows of z run in those batches (a sample request, which draws z in the graph, adds none).", batchedRows);
    counter(out, "bgan_serve_queue_rejections_total", "Predict requests refused with 503 because the batch queue was full.", queueRejections);
    counter(out, "bgan_serve_model_loads_total", "Model versions loaded and made available.", modelLoads);
    counter(out, "bgan_serve_model_load_failures_total", "Model versions that failed to load.", modelLoadFailures);
    for (int i = 0; i < gaugeText.size(); i++) {
      header(out, gaugeText.get(i)[0], "gauge", gaugeText.get(i)[1]);
      out.append(gaugeText.get(i)[0]).append(' ').append(gaugeValues.get(i).getAsLong()).append('\n');
    }
    return out.toString();
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void counter(StringBuilder out, String name, String help, LongAdder value) {
    header(out, name, "counter", help);
    out.append(name).append(' ').append(value.sum()).append('\n');
  }

  /**
   * Latency histogram over microseconds with 16 linear sub-buckets per power of two (bucket width
   * at most 1/16 of its lower bound, so a quantile is off by under 7%).
   */
  static final class Latency {
    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXP = 40; // ~12.7 days in microseconds; longer is clamped
    private final AtomicLongArray counts = new AtomicLongArray((MAX_EXP - SUB_BITS + 2) * SUB);
    final LongAdder count = new LongAdder();
    final LongAdder sumNanos = new LongAdder();

    void add(long nanos) {
      long us = Math.max(0, nanos / 1000);
      counts.incrementAndGet(index(us));
      count.increment();
      sumNanos.add(nanos);
    }

    static int index(long us) {
      if (us < SUB) {
        return (int) us;
      }
      us = Math.min(us, (1L << (MAX_EXP + 1)) - 1);
      int exp = 63 - Long.numberOfLeadingZeros(us);
      int sub = (int) ((us >>> (exp - SUB_BITS)) & (SUB - 1));
      return (exp - SUB_BITS + 1) * SUB + sub;
    }

    /** Lower bound (µs) of bucket {@code i}; its upper bound is {@code lowerBound(i + 1)}. */
    static long lowerBound(int i) {
      if (i < SUB) {
        return i;
      }
      int exp = i / SUB + SUB_BITS - 1;
      long sub = i % SUB;
      return (SUB + sub) << (exp - SUB_BITS);
    }

    double quantileSeconds(double q) {
      long total = 0;
      int n = counts.length();
      long[] snapshot = new long[n];
      for (int i = 0; i < n; i++) {
        snapshot[i] = counts.get(i);
        total += snapshot[i];
      }
      if (total == 0) {
        return Double.NaN;
      }
      long target = Math.max(1, (long) Math.ceil(q * total));
      long seen = 0;
      for (int i = 0; i < n; i++) {
        seen += snapshot[i];
        if (seen >= target) {
          return (lowerBound(i) + lowerBound(i + 1)) / 2.0 / 1e6;
        }
      }
      return lowerBound(n) / 1e6;
    }
  }
}
