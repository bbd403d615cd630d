package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bgan.serve.ServeTestSupport.Client;
import org.bgan.serve.ServeTestSupport.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed input never takes the server down: truncated JSON, huge numbers, NaN, negative counts,
 * deep nesting, wrong content types, random mutations (seeded) and broken HTTP. After each test a
 * good request must still get the right answer, and no request may have got a 5xx.
 */
class ServeFuzzTest {
  static final String PREDICT = "/v1/models/gen:predict";
  static final String[] VALID = {
    "{\"instances\": [[0.5, -1.25], [2, 3]]}",
    "{\"instances\": [{\"z\": [0.5, -1.25]}, {\"z\": [2, 3]}]}",
    "{\"inputs\": {\"z\": [[0.5, -1.25]]}}",
    "{\"inputs\": {\"num\": 3, \"seed\": 7}}",
    "{\"signature_name\": \"sample\", \"inputs\": {\"num\": 2, \"seed\": -9}}",
  };

  @TempDir static Path tmp;
  static Path v1;
  static ModelServer server;
  static Client client;

  @BeforeAll
  static void start() throws Exception {
    v1 = ServeTestSupport.mlp(tmp.resolve("gen"), 1, 3);
    server =
        ModelServer.start(
            ServeConfig.builder(tmp.resolve("gen")).port(0).pollMillis(0)
                .limits(64, ServeConfig.DEFAULT_MAX_RESPONSE_VALUES, 256 * 1024).build(),
            line -> {});
    client = new Client(server);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** The server still answers a good request correctly and has never answered 5xx. */
  @AfterEach
  void stillServing() {
    Reply r = client.post(PREDICT, "{\"instances\": [[0.5, -1.25]]}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    float[] got = ServeTestSupport.floats(((Map<?, ?>) r.json()).get("predictions"));
    assertThat(got).containsExactly(
        ServeTestSupport.directSamples(v1, new float[] {0.5f, -1.25f}, 2), within(1e-5f));
    assertThat(client.get("/monitoring/metrics").body()).doesNotContainPattern("code=\"5\\d\\d\"");
  }

  private static void expect(int status, String body) {
    Reply r = client.post(PREDICT, body);
    assertThat(r.status()).as("%s -> %s", abbreviate(body), r.body()).isEqualTo(status);
    if (status != 200) {
      assertThat(r.error(status)).isNotBlank();
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "...(" + s.length() + " chars)" : s;
  }

  @Test
  void everyTruncationOfAValidBodyIs400() {
    for (String body : VALID) {
      expect(200, body);
      for (int n = 0; n < body.length(); n++) {
        expect(400, body.substring(0, n));
      }
    }
  }

  @Test
  void hugeNumbersAre400UnlessTheyFit() {
    expect(400, "{\"instances\": [[1e39, 0]]}");
    expect(400, "{\"instances\": [[1e400, 0]]}");
    expect(400, "{\"instances\": [[-1e999, 0]]}");
    expect(400, "{\"instances\": [[" + "9".repeat(5000) + ", 0]]}");
    expect(200, "{\"instances\": [[123456789012345678901234567890, 1e-45]]}");
    expect(400, "{\"inputs\": {\"num\": 1e10, \"seed\": 1}}");
    expect(400, "{\"inputs\": {\"num\": 99999999999, \"seed\": 1}}");
    expect(400, "{\"inputs\": {\"num\": 2147483647, \"seed\": 1}}");
    expect(400, "{\"inputs\": {\"num\": 2, \"seed\": 9223372036854775808}}");
    expect(200, "{\"inputs\": {\"num\": 2, \"seed\": 9223372036854775807}}");
    expect(200, "{\"inputs\": {\"num\": 2, \"seed\": -9223372036854775808}}");
  }

  @Test
  void nanAndInfinityAre400NamingTheElement() {
    // TF Serving would run them; a generator fed them answers samples that mean nothing (this
    // one's ReLUs even map NaN to ordinary-looking numbers), so they are refused
    Reply r = client.post(PREDICT, "{\"instances\": [[0.5, 0], [NaN, 0]]}");
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.error(400)).startsWith("input 'z' element [1, 0] is NaN; inputs must be finite");
    r = client.post(PREDICT, "{\"inputs\": {\"z\": [[0, -Infinity]]}}");
    assertThat(r.error(400)).startsWith("input 'z' element [0, 1] is -Infinity;");
    r = client.post(PREDICT, "{\"instances\": [{\"z\": [Infinity, 0]}]}");
    assertThat(r.error(400)).startsWith("input 'z' element [0, 0] is Infinity;");
    expect(400, "{\"inputs\": {\"num\": NaN, \"seed\": 1}}");
    expect(400, "{\"inputs\": {\"num\": 2, \"seed\": Infinity}}");
    expect(400, "{\"instances\": [[nan, 0]]}");
  }

  @Test
  void negativeAndZeroCountsAre400() {
    for (String num : new String[] {"-1", "0", "-2147483648", "-0"}) {
      expect(400, "{\"inputs\": {\"num\": " + num + ", \"seed\": 1}}");
    }
  }

  @Test
  void deeplyNestedArraysAndObjectsAre400() {
    expect(400, "{\"instances\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}");
    expect(400, "{\"instances\": " + "[".repeat(40) + "1" + "]".repeat(40) + "}");
    expect(400, "{\"instances\": [[[[[[[1, 2]]]]]]]}");
    StringBuilder objects = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      objects.append("{\"a\": ");
    }
    expect(400, "{\"inputs\": " + objects + "1" + "}".repeat(1001));
  }

  @Test
  void wrongContentTypes() {
    byte[] json = VALID[0].getBytes(StandardCharsets.UTF_8);
    // like TF Serving, the content type is not checked: curl -d sends a form type
    assertThat(client.send("POST", PREDICT, "text/plain", json).status()).isEqualTo(200);
    assertThat(client.send("POST", PREDICT, "application/x-www-form-urlencoded", json).status()).isEqualTo(200);
    assertThat(client.send("POST", PREDICT, null, json).status()).isEqualTo(200);
    // but a body that is not JSON is refused, whatever it claims to be
    byte[] random = new byte[4096];
    new Random(7).nextBytes(random);
    client.send("POST", PREDICT, "application/octet-stream", random).error(400);
    byte[] png = PngEncoder.encode(new byte[12], 0, 2, 2, 3);
    client.send("POST", PREDICT, "image/png", png).error(400);
    String multipart = "--xyz\r\nContent-Disposition: form-data; name=\"instances\"\r\n\r\n[[1, 2]]\r\n--xyz--\r\n";
    client.send("POST", PREDICT, "multipart/form-data; boundary=xyz", multipart.getBytes(StandardCharsets.UTF_8)).error(400);
    client.send("POST", PREDICT, "application/x-www-form-urlencoded", "instances=1,2".getBytes(StandardCharsets.UTF_8)).error(400);
    assertThat(client.send("POST", PREDICT, "application/json", new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}).error(400))
        .contains("not UTF-8");
    client.send("POST", PREDICT, "application/json; charset=utf-16", VALID[0].getBytes(StandardCharsets.UTF_16)).error(400);
  }

  @Test
  void randomMutationsOfValidBodiesNever5xx() throws Exception {
    Random rnd = new Random(20261123);
    String alphabet = "{}[],:\"0123456789.eE+-NaInfityrulsz \\";
    List<String> mutants = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      StringBuilder b = new StringBuilder(VALID[rnd.nextInt(VALID.length)]);
      for (int m = 1 + rnd.nextInt(4); m > 0 && b.length() > 0; m--) {
        int at = rnd.nextInt(b.length());
        switch (rnd.nextInt(4)) {
          case 0 -> b.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
          case 1 -> b.deleteCharAt(at);
          case 2 -> b.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
          default -> b.insert(at, b.substring(at, Math.min(b.length(), at + 1 + rnd.nextInt(20))));
        }
      }
      mutants.add(b.toString());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Reply>> replies = new ArrayList<>();
      for (String m : mutants) {
        replies.add(pool.submit(() -> client.post(PREDICT, m)));
      }
      int ok = 0;
      for (int i = 0; i < mutants.size(); i++) {
        Reply r = replies.get(i).get();
        assertThat(r.status()).as("%s -> %s", mutants.get(i), r.body()).isIn(200, 400);
        if (r.status() == 200) {
          ok++;
        } else {
          assertThat(r.error(400)).isNotBlank();
        }
      }
      assertThat(ok).as("some mutants stay valid").isPositive();
      assertThat(ok).as("most mutants are refused").isLessThan(mutants.size() / 2);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Sends raw bytes on a fresh connection and reads what comes back until the server closes. */
  private static String raw(String request) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (java.net.SocketTimeoutException e) {
      return "";
    }
  }

  @Test
  void brokenHttpDoesNotHurt() throws Exception {
    raw("HELLO\r\n\r\n");
    raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"instances\"");
    raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\n");
    raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}");
    raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}");
    raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    raw("GET /" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    String ok = raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 29\r\n\r\n"
        + "{\"instances\": [[0.5, -1.25]]}");
    assertThat(ok).startsWith("HTTP/1.1 200");
    String chunked = raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n1d\r\n{\"instances\": [[0.5, -1.25]]}\r\n0\r\n\r\n");
    assertThat(chunked).startsWith("HTTP/1.1 200");
  }
}
