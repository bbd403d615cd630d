package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.bgan.serve.ServeTestSupport.Client;
import org.bgan.serve.ServeTestSupport.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Version handling: a model directory that gains new versions while the server runs. */
class ModelManagerTest {
  static final String Z = "[[0.3, -0.7], [1.0, 0.5]]";
  static final float[] Z_FLAT = {0.3f, -0.7f, 1.0f, 0.5f};

  @TempDir Path tmp;
  private ModelServer server;
  private Client client;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  private void start(Path base, Batcher.Runner<ServableModel> hold) throws Exception {
    server =
        ModelServer.start(
            // two batch threads: a held run must not keep the other requests waiting
            ServeConfig.builder(base).port(0).pollMillis(100).batching(64, 0, 2, 256).build(),
            line -> {},
            runner -> hold == null ? runner : hold);
    client = new Client(server);
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition never held").isLessThan(end);
      Thread.sleep(20);
    }
  }

  /** version → state from the status endpoint. */
  private Map<String, String> states() {
    Map<String, String> out = new java.util.TreeMap<>();
    Map<?, ?> s = (Map<?, ?>) client.get("/v1/models/gen").json();
    for (Object o : (List<?>) s.get("model_version_status")) {
      Map<?, ?> v = (Map<?, ?>) o;
      out.put((String) v.get("version"), (String) v.get("state"));
    }
    return out;
  }

  private float[] predict() {
    Reply r = client.post("/v1/models/gen:predict", "{\"instances\": " + Z + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return ServeTestSupport.floats(((Map<?, ?>) r.json()).get("predictions"));
  }

  private static boolean close(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-5f) {
        return false;
      }
    }
    return a.length == b.length;
  }

  @Test
  void aNewVersionWrittenWhileRequestsRunIsServedWithoutAnError() throws Exception {
    Path base = tmp.resolve("gen");
    Path v1 = ServeTestSupport.mlp(base, 1, 21);
    float[] want1 = ServeTestSupport.directSamples(v1, Z_FLAT, 2);
    start(base, null);
    ServableModel first = server.models.acquire(null);
    first.release();

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger done = new AtomicInteger();
    List<List<Object>> perThread = new ArrayList<>();
    List<CompletableFuture<Void>> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      List<Object> seen = new CopyOnWriteArrayList<>(); // float[] results, or the failed reply
      perThread.add(seen);
      threads.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          Reply r = client.post("/v1/models/gen:predict", "{\"instances\": " + Z + "}");
          seen.add(r.status() == 200 ? ServeTestSupport.floats(((Map<?, ?>) r.json()).get("predictions")) : r);
          done.incrementAndGet();
        }
      }, pool));
    }
    await(() -> done.get() >= 40);
    Path v2 = ServeTestSupport.mlp(base, 2, 22); // written in place, as an export does
    float[] want2 = ServeTestSupport.directSamples(v2, Z_FLAT, 2);
    assertThat(close(want1, want2)).as("the versions differ").isFalse();
    await(() -> "AVAILABLE".equals(states().get("2")));
    int atSwitch = done.get();
    await(() -> done.get() >= atSwitch + 40);
    running.set(false);
    CompletableFuture.allOf(threads.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);

    int ones = 0;
    int twos = 0;
    for (List<Object> seen : perThread) {
      boolean switched = false;
      for (Object o : seen) {
        assertThat(o).as("every request answered 200").isInstanceOf(float[].class);
        float[] f = (float[]) o;
        if (close(f, want2)) {
          switched = true;
          twos++;
        } else {
          assertThat(close(f, want1)).as("result of version 1 or 2").isTrue();
          assertThat(switched).as("a client never goes back to version 1").isFalse();
          ones++;
        }
      }
    }
    assertThat(ones).isPositive();
    assertThat(twos).isPositive();
    assertThat(states()).isEqualTo(Map.of("1", "END", "2", "AVAILABLE"));
    assertThat(client.post("/v1/models/gen/versions/1:predict", "{\"instances\": " + Z + "}").error(400))
        .contains("Specific(gen, 1)");
    assertThat(predict()).containsExactly(want2, within(1e-5f));
    await(first::isClosed); // version 1's session and graph were released
  }

  @Test
  void aRequestInFlightDuringTheSwitchCompletesOnItsVersion() throws Exception {
    Path base = tmp.resolve("gen");
    Path v1 = ServeTestSupport.mlp(base, 1, 31);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start(base, (model, sig, inputs) -> {
      if (entered.getCount() > 0) {
        entered.countDown();
        release.await();
      }
      return model.run(sig, inputs);
    });
    ServableModel first = server.models.acquire(null);
    first.release();
    CompletableFuture<float[]> held = CompletableFuture.supplyAsync(this::predict, pool);
    assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
    Path v2 = ServeTestSupport.mlp(base, 2, 32);
    await(() -> "AVAILABLE".equals(states().get("2")));
    assertThat(first.isClosed()).as("version 1 stays open while its request runs").isFalse();
    assertThat(predict()).containsExactly(ServeTestSupport.directSamples(v2, Z_FLAT, 2), within(1e-5f));
    release.countDown();
    assertThat(held.get(60, TimeUnit.SECONDS))
        .containsExactly(ServeTestSupport.directSamples(v1, Z_FLAT, 2), within(1e-5f));
    await(first::isClosed);
  }

  @Test
  void aBrokenOrForeignVersionIsRefusedAndTheCurrentOneKeepsServing() throws Exception {
    Path base = tmp.resolve("gen");
    Path v1 = ServeTestSupport.mlp(base, 1, 41);
    float[] want1 = ServeTestSupport.directSamples(v1, Z_FLAT, 2);
    start(base, null);

    Files.createDirectories(base.resolve("3/variables"));
    Files.write(base.resolve("3/saved_model.pb"), new byte[] {1, 2, 3, 4, 5});
    await(() -> "END".equals(states().get("3")));
    assertThat(errorOf("3")).contains("cannot load the SavedModel in");
    assertThat(states().get("1")).isEqualTo("AVAILABLE");
    assertThat(predict()).containsExactly(want1, within(1e-5f));

    exportWithoutGeneratorSignatures(base.resolve("4"));
    await(() -> "END".equals(states().get("4")));
    assertThat(errorOf("4")).contains("lacks signature 'serving_default' and 'sample'")
        .contains("it has: 'generate' (inputs: x float32 [-1, 2]; outputs: y float32 [-1, 2])");
    assertThat(states().get("1")).isEqualTo("AVAILABLE");
    assertThat(predict()).containsExactly(want1, within(1e-5f));
    assertThat(client.get("/monitoring/metrics").body()).contains("bgan_serve_model_load_failures_total 2\n");

    Path v5 = ServeTestSupport.mlp(base, 5, 45);
    await(() -> "AVAILABLE".equals(states().get("5")));
    assertThat(predict()).containsExactly(ServeTestSupport.directSamples(v5, Z_FLAT, 2), within(1e-5f));
  }

  private String errorOf(String version) {
    Map<?, ?> s = (Map<?, ?>) client.get("/v1/models/gen/versions/" + version).json();
    Map<?, ?> v = (Map<?, ?>) ((List<?>) s.get("model_version_status")).get(0);
    Map<?, ?> status = (Map<?, ?>) v.get("status");
    assertThat(status.get("error_code")).isEqualTo("UNKNOWN");
    return (String) status.get("error_message");
  }

  /** A valid SavedModel whose only signature is 'generate': x → y = 2x. */
  static void exportWithoutGeneratorSignatures(Path dir) throws Exception {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      var w = tf.variable(tf.constant(2f));
      var y = tf.math.mul(x, w);
      try (Session s = new Session(g)) {
        s.initialize();
        SavedModelBundle.exporter(dir.toString())
            .withFunction(SessionFunction.create(
                Signature.builder().key("generate").input("x", x).output("y", y).build(), s))
            .export();
      }
    }
  }
}
