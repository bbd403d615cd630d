package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bgan.testing.TestJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: help, argument errors, model errors and a real run in a child JVM. */
class ServeCommandTest {
  @TempDir Path tmp;

  /** Exit code, stdout and stderr of an in-process run. */
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        ServeCommand.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A child JVM running ServeCommand; without TensorFlow's jars when {@code withTf} is false. */
  private static ProcessBuilder child(boolean withTf, String... args) {
    String cp =
        Arrays.stream(TestJvm.classPath().split(File.pathSeparator))
            .filter(e -> withTf || !(e.contains("tensorflow") || e.contains("javacpp") || e.contains("ndarray")))
            .collect(Collectors.joining(File.pathSeparator));
    if (!withTf) {
      assertThat(cp).doesNotContain("tensorflow-core");
    }
    List<String> cmd = new ArrayList<>(List.of(
        TestJvm.java(),
        "-cp", cp, "org.bgan.serve.ServeCommand"));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }

  private static Run runChild(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void helpNeedsNoTensorFlowAndDocumentsOptionsAndExitCodes() throws Exception {
    Run r = runChild(child(false, "--help"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains("Usage: bgan serve --model-base-path savedmodels/NAME")
        .contains("POST /v1/models/NAME[/versions/N]:predict")
        .contains("Exit codes: 0 --help; 1 internal error; 2 bad arguments; 3 model cannot be served")
        .contains("4 cannot listen");
    for (String flag : new String[] {"--model-base-path DIR", "--port N", "--host ADDR", "--max-batch-size N",
        "--batch-timeout-micros N", "--max-queued-requests N", "--max-instances N", "--max-body-bytes N",
        "--poll-seconds S", "--no-access-log", "--help"}) {
      assertThat(r.out()).contains(flag);
    }
    assertThat(run("-h").out()).isEqualTo(r.out());
  }

  @Test
  void argumentErrorsNeedNoTensorFlowAndNameTheFlag() throws Exception {
    Files.createDirectories(tmp.resolve("gen"));
    String base = tmp.resolve("gen").toString();
    Run port = runChild(child(false, "--model-base-path", base, "--port", "abc"));
    assertThat(port.code()).isEqualTo(2);
    assertThat(port.err()).contains("error: --port must be an integer (got 'abc')").doesNotContain("Exception");
    assertThat(port.out()).isEmpty();
    Run unknown = runChild(child(false, "--model-base-path", base, "--bogus"));
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("--bogus").doesNotContain("\tat ");
  }

  @Test
  void moreArgumentErrors() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Files.createDirectories(tmp.resolve("gen"));
    String base = tmp.resolve("gen").toString();
    String[][] cases = {
      {"--model-base-path DIR is required", "--port", "1"},
      {"--model-base-path " + tmp.resolve("nope") + " does not exist", "--model-base-path", tmp.resolve("nope").toString()},
      {"--model-base-path needs a value, got an empty string", "--model-base-path", ""},
      {"is not a directory", "--model-base-path", file.toString()},
      {"--port must be in 0..65535 (got 70000)", "--model-base-path", base, "--port", "70000"},
      {"--max-batch-size must be in 1..", "--model-base-path", base, "--max-batch-size", "0"},
      {"--poll-seconds must be a number", "--model-base-path", base, "--poll-seconds", "soon"},
      {"--poll-seconds must be in 0..86400", "--model-base-path", base, "--poll-seconds", "-1"},
      {"--model-name 'a/b' must be", "--model-base-path", base, "--model-name", "a/b"},
      {"unexpected argument 'extra'", "--model-base-path", base, "extra"},
      {"Missing argument for option: port", "--model-base-path", base, "--port"},
    };
    for (String[] c : cases) {
      Run r = run(Arrays.copyOfRange(c, 1, c.length));
      assertThat(r.code()).as(String.join(" ", c)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", c)).contains("error: ").contains(c[0]).doesNotContain("\tat ");
    }
  }

  @Test
  void modelProblemsExitWith3AndSayWhat() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Run r = run("--model-base-path", empty.toString(), "--port", "0");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("no model version under --model-base-path " + empty);

    Path flat = tmp.resolve("flat");
    ExampleGenerator.exportMlp(flat, 2, 8, 1, 1);
    r = run("--model-base-path", flat.toString(), "--port", "0");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("pass its parent directory");

    Path foreign = tmp.resolve("foreign");
    ModelManagerTest.exportWithoutGeneratorSignatures(foreign.resolve("7"));
    r = run("--model-base-path", foreign.toString(), "--port", "0");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("lacks signature 'serving_default' and 'sample'").contains("it has: 'generate'")
        .doesNotContain("\tat ");

    Path broken = Files.createDirectories(tmp.resolve("broken/2"));
    Files.write(broken.resolve("saved_model.pb"), new byte[] {9, 9, 9});
    r = run("--model-base-path", broken.getParent().toString(), "--port", "0");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("cannot load the SavedModel in " + broken);
  }

  @Test
  void aPortInUseExitsWith4() throws Exception {
    Path base = tmp.resolve("gen");
    ServeTestSupport.mlp(base, 1, 1);
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Run r = run("--model-base-path", base.toString(), "--port", Integer.toString(taken.getLocalPort()));
      assertThat(r.code()).isEqualTo(4);
      assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()).contains("--host/--port");
    }
  }

  @Test
  void servesInAChildJvmAndStopsOnSigterm() throws Exception {
    Path base = tmp.resolve("gen");
    ServeTestSupport.mlp(base, 3, 1);
    Process p = child(true, "--model-base-path", base.toString(), "--port", "0", "--poll-seconds", "0")
        .redirectError(tmp.resolve("stderr.txt").toFile())
        .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as(Files.readString(tmp.resolve("stderr.txt"))).isNotNull();
      Matcher m = Pattern.compile("serving model 'gen' version 3 from .* at http://127\\.0\\.0\\.1:(\\d+)/v1/models/gen")
          .matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      java.net.http.HttpResponse<String> status = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + m.group(1) + "/v1/models/gen")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(status.body()).contains("\"version\": \"3\"").contains("AVAILABLE");
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(143);
      String err = Files.readString(tmp.resolve("stderr.txt"));
      assertThat(err).containsPattern("GET /v1/models/gen 200 \\d+\\.\\d{3}ms").contains("stopping");
    } finally {
      p.destroyForcibly();
    }
  }
}
