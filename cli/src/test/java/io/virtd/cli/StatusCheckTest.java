package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code virtctl status --check} against a socket that answers as the daemon would. */
class StatusCheckTest {
  @TempDir Path dir;

  private static final String UP =
      "{\"driver\":\"libvirt\",\"target\":\"qemu:///system\",\"up\":true,\"since\":\"t\",\"error\":null}";
  private static final String SYNCED =
      "{\"name\":\"a\",\"desired\":\"running\",\"observed\":\"as desired\",\"last_result\":\"in sync\","
          + "\"at\":\"t\",\"restart_pending\":[],\"last_error\":null,\"retries\":0,\"held\":false,"
          + "\"comparison\":\"as_desired\"}";

  private static String reply(String drivers, String problems, String... guests) {
    return "{\"ok\":true,\"drivers\":["
        + drivers
        + "],\"manifest_problems\":["
        + problems
        + "],\"guests\":["
        + String.join(",", guests)
        + "]}";
  }

  static Stream<Arguments> answers() {
    return Stream.of(
        Arguments.of("all in sync", reply(UP, "", SYNCED, SYNCED.replace("\"a\"", "\"b\"")), 0),
        Arguments.of("applied just now", reply(UP, "", SYNCED.replace("in sync", "applied")), 0),
        Arguments.of("no guests at all", reply(UP, ""), 0),
        Arguments.of(
            "restart pending",
            reply(
                UP, "", SYNCED.replace("\"restart_pending\":[]", "\"restart_pending\":[\"cpus\"]")),
            2),
        Arguments.of(
            "failed",
            reply(
                UP,
                "",
                SYNCED
                    .replace("\"last_error\":null", "\"last_error\":\"start failed: boom\"")
                    .replace("in sync", "error")),
            2),
        Arguments.of(
            "differs",
            reply(UP, "", SYNCED.replace("as desired", "differs").replace("as_desired", "differs")),
            2),
        Arguments.of(
            "unknown",
            reply(UP, "", SYNCED.replace("as desired", "unknown").replace("as_desired", "unknown")),
            2),
        Arguments.of("held", reply(UP, "", SYNCED.replace("\"held\":false", "\"held\":true")), 2),
        Arguments.of("driver down", reply(UP.replace("true", "false"), "", SYNCED), 2),
        Arguments.of(
            "manifest problem",
            reply(UP, "{\"severity\":\"error\",\"problem\":\"/m/a.yaml:3:9: bad\"}", SYNCED),
            2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void exitCodeFollowsTheDaemonsAnswer(String what, String answer, int exit) throws Exception {
    Path sock = dir.resolve("virtd.sock");
    try (var server = answerOnce(sock, answer)) {
      Cli r = Cli.run("status", "--check", "--socket", sock.toString());
      assertEquals(exit, r.exit(), what + ": " + r.out() + r.err());
      assertTrue(r.out().contains("NAME"), "the table is still printed: " + r.out());
    }
    try (var server = answerOnce(sock, answer)) {
      Cli plain = Cli.run("status", "--socket", sock.toString());
      assertEquals(0, plain.exit(), "without --check status exits 0: " + plain.err());
    }
  }

  @Test
  void noDaemonIsExit1() {
    Cli r = Cli.run("status", "--check", "--socket", dir.resolve("none.sock").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("no daemon answers"), r.err());
  }

  /** A socket that answers one request with {@code answer}, on a thread of its own. */
  private static AutoCloseable answerOnce(Path sock, String answer) throws IOException {
    java.nio.file.Files.deleteIfExists(sock);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(sock));
    Thread t =
        new Thread(
            () -> {
              try (SocketChannel c = server.accept()) {
                c.read(ByteBuffer.allocate(4096));
                c.write(ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.UTF_8)));
              } catch (IOException ignored) {
                // the test's own assertion reports what went wrong
              }
            });
    t.start();
    return () -> {
      server.close();
      t.join(5000);
    };
  }
}
