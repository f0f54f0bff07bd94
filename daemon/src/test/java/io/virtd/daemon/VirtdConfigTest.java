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
}
