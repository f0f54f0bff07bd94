package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apply --replace NAME} with a NAME no manifest declares is an error (exit 1) before
 * anything is planned or done, as {@code plan NAME} is: a typo must not silently leave a guest
 * un-replaced.
 */
class ApplyReplaceNamesTest {
  @TempDir Path dir;
  Path config;
  Path manifest;

  @BeforeEach
  void files() throws Exception {
    config = dir.resolve("virtd.yaml");
    write(
        config, "owner: repl\nlock_dir: " + dir.resolve("locks") + "\nconnect: test:///default\n");
    manifest = dir.resolve("a.yaml");
    write(manifest, "virt: repl-a\nvirt_type: kvm\nensure: stopped\nmemory: 64\n");
  }

  static void write(Path f, String text) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void anUnknownReplaceNameIsAnErrorAndNothingIsPlanned() {
    Cli apply =
        Cli.run(
            "apply",
            "--config",
            config.toString(),
            "-m",
            manifest.toString(),
            "--replace",
            "repl-a",
            "--replace",
            "nosuch");
    assertEquals(1, apply.exit(), apply.out() + apply.err());
    assertTrue(
        apply.err().contains("--replace: no resource named `nosuch` in the manifests"),
        apply.err());
    assertFalse(apply.err().contains("`repl-a`"), apply.err());
    assertEquals("", apply.out(), "no plan is printed, no step is taken");
  }

  @Test
  void aDeclaredReplaceNameIsAccepted() {
    Cli apply =
        Cli.run(
            "apply",
            "--config",
            config.toString(),
            "-m",
            manifest.toString(),
            "--replace",
            "repl-a");
    assertEquals(0, apply.exit(), apply.out() + apply.err());
    assertTrue(apply.out().contains("virt/repl-a: create ... ok"), apply.out());
  }
}
