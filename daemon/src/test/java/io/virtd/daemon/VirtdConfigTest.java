package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon refuses to start on a configuration it must not trust or cannot read. */
class VirtdConfigTest {
  @TempDir Path dir;

  private int start(String text, String perms) throws Exception {
    Path cfg = dir.resolve("virtd.yaml");
    Files.writeString(cfg, text);
    Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString(perms));
    Virtd v = new Virtd();
    v.config = cfg;
    return v.call();
  }

  @Test
  void aGroupWritableConfigurationIsRefused() throws Exception {
    assertEquals(
        1, start("manifests: " + dir + "\nsocket: " + dir.resolve("s") + "\n", "rw-rw-r--"));
  }

  @Test
  void anInvalidConfigurationIsRefused() throws Exception {
    assertEquals(1, start("workers: many\n", "rw-r--r--"));
  }

  @Test
  void aMissingConfigurationGivenByFlagIsRefused() throws Exception {
    Virtd v = new Virtd();
    v.config = dir.resolve("nope.yaml");
    assertEquals(1, v.call());
  }

  @Test
  void withNoGuestAtAllStatusStillWatchesTheConfiguredHypervisor() throws Exception {
    Path m = Files.createDirectories(dir.resolve("m"));
    var cfg =
        io.virtd.core.config.ConfigLoader.load(
                writeConfig("manifests: " + m + "\nconnect: qemu:///system\n"), false)
            .config();
    var store = new DesiredStore(m);
    store.reload(java.time.Instant.EPOCH);
    try (var drivers = new io.virtd.core.spi.Drivers(cfg)) {
      assertEquals(
          java.util.Set.of(
              new io.virtd.core.spi.Drivers.Target(
                  io.virtd.core.manifest.DriverKind.LIBVIRT, "qemu:///system")),
          Virtd.healthTargets(cfg, store, drivers));
      Path f = m.resolve("a.yaml");
      Files.writeString(f, "virt: a\nvirt_type: kvm\nconnect: test:///default\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
      store.reload(java.time.Instant.EPOCH.plusSeconds(1));
      assertEquals(
          java.util.Set.of("test:///default"),
          Virtd.healthTargets(cfg, store, drivers).stream()
              .map(io.virtd.core.spi.Drivers.Target::uri)
              .collect(java.util.stream.Collectors.toSet()),
          "the targets the guests use");
    }
  }

  private Path writeConfig(String text) throws Exception {
    Path cfg = dir.resolve("virtd.yaml");
    Files.writeString(cfg, text);
    Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-r--r--"));
    return cfg;
  }
}
