package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Tiny generator SavedModels, an HTTP client for the server, and a direct TF reference. */
final class ServeTestSupport {
  static final int Z_DIM_MLP = 2;
  static final int Z_DIM_IMAGE = 4;

  private ServeTestSupport() {}

  /** A small 2-D generator (2 → 32 → 32 → 2) as {@code base/version}. */
  static Path mlp(Path base, long version, long seed) throws IOException {
    Path dir = base.resolve(Long.toString(version));
    ExampleGenerator.exportMlp(dir, Z_DIM_MLP, 32, 2, seed);
    return dir;
  }

  /** A small image generator (z 4 → 4×3×3 images) as {@code base/version}. */
  static Path image(Path base, long version, long seed) throws IOException {
    Path dir = base.resolve(Long.toString(version));
    ExampleGenerator.exportImage(dir, Z_DIM_IMAGE, 4, 3, 3, seed);
    return dir;
  }

  /** {@code samples} for {@code z} straight from TensorFlow, without the server. */
  static float[] directSamples(Path versionDir, float[] z, int zDim) {
    try (SavedModelBundle b = SavedModelBundle.load(versionDir.toString(), "serve");
        TFloat32 in = TFloat32.tensorOf(Shape.of(z.length / zDim, zDim), DataBuffers.of(z));
        org.tensorflow.Result r = b.function("serving_default").call(Map.of("z", in))) {
      Tensor s = r.get("samples").orElseThrow();
      float[] out = new float[(int) s.shape().size()];
      s.asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  /** A response: status, body, and the headers we look at. */
  record Reply(int status, String body, String contentType, String allow, String retryAfter) {
    Object json() {
      try {
        return Json.parse(body, 64);
      } catch (Json.ParseException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    /** The message of a TF Serving error body, checking its shape and the status. */
    String error(int expectedStatus) {
      assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
      assertThat(contentType).isEqualTo("application/json");
      Object j = json();
      assertThat(j).isInstanceOf(Map.class);
      assertThat(((Map<?, ?>) j).keySet()).isEqualTo(java.util.Set.of("error"));
      return (String) ((Map<?, ?>) j).get("error");
    }
  }

  static final class Client {
    private final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    final String base;

    Client(ModelServer server) {
      this.base = "http://127.0.0.1:" + server.port();
    }

    Reply send(String method, String path, String contentType, byte[] body) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
      if (contentType != null) {
        b.header("Content-Type", contentType);
      }
      b.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      try {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(
            r.statusCode(),
            r.body(),
            r.headers().firstValue("Content-Type").orElse(null),
            r.headers().firstValue("Allow").orElse(null),
            r.headers().firstValue("Retry-After").orElse(null));
      } catch (IOException e) {
        throw new AssertionError(method + " " + path + " failed: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    Reply get(String path) {
      return send("GET", path, null, null);
    }

    Reply post(String path, String json) {
      return send("POST", path, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /** Flattens nested JSON arrays of numbers into floats. */
  static float[] floats(Object json) {
    java.util.ArrayList<Float> out = new java.util.ArrayList<>();
    flatten(json, out);
    float[] f = new float[out.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = out.get(i);
    }
    return f;
  }

  private static void flatten(Object v, List<Float> out) {
    if (v instanceof List) {
      for (Object e : (List<?>) v) {
        flatten(e, out);
      }
    } else {
      out.add(Float.parseFloat(((Json.Num) v).text()));
    }
  }

  /** {@code [[a, b], [c, d], ...]} for a flat array of rows of {@code width}. */
  static String rows(float[] flat, int width) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < flat.length; i += width) {
      b.append(i > 0 ? ", " : "").append('[');
      for (int j = 0; j < width; j++) {
        b.append(j > 0 ? ", " : "").append(flat[i + j]);
      }
      b.append(']');
    }
    return b.append(']').toString();
  }
}
