package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import io.virtd.core.control.ControlReply;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtctl status / reconcile / hold / release against a control socket served in-process. */
class ControlTest {
  @TempDir Path dir;
  final FakeDriver fake = new FakeDriver();
  final List<String> queued = new ArrayList<>();
  Reconciler reconciler;
  DesiredStore store;
  ControlServer server;
  Path socket;

  @BeforeEach
  void setUp() throws Exception {
    Path m = Files.createDirectories(dir.resolve("m"));
    Files.writeString(m.resolve("a.yaml"), "virt: a\nvirt_type: kvm\n");
    Files.setPosixFilePermissions(
        m.resolve("a.yaml"), PosixFilePermissions.fromString("rw-r--r--"));
    store = new DesiredStore(m);
    store.reload(Instant.EPOCH);
    reconciler = FakeReconcilers.over(store, fake, dir.resolve("locks"), Clock.systemUTC());
    socket = dir.resolve("run/virtd.sock");
    server = new ControlServer(socket, new Control(store, reconciler, queued::add));
  }

  @AfterEach
  void tearDown() throws Exception {
    server.close();
  }

  @Test
  void aNewHandlerAnswersOnTheSameSocketWithoutRebindingIt() throws Exception {
    Object inode = Files.getAttribute(socket, "unix:ino");
    server.handleWith(request -> new ControlReply.Refused("reloading " + request.cmd()));
    var refused = CliRunner.run("status", "--socket", socket.toString());
    assertEquals(1, refused.exit());
    assertTrue(refused.err().contains("reloading status"), refused.err());
    assertEquals(inode, Files.getAttribute(socket, "unix:ino"), "the same socket, never unbound");
  }

  @Test
  void socketIsMode0660() throws Exception {
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
  }

  @Test
  void statusShowsEachGuestAndHoldReleaseChangeIt() {
    reconciler.reconcile("a");
    assertEquals(RunState.RUNNING, fake.guests.get("a").state);
    var status = CliRunner.run("status", "--socket", socket.toString());
    assertEquals(0, status.exit(), status.err());
    assertTrue(
        status
            .out()
            .lines()
            .anyMatch(l -> l.startsWith("a ") && l.contains("applied") && l.contains(" no ")),
        status.out());

    assertEquals(0, CliRunner.run("hold", "--socket", socket.toString(), "a").exit());
    var json = CliRunner.run("status", "--json", "--socket", socket.toString());
    assertTrue(json.out().contains("\"held\" : true"), json.out());

    assertEquals(0, CliRunner.run("release", "--socket", socket.toString(), "a").exit());
    assertEquals(List.of("a"), queued, "release queues the guest again");
    assertEquals(0, CliRunner.run("reconcile", "--socket", socket.toString()).exit());
    assertEquals(List.of("a", "a"), queued);
  }

  /** The socket served again with this client time-out and cap. */
  void serveWith(Duration clientTimeout, int maxClients) throws Exception {
    server.close();
    server =
        new ControlServer(
            socket, new Control(store, reconciler, queued::add), clientTimeout, maxClients);
  }

  @Test
  void anIdleClientDoesNotDelayAnotherClientsStatus() throws Exception {
    Duration readTimeout = Duration.ofSeconds(20);
    serveWith(readTimeout, 4);
    try (SocketChannel idle = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      idle.connect(UnixDomainSocketAddress.of(socket)); // connects and says nothing
      long t0 = System.nanoTime();
      var status =
          CompletableFuture.supplyAsync(
                  () -> CliRunner.run("status", "--socket", socket.toString()))
              .get(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertEquals(0, status.exit(), status.err());
      assertTrue(
          took.compareTo(readTimeout.dividedBy(4)) < 0,
          "status took " + took + " while another client sat idle");
    }
  }

  @Test
  void aClientThatSendsNoRequestIsDisconnectedAfterTheReadTimeout() throws Exception {
    Duration readTimeout = Duration.ofMillis(300);
    serveWith(readTimeout, 4);
    try (SocketChannel idle = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      idle.connect(UnixDomainSocketAddress.of(socket));
      long t0 = System.nanoTime();
      // blocks until the server gives up on this client and closes its end
      int n =
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return idle.read(ByteBuffer.allocate(64));
                    } catch (java.io.IOException e) {
                      return -2;
                    }
                  })
              .get(10, TimeUnit.SECONDS);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertEquals(-1, n, "the server closed the connection without an answer");
      assertTrue(took.compareTo(readTimeout.dividedBy(2)) >= 0, "closed after " + took);
    }
  }

  @Test
  void clientsBeyondTheCapAreToldTheDaemonIsBusyAtOnce() throws Exception {
    serveWith(Duration.ofSeconds(30), 2);
    List<SocketChannel> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        idle.add(c);
        c.connect(UnixDomainSocketAddress.of(socket));
      }
      var busy =
          CompletableFuture.supplyAsync(
                  () -> CliRunner.run("status", "--socket", socket.toString()))
              .get(10, TimeUnit.SECONDS);
      assertEquals(1, busy.exit());
      assertTrue(busy.err().contains("busy"), busy.err());
      idle.get(0).close();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> CliRunner.run("status", "--socket", socket.toString()).exit() == 0);
    } finally {
      for (SocketChannel c : idle) {
        c.close();
      }
    }
  }

  /** One request line as an older virtctl writes it, straight onto the socket; the answer line. */
  private JsonNode raw(String requestLine) throws Exception {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(socket));
      c.write(ByteBuffer.wrap((requestLine + "\n").getBytes(StandardCharsets.UTF_8)));
      String line =
          new BufferedReader(
                  new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8))
              .readLine();
      return new ObjectMapper().readTree(line);
    }
  }

  @Test
  void theWireIsWhatAnOlderVirtctlReads() throws Exception {
    reconciler.reconcile("a");
    JsonNode status = raw("{\"cmd\":\"status\",\"names\":[]}");
    assertTrue(status.path("ok").asBoolean(), status.toString());
    assertEquals(List.of("drivers", "manifest_problems", "guests", "ok"), fields(status));
    JsonNode a = status.path("guests").path(0);
    assertEquals(
        List.of(
            "name",
            "desired",
            "observed",
            "hypervisor",
            "state",
            "differs",
            "last_result",
            "at",
            "restart_pending",
            "last_error",
            "retries",
            "held",
            "comparison",
            "addresses"),
        fields(a));
    assertEquals("a", a.path("name").asText());
    assertTrue(a.path("last_error").isNull(), a.toString());
    assertTrue(a.path("restart_pending").isArray(), a.toString());

    JsonNode held = raw("{\"cmd\":\"hold\",\"names\":[\"a\"]}");
    assertEquals(new ObjectMapper().readTree("{\"message\":\"held: a\",\"ok\":true}"), held);
    JsonNode unknown = raw("{\"cmd\":\"frobnicate\",\"names\":[]}");
    assertEquals(
        new ObjectMapper().readTree("{\"ok\":false,\"error\":\"unknown command `frobnicate`\"}"),
        unknown);
  }

  /** An object's field names, in their order. */
  private static List<String> fields(JsonNode o) {
    List<String> all = new ArrayList<>();
    o.fieldNames().forEachRemaining(all::add);
    return all;
  }

  @Test
  void unknownNameOrNoDaemonExit1() {
    var unknown = CliRunner.run("hold", "--socket", socket.toString(), "nope");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("unknown name `nope`"), unknown.err());
    var none = CliRunner.run("status", "--socket", dir.resolve("absent.sock").toString());
    assertEquals(1, none.exit());
    assertTrue(none.err().contains("no daemon answers"), none.err());
  }

  @Test
  void aGuestOnADriverThatIsDownIsNotShownAsItWasBefore() throws Exception {
    reconciler.reconcile("a");
    var fakeTarget =
        new io.virtd.core.spi.Drivers.Target(io.virtd.core.manifest.DriverKind.LIBVIRT, "fake:///");
    var label = reconciler.status().get("a").driver();
    var target =
        new io.virtd.core.spi.Drivers.Target(
            io.virtd.core.manifest.DriverKind.LIBVIRT, label.substring(label.indexOf(' ') + 1));
    assertEquals(label, target.label());
    var down = new DriverHealth.State(target, false, java.util.Optional.of("gone"), Instant.EPOCH);
    var elsewhere =
        new DriverHealth.State(fakeTarget, true, java.util.Optional.empty(), Instant.EPOCH);
    server.handleWith(
        new Control(
            new DesiredStore(dir.resolve("m")),
            reconciler,
            queued::add,
            () -> List.of(down, elsewhere)));
    var json = CliRunner.run("status", "--json", "--socket", socket.toString());
    assertTrue(
        json.out().contains("\"observed\" : \"unknown: " + label + " is down\""), json.out());
    assertTrue(json.out().contains("\"state\" : \"unknown\""), json.out());
    var text = CliRunner.run("status", "--socket", socket.toString());
    assertTrue(
        text.out().lines().anyMatch(l -> l.startsWith("a ") && l.contains("unknown: " + label)),
        text.out());
    server.handleWith(
        new Control(
            new DesiredStore(dir.resolve("m")), reconciler, queued::add, () -> List.of(elsewhere)));
    json = CliRunner.run("status", "--json", "--socket", socket.toString());
    assertTrue(json.out().contains("\"observed\" : \"as desired\""), json.out());
    assertTrue(json.out().contains("\"state\" : \"running\""), json.out());
    text = CliRunner.run("status", "--socket", socket.toString());
    assertTrue(
        text.out().lines().anyMatch(l -> l.startsWith("a ") && l.contains("running, as desired")),
        text.out());
  }
}
