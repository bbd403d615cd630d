package org.bgan.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that send a request only in part (a stalled upload, a paused process) must not take the
 * server down: every HTTP thread blocked reading them left it answering nothing, not even the status.
 * Its own JVM (surefire forks per class), so the JDK server's process-wide timer settings are this
 * server's.
 */
class StalledClientTest {
  @TempDir Path tmp;

  @Test
  void stalledRequestsAreCutAtTheRequestTimeoutAndTheServerAnswersAgain() throws Exception {
    ServeTestSupport.mlp(tmp.resolve("gen"), 1, 3);
    ServeConfig.Builder b = ServeConfig.builder(tmp.resolve("gen")).port(0).pollMillis(0).requestTimeoutMillis(1000);
    b.httpThreads = 2;
    b.accessLog = false;
    List<Socket> stalled = new ArrayList<>();
    try (ModelServer server = ModelServer.start(b.build(), line -> {})) {
      // one more than the HTTP threads: headers and the start of a body, then nothing
      for (int i = 0; i < 3; i++) {
        Socket s = new Socket();
        stalled.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.getOutputStream().write(("POST /v1/models/gen:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
            + "{\"inst").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      Thread.sleep(200);
      long t0 = System.nanoTime();
      String status = null;
      while (status == null && System.nanoTime() - t0 < 10_000_000_000L) {
        status = statusLine(server.port());
      }
      assertThat(status).as("the server answered again within 10 s").isEqualTo("HTTP/1.1 200 OK");
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(8);
      // the stalled connections were closed by the server
      for (Socket s : stalled) {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        try {
          while (in.read() >= 0) {
            // an error response, if it got one, then the end
          }
        } catch (java.net.SocketException e) {
          // reset: closed as well
        }
      }
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
    }
  }

  /** GET of the model status over a fresh connection: its status line, or null if none came in 3 s. */
  private static String statusLine(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
      s.setSoTimeout(3000);
      OutputStream out = s.getOutputStream();
      out.write("GET /v1/models/gen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      for (int c; (c = in.read()) >= 0 && c != '\r'; ) {
        got.write(c);
      }
      return got.size() == 0 ? null : got.toString(StandardCharsets.US_ASCII);
    } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
      return null;
    }
  }
}
