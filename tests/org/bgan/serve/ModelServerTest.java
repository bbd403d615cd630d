package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bgan.serve.ServeTestSupport.Client;
import org.bgan.serve.ServeTestSupport.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrency of the running server: batching of concurrent HTTP requests, the bounded queue
 * (503), the request timeout (504) and a graceful stop. The first model run is held on a latch so
 * that requests pile up deterministically.
 */
class ModelServerTest {
  @TempDir static Path tmp;
  static Path base;
  static Path v1;

  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService clients = Executors.newCachedThreadPool();
  private ModelServer server;
  private Client client;

  @BeforeAll
  static void model() throws Exception {
    base = tmp.resolve("gen");
    v1 = ServeTestSupport.mlp(base, 1, 5);
  }

  /** Starts a server whose first model run waits for {@link #release}. */
  private void start(ServeConfig.Builder config) throws Exception {
    server =
        ModelServer.start(
            config.port(0).pollMillis(0).build(),
            line -> {},
            runner ->
                (model, sig, inputs) -> {
                  if (entered.getCount() > 0) {
                    entered.countDown();
                    release.await();
                  }
                  return runner.run(model, sig, inputs);
                });
    client = new Client(server);
  }

  @AfterEach
  void stop() {
    release.countDown();
    clients.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  private CompletableFuture<Reply> postAsync(String body) {
    return CompletableFuture.supplyAsync(() -> client.post("/v1/models/gen:predict", body), clients);
  }

  private long metric(String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\d+)$")
        .matcher(client.get("/monitoring/metrics").body());
    assertThat(m.find()).as(name).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Waits (without a time assertion) until the condition holds. */
  private static void await(BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition never held").isLessThan(end);
      Thread.sleep(5);
    }
  }

  /** Occupies the single batch thread with a request held in the model. */
  private CompletableFuture<Reply> holdBatchThread() throws Exception {
    CompletableFuture<Reply> first = postAsync("{\"instances\": [[0, 0]]}");
    assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
    return first;
  }

  @Test
  void concurrentRequestsAreMergedIntoOneRunAndEachGetsItsOwnRows() throws Exception {
    start(ServeConfig.builder(base).batching(64, 0, 1, 64));
    CompletableFuture<Reply> first = holdBatchThread();
    List<float[]> zs = new ArrayList<>();
    List<CompletableFuture<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      float[] z = new float[2 * (1 + i % 3)];
      for (int j = 0; j < z.length; j++) {
        z[j] = i + 0.25f * j - 1;
      }
      zs.add(z);
      replies.add(postAsync("{\"instances\": " + ServeTestSupport.rows(z, 2) + "}"));
    }
    await(() -> metric("bgan_serve_queue_depth") == 6);
    release.countDown();
    assertThat(first.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
    for (int i = 0; i < 6; i++) {
      Reply r = replies.get(i).get(60, TimeUnit.SECONDS);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      float[] got = ServeTestSupport.floats(((Map<?, ?>) r.json()).get("predictions"));
      assertThat(got).as("request %d", i)
          .containsExactly(ServeTestSupport.directSamples(v1, zs.get(i), 2), within(1e-5f));
    }
    assertThat(metric("bgan_serve_batches_total")).isEqualTo(2); // the held one + one merged
    assertThat(metric("bgan_serve_batched_requests_total")).isEqualTo(7);
    assertThat(metric("bgan_serve_batched_instances_total")).isEqualTo(1 + 2 * (1 + 2 + 3));
  }

  @Test
  void aFullQueueAnswers503WithRetryAfter() throws Exception {
    start(ServeConfig.builder(base).batching(64, 0, 1, 2));
    CompletableFuture<Reply> first = holdBatchThread();
    CompletableFuture<Reply> q1 = postAsync("{\"instances\": [[1, 1]]}");
    CompletableFuture<Reply> q2 = postAsync("{\"inputs\": {\"num\": 2, \"seed\": 3}}");
    await(() -> metric("bgan_serve_queue_depth") == 2);
    Reply full = client.post("/v1/models/gen:predict", "{\"instances\": [[2, 2]]}");
    assertThat(full.error(503)).contains("queue is full");
    assertThat(full.retryAfter()).isEqualTo("1");
    assertThat(metric("bgan_serve_queue_rejections_total")).isEqualTo(1);
    release.countDown();
    for (CompletableFuture<Reply> r : List.of(first, q1, q2)) {
      assertThat(r.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
    assertThat(client.post("/v1/models/gen:predict", "{\"instances\": [[2, 2]]}").status())
        .isEqualTo(200);
  }

  @Test
  void aRequestNotAnsweredInTimeGets504AndTheServerCarriesOn() throws Exception {
    start(ServeConfig.builder(base).requestTimeoutMillis(300));
    CompletableFuture<Reply> first = holdBatchThread();
    assertThat(first.get(60, TimeUnit.SECONDS).error(504)).contains("timed out after 300 ms");
    release.countDown();
    assertThat(client.post("/v1/models/gen:predict", "{\"instances\": [[2, 2]]}").status())
        .isEqualTo(200);
  }

  @Test
  void stopFinishesRequestsInFlightAndRefusesNewOnes() throws Exception {
    start(ServeConfig.builder(base));
    CompletableFuture<Reply> inFlight = holdBatchThread();
    CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> server.stop(60_000), clients);
    await(() -> client.get("/v1/models/gen").status() == 503);
    assertThat(client.get("/v1/models/gen").error(503)).contains("shutting down");
    assertThat(stopping).isNotDone();
    release.countDown();
    Reply r = inFlight.get(60, TimeUnit.SECONDS);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    stopping.get(60, TimeUnit.SECONDS);
    assertThatThrownBy(() -> client.get("/v1/models/gen")).hasMessageContaining("failed");
  }
}
