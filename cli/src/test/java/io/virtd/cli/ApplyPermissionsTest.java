package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code virtctl apply} refuses a manifest or a configuration that group or others may write (as
 * sshd's StrictModes), with an error naming the file, before it plans or touches anything; {@code
 * validate} only warns. (The loader's side is PermissionsTest, the daemon's VirtdConfigTest,
 * DesiredStoreTest and SecretsIT.)
 */
class ApplyPermissionsTest {
  @TempDir Path dir;
  Path config;
  Path manifests;
  Path manifest;

  @BeforeEach
  void files() throws Exception {
    config = dir.resolve("virtd.yaml");
    write(
        config,
        "owner: perms\nlock_dir: " + dir.resolve("locks") + "\nconnect: test:///default\n",
        "rw-r--r--");
    manifests = Files.createDirectories(dir.resolve("m/sub"));
    manifest = manifests.resolve("a.yaml");
    write(manifest, "virt: perms-a\nvirt_type: kvm\nensure: stopped\nmemory: 64\n", "rw-r--r--");
  }

  static void write(Path f, String text, String mode) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-rw-r--", "rw-r--rw-", "rw-rw-rw-"})
  void applyRefusesALooseManifestAndChangesNothing(String mode) throws Exception {
    Files.setPosixFilePermissions(manifest, PosixFilePermissions.fromString(mode));
    Cli apply = Cli.run("apply", "--config", config.toString(), "-m", dir.resolve("m").toString());
    assertEquals(1, apply.exit(), apply.out() + apply.err());
    assertTrue(
        apply
            .err()
            .contains(
                manifest
                    + ":1:1: writable by group or others; run chmod go-w on it (refused, as sshd's StrictModes does)"),
        apply.err());
    assertTrue(apply.err().contains("nothing was planned or changed"), apply.err());
    assertEquals("", apply.out());

    Cli validate =
        Cli.run("validate", "--config", config.toString(), "-m", dir.resolve("m").toString());
    assertEquals(0, validate.exit(), validate.out() + validate.err());
    assertTrue(
        validate.out().contains(manifest + ":1:1: warning: writable by group or others"),
        validate.out());
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-rw-r--", "rw-r--rw-", "rw-rw-rw-"})
  void applyRefusesALooseConfiguration(String mode) throws Exception {
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString(mode));
    Cli apply = Cli.run("apply", "--config", config.toString(), "-m", manifest.toString());
    assertEquals(1, apply.exit(), apply.out() + apply.err());
    assertTrue(
        apply
            .err()
            .contains(
                config
                    + ":1:1: writable by group or others; run chmod go-w on it (refused, as sshd's StrictModes does)"),
        apply.err());
    assertEquals("", apply.out());
  }
}
