package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libvirtd killed, or frozen with SIGSTOP, under a running daemon: the daemon stays up and answers,
 * reports the driver down, and converges once libvirtd is back — without being restarted. This
 * stops the machine's shared libvirtd for a while, so it runs alone in its class and always brings
 * libvirtd back.
 */
class LibvirtdFaultIT {
  @TempDir Path dir;
  final String prefix = "virtd-it-f-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  DaemonProcess d;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    d = new DaemonProcess(dir, "owner: it-fault\nschedule: 1h\n").start();
  }

  @AfterEach
  void stop() throws Exception {
    sh("pkill", "-CONT", "-x", "libvirtd");
    startLibvirtd();
    if (d != null) {
      d.close();
    }
    Virsh.removeAll(prefix);
  }

  private static int sh(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).inheritIO().start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + String.join(" ", argv));
    }
    return p.exitValue();
  }

  private static void startLibvirtd() throws Exception {
    Path script = Path.of("..", "scripts", "start-libvirt").toAbsolutePath().normalize();
    assertEquals(0, sh("bash", script.toString()), "libvirtd could not be started again");
  }

  private String guest(String name) {
    return "virt: %s%s\nvirt_type: %s\nmemory: 64\nshutdown_timeout: 2s\n"
        .formatted(prefix, name, Virsh.domainType());
  }

  private void awaitRunning(String name, Duration limit) {
    await()
        .atMost(limit)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Virsh.run("domstate", name).equals("running"));
  }

  private String statusText() {
    var r = CliRunner.run("status", "--socket", d.socket.toString());
    assertEquals(0, r.exit(), "the daemon answers while libvirtd is away: " + r.err());
    return r.out();
  }

  @Test
  void aKilledLibvirtdIsReconnectedAndEverythingConverges() throws Exception {
    d.manifest("a.yaml", guest("a"));
    awaitRunning(prefix + "a", Duration.ofSeconds(60));
    long pid = d.pid();

    sh("pkill", "-x", "libvirtd");
    await().atMost(Duration.ofSeconds(20)).until(() -> sh("pgrep", "-x", "libvirtd") != 0);
    await().atMost(Duration.ofSeconds(30)).until(() -> statusText().contains("DOWN"));
    d.manifest("b.yaml", guest("b"));
    Thread.sleep(2000);

    long back = System.nanoTime();
    startLibvirtd();
    awaitRunning(prefix + "b", Duration.ofSeconds(90));
    System.out.printf(
        "libvirtd restarted -> guest of a manifest written meanwhile running: %d ms%n",
        (System.nanoTime() - back) / 1_000_000);
    await().atMost(Duration.ofSeconds(30)).until(() -> statusText().contains(": up since"));

    // the lifecycle listener was registered again on the new connection
    Virsh.run("destroy", prefix + "a");
    awaitRunning(prefix + "a", Duration.ofSeconds(30));
    assertTrue(d.alive());
    assertEquals(pid, d.pid(), "the daemon was never restarted");
    assertTrue(d.logText().contains("is down"), d.logText());
  }

  @Test
  void aFrozenLibvirtdDoesNotFreezeTheDaemon() throws Exception {
    d.manifest("a.yaml", guest("a"));
    awaitRunning(prefix + "a", Duration.ofSeconds(60));

    sh("pkill", "-STOP", "-x", "libvirtd");
    try {
      d.manifest("b.yaml", guest("b"));
      // keepalive (5 s × 3) notices the silence; meanwhile the control socket must still answer
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> statusText().contains("DOWN"));
    } finally {
      sh("pkill", "-CONT", "-x", "libvirtd");
    }
    awaitRunning(prefix + "b", Duration.ofSeconds(90));
    assertTrue(d.alive());
  }
}
