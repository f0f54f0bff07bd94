package io.virtd.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.core.testing.Commands;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C during {@code virtctl apply}, sent as a real SIGINT to a real process: the stop under way
 * finishes, the next guest's stop is not begun, apply says what is unfinished and exits 1.
 */
class ApplyInterruptIT {
  @TempDir Path dir;
  final String prefix = "virtd-it-int-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  Path manifests;
  Path config;
  Path locks;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    manifests = Files.createDirectories(dir.resolve("manifests"));
    locks = dir.resolve("locks");
    config = dir.resolve("virtd.yaml");
    // one guest at a time, so that the second stop can only begin after the first
    Files.writeString(
        config, "owner: it-host\nworkers: 1\nlock_dir: " + locks + "\nconnect: qemu:///system\n");
  }

  @AfterEach
  void cleanUp() {
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
  }

  private void manifests(String ensure) throws Exception {
    for (String n : List.of("a", "b")) {
      Path f = manifests.resolve(n + ".yaml");
      // a guest with no OS ignores ACPI: its stop waits out the whole shutdown_timeout; the
      // stop is each guest's only step (autoboot stays false)
      Files.writeString(
          f,
          "virt: %s%s\nvirt_type: %s\nmemory: 64\nensure: %s\nautoboot: false\nshutdown_timeout: 6s\n"
              .formatted(prefix, n, Virsh.domainType(), ensure));
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  @Test
  void theFirstInterruptLetsTheStepUnderWayFinishAndBeginsNoOther() throws Exception {
    manifests("running");
    Cli up = Cli.run("apply", "--config", config.toString(), "-m", manifests.toString());
    assertEquals(0, up.exit(), up.out() + up.err());

    manifests("stopped");
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process apply =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                Path.of("target/virtctl.jar").toAbsolutePath().toString(),
                "io.virtd.cli.Virtctl",
                "apply",
                "--config",
                config.toString(),
                "-m",
                manifests.toString())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      // the first guest's lock is taken just before its stop begins
      String first = prefix + "a";
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> lockedByAnother(locks.resolve(first + ".lock")));
      Thread.sleep(300); // well inside the 6 s stop
      Commands.run(List.of("kill", "-INT", Long.toString(apply.pid())), Duration.ofSeconds(20));

      assertTrue(apply.waitFor(60, TimeUnit.SECONDS), "apply ended");
      String text = Files.readString(out) + Files.readString(err);
      assertEquals(1, apply.exitValue(), text);
      assertEquals("shut off", Virsh.run("domstate", first), "the stop under way finished");
      assertEquals("running", Virsh.run("domstate", prefix + "b"), "no new step began: " + text);
      assertTrue(text.contains("SIGINT: the steps under way finish"), text);
      assertTrue(text.contains("not finished, run apply again: virt/" + prefix + "b"), text);
      assertTrue(
          text.contains("Apply interrupted: 0 failed, 0 inconsistent, 1 not finished"), text);
    } finally {
      apply.destroyForcibly();
    }

    Cli again = Cli.run("apply", "--config", config.toString(), "-m", manifests.toString());
    assertEquals(0, again.exit(), again.out() + again.err());
    assertEquals("shut off", Virsh.run("domstate", prefix + "b"));
  }

  /** Whether another process holds the lock (fcntl locks: tryLock here fails while it does). */
  private static boolean lockedByAnother(Path lock) throws Exception {
    if (!Files.exists(lock)) {
      return false;
    }
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    }
  }
}
