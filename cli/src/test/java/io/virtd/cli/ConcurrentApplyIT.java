package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.core.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code virtctl apply} processes started together on one manifest with cloud-init {@code
 * user_data}, against the real {@code qemu:///system}: both exit 0, the guest is created once and
 * runs, its seed image is in place (the guest starts again from it), and a later {@code plan} finds
 * nothing to do.
 */
class ConcurrentApplyIT {
  static final int ROUNDS = 3;
  static final Path GENISOIMAGE = Path.of("/usr/bin/genisoimage");

  @TempDir Path dir;
  final String prefix = "virtd-it-ca-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  Path storage;
  Path config;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    assumeTrue(Files.isExecutable(GENISOIMAGE), "no genisoimage");
    storage = Path.of("/var/lib/virtd-test", prefix);
    config = dir.resolve("virtd.yaml");
    write(
        config,
        "owner: it-race\nlock_dir: %s\nstorage_dir: %s\nconnect: qemu:///system\n"
            .formatted(dir.resolve("locks"), storage));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
    if (storage != null && Files.exists(storage)) {
      try (var files = Files.walk(storage)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  static void write(Path f, String text) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  static Commands.Result virtctl(String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> argv =
        new ArrayList<>(
            List.of(
                java,
                "-XX:+UseSerialGC",
                "-cp",
                Path.of("target/virtctl.jar").toAbsolutePath().toString(),
                "io.virtd.cli.Virtctl"));
    argv.addAll(List.of(args));
    return Commands.run(argv, Duration.ofMinutes(3));
  }

  @Test
  void twoAppliesAtOnceLeaveOneRunningGuestWithItsSeed() throws Exception {
    String type = Virsh.domainType();
    for (int i = 0; i < ROUNDS; i++) {
      String name = prefix + i;
      Path manifest = dir.resolve(name + ".yaml");
      write(
          manifest,
          """
          virt: %s
          virt_type: %s
          memory: 64
          shutdown_timeout: 2s
          user_data: {hostname: race}
          """
              .formatted(name, type));
      List<CompletableFuture<Commands.Result>> runs = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        runs.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return virtctl(
                        "apply", "--config", config.toString(), "-m", manifest.toString());
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      int creates = 0;
      for (var run : runs) {
        Commands.Result c = run.get();
        assertEquals(0, c.exit(), "round " + i + ":\n" + c.out() + c.err());
        creates += c.out().contains("create ... ok") ? 1 : 0;
      }
      assertEquals(1, creates, "round " + i + ": created once");
      assertEquals("running", Virsh.run("domstate", name).strip(), "round " + i);
      Path seed = storage.resolve(name + "-cidata.iso");
      assertTrue(Files.isRegularFile(seed), "round " + i + ": the seed is in place");
      Virsh.run("destroy", name);
      Virsh.run("start", name);
      assertEquals("running", Virsh.run("domstate", name).strip(), "starts again from its seed");
      Commands.Result plan =
          virtctl("plan", "--config", config.toString(), "-m", manifest.toString());
      assertEquals(
          0, plan.exit(), "round " + i + ": nothing left to do\n" + plan.out() + plan.err());
    }
  }
}
