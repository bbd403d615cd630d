package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void bucketsTileTheRangeWithoutGaps() {
    for (int i = 0; i < 600; i++) {
      long lo = Metrics.Latency.lowerBound(i);
      long hi = Metrics.Latency.lowerBound(i + 1);
      assertThat(hi).as("bucket %d", i).isGreaterThan(lo);
      assertThat(Metrics.Latency.index(lo)).isEqualTo(i);
      assertThat(Metrics.Latency.index(hi - 1)).isEqualTo(i);
      assertThat(hi - lo).isLessThanOrEqualTo(Math.max(1, lo / 16));
    }
  }

  @Test
  void quantilesMatchTheExactOnesWithinTheBucketWidth() {
    Random rnd = new Random(42);
    Metrics m = new Metrics();
    long[] nanos = new long[20_000];
    for (int i = 0; i < nanos.length; i++) {
      // log-normal latencies around 1 ms with a long tail
      nanos[i] = (long) (1e6 * Math.exp(rnd.nextGaussian()));
      m.record("predict", 200, nanos[i]);
    }
    Arrays.sort(nanos);
    for (double q : Metrics.QUANTILES) {
      double exact = nanos[(int) Math.ceil(q * nanos.length) - 1] / 1e9;
      assertThat(m.latencyQuantile("predict", q)).as("q=%s", q).isCloseTo(exact, within(exact * 0.07));
    }
    assertThat(m.latencyQuantile("status", 0.5)).isNaN();
  }

  @Test
  void rendersCountersErrorsAndGauges() {
    Metrics m = new Metrics();
    m.record("predict", 200, 1_000_000);
    m.record("predict", 200, 3_000_000);
    m.record("predict", 400, 500_000);
    m.record("other", 404, 100_000);
    m.batches.add(2);
    m.gauge("bgan_serve_model_version", "Version being served.", () -> 7);
    String page = m.render();
    assertThat(page)
        .contains("bgan_serve_requests_total{endpoint=\"predict\",code=\"200\"} 2\n")
        .contains("bgan_serve_requests_total{endpoint=\"predict\",code=\"400\"} 1\n")
        .contains("bgan_serve_errors_total 2\n")
        .contains("bgan_serve_request_latency_seconds_count{endpoint=\"predict\"} 3\n")
        .contains("bgan_serve_request_latency_seconds{endpoint=\"predict\",quantile=\"0.5\"}")
        .contains("bgan_serve_batches_total 2\n")
        .contains("# TYPE bgan_serve_model_version gauge\nbgan_serve_model_version 7\n");
    assertThat(m.requestCount("predict", 200)).isEqualTo(2);
  }
}
