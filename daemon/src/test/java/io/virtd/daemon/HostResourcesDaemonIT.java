package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.Virsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon keeps a network of the manifests running: destroyed out of band ({@code virsh
 * net-destroy}), it is started again by the next full pass.
 */
class HostResourcesDaemonIT {
  @TempDir Path dir;
  private final String id = UUID.randomUUID().toString().substring(0, 6);
  private final String net = "virtd-it-hr-d" + id;
  private DaemonProcess daemon;

  @BeforeEach
  void libvirt() {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
  }

  @AfterEach
  void cleanUp() {
    if (daemon != null) {
      daemon.close();
    }
    try {
      Virsh.run("net-destroy", net);
    } catch (RuntimeException e) {
      // not running
    }
    try {
      Virsh.run("net-undefine", net);
    } catch (RuntimeException e) {
      // never defined
    }
  }

  private boolean active() {
    try {
      return Virsh.run("net-info", net).matches("(?s).*Active:\\s+yes.*");
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Test
  void aNetworkDestroyedOutOfBandIsStartedAgain() throws Exception {
    int subnet = ThreadLocalRandom.current().nextInt(10, 250);
    daemon =
        new DaemonProcess(
            dir,
            "owner: it-hr\nschedule: 2s\nstorage_dir: "
                + Files.createDirectories(dir.resolve("state"))
                + "\n");
    daemon.manifest(
        "net.yaml",
        "network: %s\nforward: nat\nbridge: vhrd%s\nip: 10.231.%d.1/24\n"
            .formatted(net, id.substring(0, 4), subnet));
    daemon.start();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(this::active);
    assertTrue(Virsh.run("net-dumpxml", net).contains("https://virtd.io/xmlns/mark/1"));

    Virsh.run("net-destroy", net);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(this::active);
  }
}
