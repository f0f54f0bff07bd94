package io.virtd.daemon;

import io.virtd.core.config.RunDirectories;
import io.virtd.core.control.ControlReply;
import io.virtd.core.control.ControlRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's status and control socket: a Unix domain socket (mode 0660, never TCP). One JSON
 * request line per connection ({@link ControlRequest}: {@code status}, {@code reconcile}, {@code
 * hold}, {@code release} with {@code "names"}), one JSON answer line ({@link ControlReply}).
 *
 * <p>Clients are served in parallel, up to a cap; one that has not sent its request and read its
 * answer within the client time-out is disconnected, so an idle or slow client never holds up
 * another's {@code status} or {@code hold}. A client beyond the cap is answered "busy" at once.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

  /** How long a client has to send its request and take the answer. */
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);

  /** Clients served at once. */
  static final int MAX_CLIENTS = 16;

  /** The longest request line read; a request is a command and a few names. */
  static final int MAX_REQUEST = 64 * 1024;

  private static final Set<PosixFilePermission> SOCKET_MODE =
      PosixFilePermissions.fromString("rw-rw----");

  /** What the socket's commands do. */
  public interface Handler {
    /** The answer to a request; {@link ControlReply.Refused} for an unknown name or command. */
    ControlReply handle(ControlRequest request);
  }

  private final Path path;
  private final Duration clientTimeout;
  private final ServerSocketChannel server;
  private final ThreadPoolExecutor clients;
  private final ScheduledExecutorService deadlines;
  private final Thread thread;
  private volatile Handler handler;

  public ControlServer(Path path, Handler handler) throws IOException {
    this(path, handler, CLIENT_TIMEOUT, MAX_CLIENTS);
  }

  ControlServer(Path path, Handler handler, Duration clientTimeout, int maxClients)
      throws IOException {
    this.path = path;
    this.handler = handler;
    this.clientTimeout = clientTimeout;
    RunDirectories.create(path.getParent());
    server = bindWithFinalMode(path);
    clients =
        new ThreadPoolExecutor(
            0,
            maxClients,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> WorkQueue.daemonThread(r, "virtd-control-client"));
    deadlines =
        Executors.newSingleThreadScheduledExecutor(
            r -> WorkQueue.daemonThread(r, "virtd-control-timeout"));
    thread = new Thread(this::serve, "virtd-control");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Binds the socket so that it is reachable only once it has its final mode. bind(2) gives the
   * socket file the mode 0777 less the process umask, and Java can neither set the umask nor pass a
   * mode to bind, so a chmod after bind leaves a window in which anyone may connect (a connection
   * made then stays open after the chmod). The socket is therefore bound inside a fresh directory
   * of mode 0700 (at most: the umask can only narrow it), where no other user can reach it —
   * connect(2) needs search permission on every directory of the path —, set to 0660 there, and
   * renamed into place; a rename keeps the socket's inode, its mode and its listener.
   */
  private static ServerSocketChannel bindWithFinalMode(Path path) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    Path privateDir =
        Files.createTempDirectory(
            parent,
            ".virtd-sock-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path fresh = privateDir.resolve("s");
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.bind(UnixDomainSocketAddress.of(fresh));
      Files.setPosixFilePermissions(fresh, SOCKET_MODE);
      Files.move(fresh, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    } finally {
      Files.deleteIfExists(fresh);
      Files.deleteIfExists(privateDir);
    }
  }

  private void serve() {
    while (server.isOpen()) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (server.isOpen()) {
          log.warn("control socket: {}", e.getMessage());
        }
        continue;
      }
      try {
        clients.execute(() -> serve(ch));
      } catch (RejectedExecutionException e) {
        // every slot is taken: say so at once rather than keep this client waiting
        reply(
            ch,
            new ControlReply.Refused("virtd is busy serving other clients; try again in a moment"));
      }
    }
  }

  /** One client: its request and its answer within the client time-out, then closed. */
  private void serve(SocketChannel ch) {
    ScheduledFuture<?> deadline =
        deadlines.schedule(() -> closeQuietly(ch), clientTimeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      reply(ch, answer(readRequest(ch)));
    } catch (IOException e) {
      if (ch.isOpen()) {
        log.debug("control client: {}", e.getMessage());
      } else {
        log.debug("control client disconnected after {} without a request", clientTimeout);
      }
    } finally {
      deadline.cancel(false);
      closeQuietly(ch);
    }
  }

  /** The request line, or null when the client closed its end without one. */
  private static String readRequest(SocketChannel ch) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(4096);
    while (line.size() <= MAX_REQUEST) {
      buf.clear();
      int n = ch.read(buf);
      if (n < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      }
      for (int i = 0; i < n; i++) {
        byte b = buf.get(i);
        if (b == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(b);
      }
    }
    throw new IOException("request longer than " + MAX_REQUEST + " bytes");
  }

  private ControlReply answer(String line) {
    try {
      return handler.handle(ControlRequest.parse(line == null ? "{}" : line));
    } catch (IOException | RuntimeException e) {
      return new ControlReply.Refused("bad request: " + e.getMessage());
    }
  }

  private static void reply(SocketChannel ch, ControlReply reply) {
    try (ch) {
      ByteBuffer out = ByteBuffer.wrap((reply.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
      while (out.hasRemaining()) {
        ch.write(out);
      }
    } catch (IOException e) {
      log.debug("control client: {}", e.getMessage());
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // closed anyway
    }
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
    clients.shutdownNow();
    deadlines.shutdownNow();
    Files.deleteIfExists(path);
  }
}
