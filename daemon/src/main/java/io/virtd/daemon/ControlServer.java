package io.virtd.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's status and control socket: a Unix domain socket (mode 0660, never TCP). One JSON
 * request line per connection ({@code {"cmd":"status"}}, {@code reconcile}, {@code hold}, {@code
 * release} with {@code "names"}), one JSON answer line.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
  static final ObjectMapper JSON = new ObjectMapper();

  /** What the socket's commands do. */
  public interface Handler {
    /** The answer to a request; {@code "ok": false} with {@code "error"} for an unknown name. */
    ObjectNode handle(String cmd, java.util.List<String> names);
  }

  private final Path path;
  private final ServerSocketChannel server;
  private final Thread thread;
  private volatile Handler handler;

  public ControlServer(Path path, Handler handler) throws IOException {
    this.path = path;
    this.handler = handler;
    Files.createDirectories(path.getParent());
    // bound under a private name and renamed once it is 0660: never reachable with the umask's mode
    Path fresh =
        path.resolveSibling("." + path.getFileName() + "." + ProcessHandle.current().pid());
    Files.deleteIfExists(fresh);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(fresh));
    Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-rw----"));
    Files.move(
        fresh,
        path,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    thread = new Thread(this::serve, "virtd-control");
    thread.setDaemon(true);
    thread.start();
  }

  private void serve() {
    while (server.isOpen()) {
      try (SocketChannel ch = server.accept()) {
        answer(ch);
      } catch (IOException e) {
        if (server.isOpen()) {
          log.warn("control socket: {}", e.getMessage());
        }
      }
    }
  }

  private void answer(SocketChannel ch) throws IOException {
    var in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
    String line = in.readLine();
    ObjectNode reply;
    try {
      JsonNode req = JSON.readTree(line == null ? "{}" : line);
      java.util.List<String> names = new java.util.ArrayList<>();
      req.path("names").forEach(n -> names.add(n.asText()));
      reply = handler.handle(req.path("cmd").asText(""), names);
    } catch (IOException | RuntimeException e) {
      reply =
          JSON.createObjectNode().put("ok", false).put("error", "bad request: " + e.getMessage());
    }
    ch.write(
        ByteBuffer.wrap((JSON.writeValueAsString(reply) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * From now on {@code next} answers. The socket stays bound: a reload (SIGHUP) swaps what answers
   * instead of closing the socket, so {@code virtctl status} keeps answering while it drains.
   */
  public void handleWith(Handler next) {
    handler = next;
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(path);
  }
}
