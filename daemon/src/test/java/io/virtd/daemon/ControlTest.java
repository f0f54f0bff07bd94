package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.cli.CliRunner;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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
    server.handleWith(
        (cmd, names) ->
            ControlServer.JSON
                .createObjectNode()
                .put("ok", false)
                .put("error", "reloading " + cmd));
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
