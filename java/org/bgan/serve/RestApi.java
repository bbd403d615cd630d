package org.bgan.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * TF Serving's REST API for one generator model: model status, metadata and predict under {@code
 * /v1/models/NAME[/versions/N]}, plus a metrics page. Errors are TF Serving's {@code {"error":
 * "..."}} bodies: 400 for a bad request (JSON, shape, dtype, unknown model or version, too many
 * instances), 404 for an unknown path, 405 for a wrong method, 413 for a body over the limit, 503
 * when the batch queue is full, 504 when a request times out.
 */
final class RestApi implements HttpHandler {
  private static final Pattern PREDICT =
      Pattern.compile(
          "(?i)/v1/models/([^/:]+)(?:/versions/([^/:]+))?(/labels/[^/:]+)?:([^/:]*)");
  private static final Pattern MODEL =
      Pattern.compile(
          "(?i)/v1/models/([^/:]+)(?:/versions/([^/:]+))?(/labels/[^/:]+)?(/metadata)?/?");
  private static final Pattern NO_MODEL = Pattern.compile("(?i)/v1/models/?");
  static final Set<String> METRICS_PATHS =
      Set.of("/monitoring/metrics", "/monitoring/prometheus/metrics");
  private static final Set<String> REQUEST_KEYS =
      Set.of("signature_name", "instances", "inputs", "image_format");

  private final ServeConfig config;
  private final ModelManager models;
  private final Batcher<ServableModel> batcher;
  private final Metrics metrics;
  private final Consumer<String> log;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;

  RestApi(
      ServeConfig config,
      ModelManager models,
      Batcher<ServableModel> batcher,
      Metrics metrics,
      Consumer<String> log) {
    this.config = config;
    this.models = models;
    this.batcher = batcher;
    this.metrics = metrics;
    this.log = log;
  }

  /** A response: status, content type, body and optional extra header. */
  private record Reply(int status, String contentType, byte[] body, String header, String value) {
    static Reply json(int status, String body) {
      return new Reply(status, "application/json", body.getBytes(StandardCharsets.UTF_8), null, null);
    }

    static Reply error(int status, String message) {
      return json(status, Json.errorBody(message));
    }

    Reply with(String name, String headerValue) {
      return new Reply(status, contentType, body, name, headerValue);
    }
  }

  int inFlight() {
    return inFlight.get();
  }

  /** From now on answer 503 to new requests (shutdown); requests in flight complete. */
  void drain() {
    draining = true;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    long t0 = System.nanoTime();
    inFlight.incrementAndGet();
    String method = ex.getRequestMethod();
    // decoded: clients that percent-encode a segment ('gen%3Apredict') mean the same URL; a name has
    // only letters, digits, '.', '_' and '-', so a decoded '/' or ':' can never fall inside one
    String path = ex.getRequestURI().getPath();
    String[] endpoint = {"other"};
    Reply reply;
    try {
      reply = route(ex, method, path, endpoint);
    } catch (ApiException e) {
      reply = Reply.error(e.status, e.getMessage());
      if (e.status == 405) {
        reply = reply.with("Allow", endpoint[0].equals("predict") ? "POST" : "GET");
      } else if (e.status == 503) {
        reply = reply.with("Retry-After", "1");
      } else if (e.status == 413) {
        reply = reply.with("Connection", "close"); // the rest of the body is not read
      }
    } catch (RuntimeException | Error e) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      log.accept("error: internal error on " + method + " " + path + ": " + trace);
      reply = Reply.error(500, "internal error: " + org.bgan.util.Errors.firstLine(e));
    }
    try {
      ex.getResponseHeaders().set("Content-Type", reply.contentType);
      if (reply.header != null) {
        ex.getResponseHeaders().set(reply.header, reply.value);
      }
      ex.sendResponseHeaders(reply.status, reply.body.length == 0 ? -1 : reply.body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(reply.body);
      }
    } catch (IOException e) {
      // the client went away; nothing to tell it
    } finally {
      ex.close();
      long nanos = System.nanoTime() - t0;
      metrics.record(endpoint[0], reply.status, nanos);
      inFlight.decrementAndGet();
      if (config.accessLog()) {
        log.accept(
            accessLine(Instant.now(), method, path, reply.status, nanos, reply.body.length));
      }
    }
  }

  /** {@code <ISO time> <method> <path> <status> <ms with 3 decimals>ms <bytes>B}. */
  static String accessLine(Instant at, String method, String path, int status, long nanos, int bytes) {
    long micros = nanos / 1000;
    StringBuilder b = new StringBuilder(96).append(at).append(' ').append(method).append(' ')
        .append(path).append(' ').append(status).append(' ').append(micros / 1000).append('.');
    long frac = micros % 1000;
    if (frac < 100) {
      b.append(frac < 10 ? "00" : "0");
    }
    return b.append(frac).append("ms ").append(bytes).append('B').toString();
  }

  private Reply route(HttpExchange ex, String method, String path, String[] endpoint)
      throws ApiException {
    if (draining) {
      throw new ApiException(503, "the server is shutting down");
    }
    if (METRICS_PATHS.contains(path)) {
      endpoint[0] = "metrics";
      requireMethod(method, "GET");
      return new Reply(200, "text/plain; version=0.0.4; charset=utf-8",
          metrics.render().getBytes(StandardCharsets.UTF_8), null, null);
    }
    Matcher m = PREDICT.matcher(path);
    if (m.matches()) {
      endpoint[0] = "predict";
      requireMethod(method, "POST");
      String verb = m.group(4).toLowerCase();
      if (!verb.equals("predict")) {
        if (verb.equals("classify") || verb.equals("regress")) {
          throw ApiException.badRequest(
              ":" + verb + " is not supported: a generator has no " + verb
                  + " signature; use :predict");
        }
        throw new ApiException(404, "unknown method ':" + verb + "' in " + path + "; use :predict");
      }
      checkLabel(m.group(3));
      Long version = version(m.group(2));
      checkModelName(m.group(1), version);
      return predict(readBody(ex), version);
    }
    m = MODEL.matcher(path);
    if (m.matches()) {
      boolean metadata = m.group(4) != null;
      endpoint[0] = metadata ? "metadata" : "status";
      requireMethod(method, "GET");
      checkLabel(m.group(3));
      Long version = version(m.group(2));
      checkModelName(m.group(1), version);
      return metadata ? metadata(version) : status(version);
    }
    if (NO_MODEL.matcher(path).matches()) {
      endpoint[0] = "status";
      requireMethod(method, "GET");
      throw ApiException.badRequest("Missing model name in request.");
    }
    throw new ApiException(
        404,
        "Not found: " + method + " " + path + " (this server answers /v1/models/"
            + models.name + "[/versions/N][/metadata], /v1/models/" + models.name
            + "[/versions/N]:predict and /monitoring/metrics)");
  }

  private static void requireMethod(String method, String allowed) throws ApiException {
    if (!method.equals(allowed)) {
      throw new ApiException(405, "Method " + method + " not allowed here; use " + allowed);
    }
  }

  private static void checkLabel(String label) throws ApiException {
    if (label != null) {
      throw ApiException.badRequest(
          "version labels are not supported (" + label.substring(1)
              + "); name a version with /versions/N or none for the latest");
    }
  }

  private static Long version(String s) throws ApiException {
    if (s == null) {
      return null;
    }
    if (!s.matches("\\d{1,18}")) {
      throw ApiException.badRequest("Failed to convert version: " + s + " to numeric.");
    }
    return Long.parseLong(s);
  }

  private void checkModelName(String name, Long version) throws ApiException {
    if (!name.equals(models.name)) {
      throw ApiException.badRequest(
          "Servable not found for request: "
              + (version == null ? "Latest(" + name + ")" : "Specific(" + name + ", " + version + ")")
              + "; this server serves model '" + models.name + "'");
    }
  }

  private byte[] readBody(HttpExchange ex) throws ApiException {
    long max = config.maxBodyBytes();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > max) {
          throw tooLarge(max);
        }
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid Content-Length header: " + declared);
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buf = new byte[16384];
    try (InputStream in = ex.getRequestBody()) {
      for (int n; (n = in.read(buf)) > 0; ) {
        if (body.size() + n > max) {
          throw tooLarge(max);
        }
        body.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
    }
    return body.toByteArray();
  }

  private static ApiException tooLarge(long max) {
    return new ApiException(413, "request body larger than " + max + " bytes (--max-body-bytes)");
  }

  // ---- status and metadata ----------------------------------------------------------------

  private Reply status(Long version) throws ApiException {
    List<ModelManager.VersionStatus> all = models.statuses();
    StringBuilder out = new StringBuilder("{\"model_version_status\": [");
    int n = 0;
    for (ModelManager.VersionStatus s : all) {
      if (version != null && s.version() != version) {
        continue;
      }
      if (n++ > 0) {
        out.append(", ");
      }
      boolean failed = !s.errorMessage().isEmpty();
      out.append("{\"version\": \"").append(s.version()).append("\", \"state\": \"")
          .append(s.state()).append("\", \"status\": {\"error_code\": \"")
          .append(failed ? "UNKNOWN" : "OK").append("\", \"error_message\": ");
      Json.quote(out, s.errorMessage()).append("}}");
    }
    if (n == 0) {
      throw ApiException.badRequest(
          "Could not find version " + version + " of model " + models.name);
    }
    return Reply.json(200, out.append("]}").toString());
  }

  private Reply metadata(Long version) throws ApiException {
    ServableModel m = models.acquire(version);
    try {
      StringBuilder out = new StringBuilder("{\"model_spec\": {\"name\": ");
      Json.quote(out, models.name).append(", \"signature_name\": \"\", \"version\": \"")
          .append(m.version).append("\"}, \"metadata\": {\"signature_def\": {\"signature_def\": {");
      int i = 0;
      for (Map.Entry<String, SignatureDef> e : m.signatures.entrySet()) {
        if (i++ > 0) {
          out.append(", ");
        }
        Json.quote(out, e.getKey()).append(": {\"inputs\": ");
        tensorInfos(out, e.getValue().getInputsMap());
        out.append(", \"outputs\": ");
        tensorInfos(out, e.getValue().getOutputsMap());
        out.append(", \"method_name\": ");
        Json.quote(out, e.getValue().getMethodName()).append(", \"defaults\": {}}");
      }
      return Reply.json(200, out.append("}}}}").toString());
    } finally {
      m.release();
    }
  }

  private static void tensorInfos(StringBuilder out, Map<String, TensorInfo> infos) {
    out.append('{');
    int i = 0;
    for (Map.Entry<String, TensorInfo> e : new TreeMap<>(infos).entrySet()) {
      if (i++ > 0) {
        out.append(", ");
      }
      TensorInfo t = e.getValue();
      TensorShapeProto s = t.getTensorShape();
      Json.quote(out, e.getKey()).append(": {\"dtype\": \"").append(t.getDtype().name())
          .append("\", \"tensor_shape\": {\"dim\": [");
      for (int d = 0; d < s.getDimCount(); d++) {
        out.append(d > 0 ? ", " : "").append("{\"size\": \"").append(s.getDim(d).getSize())
            .append("\", \"name\": ");
        Json.quote(out, s.getDim(d).getName()).append('}');
      }
      out.append("], \"unknown_rank\": ").append(s.getUnknownRank()).append("}, \"name\": ");
      Json.quote(out, t.getName()).append('}');
    }
    out.append('}');
  }

  // ---- predict --------------------------------------------------------------------------------

  private Reply predict(byte[] body, Long version) throws ApiException {
    Map<String, Object> req = parseRequest(body);
    boolean rowFormat = req.containsKey("instances");
    Object payload = rowFormat ? req.get("instances") : req.get("inputs");
    boolean png = pngRequested(req.get("image_format"));
    Object sigName = req.get("signature_name");
    if (sigName != null && !(sigName instanceof String)) {
      throw ApiException.badRequest("\"signature_name\" must be a string");
    }
    ServableModel model = models.acquire(version);
    try {
      String sig = chooseSignature(model, (String) sigName, payload);
      SignatureDef def = model.signatures.get(sig);
      if (png && !def.getOutputsMap().containsKey("images")) {
        throw ApiException.badRequest(
            "\"image_format\": \"png\" needs an 'images' output, and signature '" + sig
                + "' has only " + new TreeMap<>(def.getOutputsMap()).keySet());
      }
      boolean batchable = model.isBatchable(sig);
      Map<String, HostTensor> inputs =
          rowFormat
              ? rowInputs(sig, def, payload, batchable, body.length)
              : columnarInputs(sig, def, payload, body.length);
      int rows = checkSize(sig, def, inputs, batchable);
      // the task holds its own reference, released by the batcher after the run: a request
      // that times out must not let its version close under a run still using it
      if (!model.tryAcquire()) {
        throw new IllegalStateException("model released while a request held it");
      }
      Batcher.Task<ServableModel> task =
          new Batcher.Task<>(model, sig, inputs, batchable ? rows : -1, model::release);
      try {
        batcher.submit(task);
      } catch (ApiException e) {
        model.release();
        throw e;
      }
      Map<String, HostTensor> outputs = await(task);
      long values = 0;
      for (HostTensor t : outputs.values()) {
        values += t.size();
      }
      if (values > config.maxResponseValues()) { // outputs whose shapes the signature left open
        throw tooManyValues(values);
      }
      return Reply.json(200, writeOutputs(outputs, rowFormat, png));
    } finally {
      model.release();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseRequest(byte[] body) throws ApiException {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("JSON Parse error: the request body is not UTF-8 text");
    }
    Object json;
    try {
      json = Json.parse(text, ServeConfig.MAX_JSON_DEPTH);
    } catch (Json.ParseException e) {
      throw ApiException.badRequest("JSON Parse error: " + e.getMessage());
    }
    if (!(json instanceof Map)) {
      throw ApiException.badRequest(
          "the request must be a JSON object with \"instances\" or \"inputs\", not a "
              + Json.typeName(json));
    }
    Map<String, Object> req = (Map<String, Object>) json;
    for (String k : req.keySet()) {
      if (!REQUEST_KEYS.contains(k)) {
        throw ApiException.badRequest(
            "unknown key \"" + k + "\" in the request (known: " + new TreeSet<>(REQUEST_KEYS)
                + ")");
      }
    }
    boolean rows = req.containsKey("instances");
    boolean cols = req.containsKey("inputs");
    if (rows == cols) {
      throw ApiException.badRequest(
          rows
              ? "the request has both \"instances\" and \"inputs\"; use one"
              : "Missing \"instances\" or \"inputs\" key in the request");
    }
    return req;
  }

  private static boolean pngRequested(Object format) throws ApiException {
    if (format == null || "array".equals(format)) {
      return false;
    }
    if ("png".equals(format)) {
      return true;
    }
    throw ApiException.badRequest(
        "\"image_format\" must be \"png\" (images as base64 PNG) or \"array\" (the default)");
  }

  /**
   * The named signature, else {@code sample} when the columnar inputs name {@code num} or {@code
   * seed}, else {@code serving_default}.
   */
  private static String chooseSignature(ServableModel model, String name, Object payload)
      throws ApiException {
    if (name != null && !name.isEmpty()) {
      if (!model.signatures.containsKey(name)) {
        throw ApiException.badRequest(
            "Serving signature name: \"" + name + "\" not found in signature def (it has: "
                + String.join(", ", model.signatures.keySet()) + ")");
      }
      return name;
    }
    if (payload instanceof Map
        && (((Map<?, ?>) payload).containsKey("num") || ((Map<?, ?>) payload).containsKey("seed"))) {
      return GeneratorSignatures.SAMPLE;
    }
    return GeneratorSignatures.DEFAULT;
  }

  /** Row format: a list of instances, each an object of named inputs or, with one input, a value. */
  private Map<String, HostTensor> rowInputs(
      String sig, SignatureDef def, Object payload, boolean batchable, long maxElements)
      throws ApiException {
    if (!batchable) {
      throw ApiException.badRequest(
          "signature '" + sig + "' takes inputs without a batch dimension, which \"instances\""
              + " cannot carry; send them in the columnar form, e.g. {\"inputs\": {\"num\": 16,"
              + " \"seed\": 7}}");
    }
    if (!(payload instanceof List) || ((List<?>) payload).isEmpty()) {
      throw ApiException.badRequest("\"instances\" must be a non-empty array");
    }
    List<?> instances = (List<?>) payload;
    if (instances.size() > config.maxInstances()) {
      throw tooMany(instances.size());
    }
    Map<String, TensorInfo> specs = def.getInputsMap();
    Map<String, HostTensor> out = new LinkedHashMap<>();
    boolean named = instances.get(0) instanceof Map;
    if (!named) {
      if (specs.size() != 1) {
        throw ApiException.badRequest(
            "signature '" + sig + "' has inputs " + new TreeMap<>(specs).keySet()
                + ": each instance must be an object naming them");
      }
      Map.Entry<String, TensorInfo> only = specs.entrySet().iterator().next();
      for (Object inst : instances) {
        if (inst instanceof Map) {
          throw ApiException.badRequest("instances mix objects and plain values");
        }
      }
      out.put(only.getKey(), convert(only.getKey(), instances, only.getValue(), maxElements));
      return out;
    }
    Map<String, List<Object>> columns = new LinkedHashMap<>();
    specs.keySet().forEach(k -> columns.put(k, new ArrayList<>(instances.size())));
    for (int i = 0; i < instances.size(); i++) {
      if (!(instances.get(i) instanceof Map)) {
        throw ApiException.badRequest("instances mix objects and plain values (instance " + i + ")");
      }
      Map<?, ?> inst = (Map<?, ?>) instances.get(i);
      for (Object k : inst.keySet()) {
        if (!specs.containsKey(k)) {
          throw unknownInput(sig, (String) k, specs);
        }
      }
      for (String k : specs.keySet()) {
        if (!inst.containsKey(k)) {
          throw ApiException.badRequest("instance " + i + " lacks input '" + k + "'");
        }
        columns.get(k).add(inst.get(k));
      }
    }
    for (Map.Entry<String, List<Object>> e : columns.entrySet()) {
      out.put(e.getKey(), convert(e.getKey(), e.getValue(), specs.get(e.getKey()), maxElements));
    }
    return out;
  }

  /** Columnar format: an object of named inputs or, with one input, its value. */
  private Map<String, HostTensor> columnarInputs(
      String sig, SignatureDef def, Object payload, long maxElements) throws ApiException {
    Map<String, TensorInfo> specs = def.getInputsMap();
    Map<String, HostTensor> out = new LinkedHashMap<>();
    if (!(payload instanceof Map)) {
      if (specs.size() != 1) {
        throw ApiException.badRequest(
            "\"inputs\" must be an object naming the inputs of signature '" + sig + "': "
                + new TreeMap<>(specs).keySet());
      }
      Map.Entry<String, TensorInfo> only = specs.entrySet().iterator().next();
      out.put(only.getKey(), convert(only.getKey(), payload, only.getValue(), maxElements));
      return out;
    }
    Map<?, ?> named = (Map<?, ?>) payload;
    for (Object k : named.keySet()) {
      if (!specs.containsKey(k)) {
        throw unknownInput(sig, (String) k, specs);
      }
    }
    for (Map.Entry<String, TensorInfo> e : new TreeMap<>(specs).entrySet()) {
      if (!named.containsKey(e.getKey())) {
        throw ApiException.badRequest(
            "missing input '" + e.getKey() + "' (signature '" + sig + "' takes "
                + new TreeMap<>(specs).keySet() + ")");
      }
      out.put(e.getKey(), convert(e.getKey(), named.get(e.getKey()), e.getValue(), maxElements));
    }
    return out;
  }

  private static ApiException unknownInput(String sig, String name, Map<String, TensorInfo> specs) {
    return ApiException.badRequest(
        "unknown input '" + name + "' for signature '" + sig + "' (it takes "
            + new TreeMap<>(specs).keySet() + ")");
  }

  private static HostTensor convert(String name, Object json, TensorInfo spec, long maxElements)
      throws ApiException {
    return HostTensor.fromJson(
        "input '" + name + "'", json, spec.getDtype(), spec.getTensorShape(), maxElements);
  }

  /**
   * Rows of a batchable request (else -1), checked with the {@code num} of a sample request
   * against the instance limit and, where the output shapes are known, the response-size limit.
   */
  private int checkSize(
      String sig, SignatureDef def, Map<String, HostTensor> inputs, boolean batchable)
      throws ApiException {
    long instances;
    if (batchable) {
      instances = HostTensor.commonRows(inputs);
      if (instances < 0) {
        throw ApiException.badRequest("the inputs of signature '" + sig
            + "' must share their first (batch) dimension");
      }
      if (instances == 0) {
        throw ApiException.badRequest("no instances to predict (batch dimension 0)");
      }
    } else {
      HostTensor num = inputs.get("num");
      if (!sig.equals(GeneratorSignatures.SAMPLE) || num == null || !(num.data instanceof int[])) {
        return -1;
      }
      instances = ((int[]) num.data)[0];
      if (instances < 1) {
        throw ApiException.badRequest("input 'num' must be at least 1 (got " + instances + ")");
      }
    }
    if (instances > config.maxInstances()) {
      throw tooMany(instances);
    }
    long perInstance = valuesPerInstance(def);
    if (perInstance > 0 && instances * perInstance > config.maxResponseValues()) {
      throw tooManyValues(instances * perInstance);
    }
    return batchable ? (int) instances : -1;
  }

  /** Numbers per instance over all outputs of a signature, or -1 when a size is not fixed. */
  static long valuesPerInstance(SignatureDef def) {
    long total = 0;
    for (TensorInfo t : def.getOutputsMap().values()) {
      TensorShapeProto s = t.getTensorShape();
      if (s.getUnknownRank() || s.getDimCount() == 0) {
        return -1;
      }
      long n = 1;
      for (int i = 1; i < s.getDimCount(); i++) {
        if (s.getDim(i).getSize() < 0) {
          return -1;
        }
        n *= s.getDim(i).getSize();
      }
      total += n;
    }
    return total;
  }

  private ApiException tooManyValues(long values) {
    return ApiException.badRequest(
        "too many instances: the response would carry " + values + " numbers, over the limit of "
            + config.maxResponseValues() + " (--max-response-values); ask for fewer instances");
  }

  private ApiException tooMany(long n) {
    return ApiException.badRequest(
        "too many instances: " + n + " (this server answers at most " + config.maxInstances()
            + " per request, --max-instances)");
  }

  private Map<String, HostTensor> await(Batcher.Task<ServableModel> task) throws ApiException {
    try {
      return task.result.get(config.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      task.result.cancel(false);
      throw new ApiException(504, "the request timed out after " + config.requestTimeoutMillis()
          + " ms waiting for the model");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "the server is shutting down");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof ApiException) {
        throw (ApiException) c;
      }
      if (c instanceof TFInvalidArgumentException || c instanceof IllegalArgumentException) {
        throw ApiException.badRequest(org.bgan.util.Errors.firstLine(c));
      }
      log.accept("error: the model failed: " + c);
      throw new ApiException(500, "the model failed: " + org.bgan.util.Errors.firstLine(c));
    }
  }

  // ---- response -------------------------------------------------------------------------------

  private static String writeOutputs(
      Map<String, HostTensor> outputs, boolean rowFormat, boolean png) throws ApiException {
    Map<String, Object> sorted = new TreeMap<>();
    for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
      boolean encode = png && e.getKey().equals("images");
      sorted.put(e.getKey(), encode ? pngs(e.getValue()) : e.getValue());
    }
    StringBuilder out = new StringBuilder(256);
    if (rowFormat) {
      long rows = -1;
      for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
        long r = e.getValue().shape.length == 0 ? -1 : e.getValue().shape[0];
        if (r < 0 || (rows >= 0 && r != rows)) {
          throw new ApiException(500, "output '" + e.getKey()
              + "' has an inconsistent batch size for the row format");
        }
        rows = r;
      }
      out.append("{\"predictions\": [");
      for (int r = 0; r < rows; r++) {
        if (r > 0) {
          out.append(',');
        }
        if (sorted.size() == 1) {
          writeRow(out, sorted.values().iterator().next(), r);
        } else {
          out.append('{');
          int i = 0;
          for (Map.Entry<String, Object> e : sorted.entrySet()) {
            Json.quote(i++ > 0 ? out.append(", ") : out, e.getKey()).append(": ");
            writeRow(out, e.getValue(), r);
          }
          out.append('}');
        }
      }
      return out.append("]}").toString();
    }
    out.append("{\"outputs\": ");
    if (sorted.size() == 1) {
      writeAll(out, sorted.values().iterator().next());
    } else {
      out.append('{');
      int i = 0;
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        Json.quote(i++ > 0 ? out.append(", ") : out, e.getKey()).append(": ");
        writeAll(out, e.getValue());
      }
      out.append('}');
    }
    return out.append('}').toString();
  }

  private static void writeRow(StringBuilder out, Object value, int r) {
    if (value instanceof HostTensor) {
      ((HostTensor) value).writeRowJson(out, r);
    } else {
      b64(out, ((List<?>) value).get(r));
    }
  }

  private static void writeAll(StringBuilder out, Object value) {
    if (value instanceof HostTensor) {
      ((HostTensor) value).writeJson(out);
      return;
    }
    out.append('[');
    List<?> list = (List<?>) value;
    for (int i = 0; i < list.size(); i++) {
      b64(i > 0 ? out.append(',') : out, list.get(i));
    }
    out.append(']');
  }

  private static void b64(StringBuilder out, Object bytes) {
    out.append("{\"b64\": \"").append(Base64.getEncoder().encodeToString((byte[]) bytes))
        .append("\"}");
  }

  /** One PNG per image of a uint8 [N, H, W, C] tensor. */
  private static List<byte[]> pngs(HostTensor images) throws ApiException {
    long[] s = images.shape;
    if (!(images.data instanceof byte[]) || s.length != 4 || PngEncoder.colourType((int) s[3]) < 0) {
      throw ApiException.badRequest("output 'images' (" + HostTensor.dtypeName(images.dtype) + " "
          + HostTensor.shapeString(s) + ") is not uint8 [N, H, W, C] with C in 1..4; cannot"
          + " encode it as PNG");
    }
    List<byte[]> out = new ArrayList<>();
    int per = images.rowSize();
    for (int i = 0; i < s[0]; i++) {
      out.add(PngEncoder.encode((byte[]) images.data, i * per, (int) s[1], (int) s[2], (int) s[3]));
    }
    return out;
  }
}
