package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.bgan.serve.ServeTestSupport.Client;
import org.bgan.serve.ServeTestSupport.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint and every error of the REST API, on a 2-D and an image generator. */
class RestApiTest {
  static final int MAX_INSTANCES = 8;
  static final long MAX_BODY = 64 * 1024;
  /** The image model's outputs hold 72 numbers per instance (samples + images, 4x3x3 each). */
  static final long MAX_IMAGE_VALUES = 72 * 10;

  @TempDir static Path tmp;
  static Path gen1;
  static Path img1;
  static ModelServer gen;
  static ModelServer img;
  static Client g;
  static Client im;
  static final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    gen1 = ServeTestSupport.mlp(tmp.resolve("gen"), 1, 11);
    img1 = ServeTestSupport.image(tmp.resolve("img"), 1, 12);
    gen =
        ModelServer.start(
            ServeConfig.builder(tmp.resolve("gen")).port(0).pollMillis(0)
                .limits(MAX_INSTANCES, ServeConfig.DEFAULT_MAX_RESPONSE_VALUES, MAX_BODY).build(),
            log::add);
    img = ModelServer.start(ServeConfig.builder(tmp.resolve("img")).port(0).pollMillis(0)
                .limits(ServeConfig.DEFAULT_MAX_INSTANCES, MAX_IMAGE_VALUES, MAX_BODY).build(), log::add);
    g = new Client(gen);
    im = new Client(img);
  }

  @AfterAll
  static void stop() {
    if (gen != null) {
      gen.close();
    }
    if (img != null) {
      img.close();
    }
  }

  private static Map<?, ?> ok(Reply r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo("application/json");
    return (Map<?, ?>) r.json();
  }

  private static float[] randomZ(int rows, int dim, long seed) {
    Random rnd = new Random(seed);
    float[] z = new float[rows * dim];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) rnd.nextGaussian();
    }
    return z;
  }

  // ---- status and metadata ----

  @Test
  void statusInTfServingShape() {
    Map<?, ?> s = ok(g.get("/v1/models/gen"));
    assertThat(s.keySet()).isEqualTo(java.util.Set.of("model_version_status"));
    List<?> versions = (List<?>) s.get("model_version_status");
    assertThat(versions).hasSize(1);
    Map<?, ?> v = (Map<?, ?>) versions.get(0);
    assertThat(v.get("version")).isEqualTo("1");
    assertThat(v.get("state")).isEqualTo("AVAILABLE");
    assertThat(v.get("status")).isEqualTo(Map.of("error_code", "OK", "error_message", ""));
    assertThat(ok(g.get("/v1/models/gen/versions/1"))).isEqualTo(s);
  }

  @Test
  void metadataListsBothSignaturesWithDtypesAndShapes() {
    Map<?, ?> m = ok(g.get("/v1/models/gen/metadata"));
    assertThat(m.get("model_spec"))
        .isEqualTo(Map.of("name", "gen", "signature_name", "", "version", "1"));
    Map<?, ?> defs =
        (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) m.get("metadata")).get("signature_def")).get("signature_def");
    assertThat(defs.keySet()).isEqualTo(java.util.Set.of("serving_default", "sample"));
    Map<?, ?> serving = (Map<?, ?>) defs.get("serving_default");
    Map<?, ?> z = (Map<?, ?>) ((Map<?, ?>) serving.get("inputs")).get("z");
    assertThat(z.get("dtype")).isEqualTo("DT_FLOAT");
    assertThat(z.get("name")).isEqualTo("z:0");
    Map<?, ?> shape = (Map<?, ?>) z.get("tensor_shape");
    assertThat(shape.get("unknown_rank")).isEqualTo(Boolean.FALSE);
    assertThat((List<?>) shape.get("dim"))
        .isEqualTo(List.of(Map.of("size", "-1", "name", ""), Map.of("size", "2", "name", "")));
    assertThat(serving.get("method_name")).isEqualTo("tensorflow/serving/predict");
    Map<?, ?> sample = (Map<?, ?>) defs.get("sample");
    assertThat(((Map<?, ?>) sample.get("inputs")).keySet()).isEqualTo(java.util.Set.of("num", "seed"));
    assertThat(((Map<?, ?>) ((Map<?, ?>) sample.get("inputs")).get("seed")).get("dtype")).isEqualTo("DT_INT64");
    assertThat(ok(g.get("/v1/models/gen/versions/1/metadata"))).isEqualTo(m);
  }

  // ---- predict ----

  @Test
  void predictRowFormatMatchesTensorFlowDirectly() {
    float[] z = randomZ(3, 2, 1);
    float[] want = ServeTestSupport.directSamples(gen1, z, 2);
    Map<?, ?> bare = ok(g.post("/v1/models/gen:predict", "{\"instances\": " + ServeTestSupport.rows(z, 2) + "}"));
    List<?> preds = (List<?>) bare.get("predictions");
    assertThat(preds).hasSize(3);
    assertThat(ServeTestSupport.floats(preds)).containsExactly(want, within(1e-6f));

    StringBuilder named = new StringBuilder("{\"instances\": [");
    for (int i = 0; i < 3; i++) {
      named.append(i > 0 ? ", " : "").append("{\"z\": [").append(z[2 * i]).append(", ").append(z[2 * i + 1]).append("]}");
    }
    Map<?, ?> byName = ok(g.post("/v1/models/gen/versions/1:predict", named.append("]}").toString()));
    assertThat(byName).isEqualTo(bare);
  }

  @Test
  void predictColumnarFormat() {
    float[] z = randomZ(2, 2, 2);
    float[] want = ServeTestSupport.directSamples(gen1, z, 2);
    Map<?, ?> named = ok(g.post("/v1/models/gen:predict", "{\"inputs\": {\"z\": " + ServeTestSupport.rows(z, 2) + "}}"));
    assertThat(named.keySet()).isEqualTo(java.util.Set.of("outputs"));
    assertThat(ServeTestSupport.floats(named.get("outputs"))).containsExactly(want, within(1e-6f));
    Map<?, ?> bare = ok(g.post("/v1/models/gen:predict", "{\"inputs\": " + ServeTestSupport.rows(z, 2) + "}"));
    assertThat(bare).isEqualTo(named);
    Map<?, ?> explicit = ok(g.post("/v1/models/gen:predict",
        "{\"signature_name\": \"serving_default\", \"inputs\": {\"z\": " + ServeTestSupport.rows(z, 2) + "}}"));
    assertThat(explicit).isEqualTo(named);
  }

  @Test
  void sampleByCountAndSeedIsReproducibleAndMatchesItsZ() {
    String body = "{\"inputs\": {\"num\": 5, \"seed\": 7}}";
    Map<?, ?> a = ok(g.post("/v1/models/gen:predict", body));
    Map<?, ?> outputs = (Map<?, ?>) a.get("outputs");
    assertThat(outputs.keySet()).isEqualTo(java.util.Set.of("z", "samples"));
    assertThat((List<?>) outputs.get("z")).hasSize(5);
    assertThat((List<?>) outputs.get("samples")).hasSize(5);
    assertThat(ok(g.post("/v1/models/gen:predict", body))).isEqualTo(a);
    assertThat(ok(g.post("/v1/models/gen:predict",
            "{\"signature_name\": \"sample\", \"inputs\": {\"seed\": 7, \"num\": 5}}")))
        .isEqualTo(a);
    Map<?, ?> other = ok(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": 5, \"seed\": 8}}"));
    assertThat(other).isNotEqualTo(a);
    // the samples are the generator applied to the returned z
    float[] z = ServeTestSupport.floats(outputs.get("z"));
    assertThat(ServeTestSupport.floats(outputs.get("samples")))
        .containsExactly(ServeTestSupport.directSamples(gen1, z, 2), within(1e-5f));
  }

  @Test
  void imageGeneratorReturnsSamplesAndImagesAsArraysOrPng() throws Exception {
    float[] z = randomZ(2, ServeTestSupport.Z_DIM_IMAGE, 3);
    String zs = ServeTestSupport.rows(z, ServeTestSupport.Z_DIM_IMAGE);
    Map<?, ?> arrays = ok(im.post("/v1/models/img:predict", "{\"instances\": " + zs + "}"));
    List<?> preds = (List<?>) arrays.get("predictions");
    assertThat(preds).hasSize(2);
    Map<?, ?> first = (Map<?, ?>) preds.get(0);
    assertThat(first.keySet()).isEqualTo(java.util.Set.of("samples", "images"));
    float[] samples = ServeTestSupport.floats(first.get("samples"));
    float[] images = ServeTestSupport.floats(first.get("images"));
    assertThat(samples).hasSize(4 * 3 * 3);
    for (int i = 0; i < samples.length; i++) {
      assertThat(samples[i]).isBetween(-1f, 1f);
      assertThat(images[i]).isCloseTo(Math.round((samples[i] + 1) * 127.5f), within(1f));
    }

    Map<?, ?> png = ok(im.post("/v1/models/img:predict", "{\"instances\": " + zs + ", \"image_format\": \"png\"}"));
    Map<?, ?> pngFirst = (Map<?, ?>) ((List<?>) png.get("predictions")).get(0);
    assertThat(pngFirst.get("samples")).isEqualTo(first.get("samples"));
    String b64 = (String) ((Map<?, ?>) pngFirst.get("images")).get("b64");
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b64)));
    assertThat(decoded.getHeight()).isEqualTo(4);
    assertThat(decoded.getWidth()).isEqualTo(3);
    int[] px = new int[3];
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 3; x++) {
        decoded.getRaster().getPixel(x, y, px);
        for (int c = 0; c < 3; c++) {
          assertThat((float) px[c]).isEqualTo(images[(y * 3 + x) * 3 + c]);
        }
      }
    }

    Map<?, ?> sampled = ok(im.post("/v1/models/img:predict", "{\"inputs\": {\"num\": 3, \"seed\": 1}, \"image_format\": \"png\"}"));
    List<?> pngs = (List<?>) ((Map<?, ?>) sampled.get("outputs")).get("images");
    assertThat(pngs).hasSize(3).allSatisfy(p -> assertThat(((Map<?, ?>) p).keySet()).isEqualTo(java.util.Set.of("b64")));
  }

  // ---- errors ----

  @Test
  void badJsonIs400() {
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [[1, 2]").error(400)).startsWith("JSON Parse error");
    assertThat(g.post("/v1/models/gen:predict", "").error(400)).contains("empty body");
    assertThat(g.post("/v1/models/gen:predict", "[1, 2]").error(400)).contains("must be a JSON object");
    assertThat(g.post("/v1/models/gen:predict", "{}").error(400)).contains("Missing \"instances\" or \"inputs\"");
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [[1, 2]], \"inputs\": [[1, 2]]}").error(400))
        .contains("both");
    assertThat(g.post("/v1/models/gen:predict", "{\"instance\": [[1, 2]]}").error(400))
        .contains("unknown key \"instance\"");
    assertThat(g.post("/v1/models/gen:predict", "{\"signature_name\": 3, \"inputs\": [[1, 2]]}").error(400))
        .contains("signature_name");
  }

  @Test
  void wrongShapesAre400() {
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [[1, 2, 3]]}").error(400))
        .contains("input 'z' has shape [1, 3] but the signature expects [-1, 2]");
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [[1, 2], [3]]}").error(400)).contains("ragged");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"z\": [1, 2]}}").error(400)).contains("has shape [2]");
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": []}").error(400)).contains("non-empty");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"z\": []}}").error(400)).contains("has shape [0]");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": [3], \"seed\": 1}}").error(400))
        .contains("input 'num' has shape [1]");
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [{\"num\": 3, \"seed\": 1}], \"signature_name\": \"sample\"}").error(400))
        .contains("columnar form");
  }

  @Test
  void wrongDtypesAre400() {
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [[\"a\", \"b\"]]}").error(400))
        .contains("float32 and expects numbers, found string");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": 2.5, \"seed\": 1}}").error(400))
        .contains("int32 and expects integers");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": 2, \"seed\": \"7\"}}").error(400))
        .contains("int64");
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [[{\"b64\": \"AAAA\"}, 1]]}").error(400))
        .contains("found object");
  }

  @Test
  void unknownInputsSignaturesAndMissingInputsAre400() {
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": 2}}").error(400))
        .contains("missing input 'seed'");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"z\": [[1, 2]], \"w\": 1}}").error(400))
        .contains("unknown input 'w'");
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": [{\"z\": [1, 2]}, {\"y\": [1, 2]}]}").error(400))
        .contains("unknown input 'y'");
    assertThat(g.post("/v1/models/gen:predict", "{\"signature_name\": \"nope\", \"inputs\": [[1, 2]]}").error(400))
        .contains("\"nope\" not found").contains("sample").contains("serving_default");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": [[1, 2]], \"image_format\": \"png\"}").error(400))
        .contains("needs an 'images' output");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": [[1, 2]], \"image_format\": \"jpeg\"}").error(400))
        .contains("image_format");
  }

  @Test
  void unknownModelOrVersionIs400() {
    assertThat(g.post("/v1/models/other:predict", "{\"instances\": [[1, 2]]}").error(400))
        .contains("Servable not found for request: Latest(other)");
    assertThat(g.post("/v1/models/gen/versions/2:predict", "{\"instances\": [[1, 2]]}").error(400))
        .contains("Specific(gen, 2)");
    assertThat(g.get("/v1/models/other").error(400)).contains("Latest(other)");
    assertThat(g.get("/v1/models/gen/versions/3").error(400)).contains("Could not find version 3");
    assertThat(g.get("/v1/models/gen/versions/3/metadata").error(400)).contains("Specific(gen, 3)");
    assertThat(g.get("/v1/models/gen/versions/x1").error(400)).contains("Failed to convert version");
    assertThat(g.get("/v1/models/gen/labels/stable").error(400)).contains("labels are not supported");
    assertThat(g.get("/v1/models").error(400)).contains("Missing model name");
  }

  @Test
  void tooManyInstancesIs400() {
    float[] z = randomZ(MAX_INSTANCES + 1, 2, 4);
    assertThat(g.post("/v1/models/gen:predict", "{\"instances\": " + ServeTestSupport.rows(z, 2) + "}").error(400))
        .contains("too many instances: 9").contains("--max-instances");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": 9, \"seed\": 1}}").error(400))
        .contains("too many instances: 9");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": 0, \"seed\": 1}}").error(400))
        .contains("at least 1");
    assertThat(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": -4, \"seed\": 1}}").error(400))
        .contains("at least 1");
    assertThat(ok(g.post("/v1/models/gen:predict", "{\"inputs\": {\"num\": 8, \"seed\": 1}}"))).isNotNull();
  }

  @Test
  void aResponseOverTheValueLimitIs400() {
    float[] z = randomZ(11, ServeTestSupport.Z_DIM_IMAGE, 5);
    assertThat(im.post("/v1/models/img:predict", "{\"instances\": " + ServeTestSupport.rows(z, 4) + "}").error(400))
        .contains("the response would carry 792 numbers, over the limit of 720 (--max-response-values)");
    ok(im.post("/v1/models/img:predict", "{\"instances\": " + ServeTestSupport.rows(java.util.Arrays.copyOf(z, 40), 4) + "}"));
    // the sample signature also returns z: 76 numbers per instance
    assertThat(im.post("/v1/models/img:predict", "{\"inputs\": {\"num\": 10, \"seed\": 1}}").error(400))
        .contains("760 numbers");
    ok(im.post("/v1/models/img:predict", "{\"inputs\": {\"num\": 9, \"seed\": 1}}"));
  }

  @Test
  void bodyOverTheLimitIs413() {
    StringBuilder big = new StringBuilder("{\"instances\": [");
    while (big.length() < MAX_BODY + 100) {
      big.append("[0.1234567, 0.1234567],");
    }
    big.append("[0, 0]]}");
    assertThat(g.post("/v1/models/gen:predict", big.toString()).error(413)).contains("larger than 65536 bytes");
    assertThat(ok(g.get("/v1/models/gen"))).isNotNull();
  }

  /** Percent-encoded URLs mean what they decode to (some HTTP clients encode the ':' of ':predict'). */
  @Test
  void percentEncodedPathsAreDecoded() {
    float[] z = {0.5f, -1f};
    Map<?, ?> plain = ok(g.post("/v1/models/gen:predict", "{\"instances\": " + ServeTestSupport.rows(z, 2) + "}"));
    assertThat(ok(g.post("/v1/models/gen%3Apredict", "{\"instances\": " + ServeTestSupport.rows(z, 2) + "}")))
        .isEqualTo(plain);
    assertThat(ok(g.get("/v1/models/g%65n/versions/1"))).isEqualTo(ok(g.get("/v1/models/gen/versions/1")));
    assertThat(g.get("/v1/models/ge%20n").error(400)).contains("Servable not found for request: Latest(ge n)");
  }

  @Test
  void unknownPathsAre404() {
    for (String path : new String[] {"/", "/v2/models/gen", "/v1/models/gen/bogus", "/v1/models/gen/versions/1/x",
        "/monitoring", "/v1/models/gen/versions/1/metadata/x"}) {
      assertThat(g.get(path).error(404)).as(path).contains("Not found");
    }
    assertThat(g.post("/v1/models/gen:explain", "{}").error(404)).contains(":explain");
    assertThat(g.post("/v1/models/gen:classify", "{}").error(400)).contains("not supported");
  }

  @Test
  void wrongMethodsAre405WithAllow() {
    Reply r = g.get("/v1/models/gen:predict");
    assertThat(r.error(405)).contains("use POST");
    assertThat(r.allow()).isEqualTo("POST");
    Reply put = g.send("PUT", "/v1/models/gen:predict", "application/json", "{}".getBytes());
    assertThat(put.error(405)).contains("PUT");
    for (String path : new String[] {"/v1/models/gen", "/v1/models/gen/metadata", "/monitoring/metrics"}) {
      Reply p = g.post(path, "{}");
      assertThat(p.error(405)).as(path).contains("use GET");
      assertThat(p.allow()).isEqualTo("GET");
    }
    assertThat(g.send("DELETE", "/v1/models/gen", null, null).error(405)).contains("DELETE");
  }

  @Test
  void metricsPageCountsRequestsErrorsAndLatency() {
    ok(g.post("/v1/models/gen:predict", "{\"instances\": [[0, 0]]}"));
    g.post("/v1/models/gen:predict", "{").error(400);
    Reply m = g.get("/monitoring/metrics");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.contentType()).startsWith("text/plain");
    assertThat(m.body())
        .containsPattern("bgan_serve_requests_total\\{endpoint=\"predict\",code=\"200\"\\} [1-9]")
        .containsPattern("bgan_serve_requests_total\\{endpoint=\"predict\",code=\"400\"\\} [1-9]")
        .containsPattern("bgan_serve_errors_total [1-9]")
        .containsPattern("bgan_serve_request_latency_seconds\\{endpoint=\"predict\",quantile=\"0.99\"\\} 0\\.\\d+")
        .contains("bgan_serve_model_version 1\n")
        .containsPattern("bgan_serve_batches_total [1-9]");
    assertThat(g.get("/monitoring/prometheus/metrics").body()).contains("bgan_serve_requests_total");
  }

  @Test
  void accessLineFormatsTheLatencyInMilliseconds() {
    java.time.Instant at = java.time.Instant.parse("2026-11-23T15:00:00.123Z");
    assertThat(RestApi.accessLine(at, "POST", "/v1/models/gen:predict", 200, 1_234_567, 42))
        .isEqualTo("2026-11-23T15:00:00.123Z POST /v1/models/gen:predict 200 1.234ms 42B");
    assertThat(RestApi.accessLine(at, "GET", "/x", 404, 5_000, 0)).endsWith(" 404 0.005ms 0B");
    assertThat(RestApi.accessLine(at, "GET", "/x", 200, 12_050_000, 7)).endsWith(" 12.050ms 7B");
  }

  @Test
  void eachRequestIsLoggedWithItsLatency() {
    ok(g.post("/v1/models/gen:predict", "{\"instances\": [[0.5, 0.5]]}"));
    List<String> lines = new ArrayList<>(log);
    assertThat(lines).anySatisfy(l -> assertThat(l)
        .matches("\\S+Z POST /v1/models/gen:predict 200 \\d+\\.\\d{3}ms \\d+B"));
  }
}
