package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} over files that are not regular manifests: each is an error at its path (exit
 * 1), never skipped; a manifests directory reached through a symbolic link loads.
 */
class ValidateFileTypesTest {
  @TempDir Path dir;

  Path config() throws Exception {
    Path c = dir.resolve("virtd.yaml");
    Files.writeString(c, "owner: vt\n");
    Files.setPosixFilePermissions(c, PosixFilePermissions.fromString("rw-r--r--"));
    return c;
  }

  @Test
  void aFifoABrokenLinkAndALinkToDevZeroAreErrors() throws Exception {
    Path m = Files.createDirectory(dir.resolve("m"));
    new ProcessBuilder("mkfifo", m.resolve("pipe.yaml").toString()).start().waitFor();
    Files.createSymbolicLink(m.resolve("gone.yaml"), dir.resolve("nowhere.yaml"));
    Files.createSymbolicLink(m.resolve("zero.yml"), Path.of("/dev/zero"));
    Path config = config();
    Cli r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () -> Cli.run("validate", "--config", config.toString(), "-m", m.toString()));
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains(m.resolve("pipe.yaml") + ":1:1: a FIFO"), r.err());
    assertTrue(r.err().contains(m.resolve("gone.yaml") + ":1:1: a broken symbolic link"), r.err());
    assertTrue(r.err().contains(m.resolve("zero.yml") + ":1:1: a character device"), r.err());
  }

  @Test
  void aSymlinkedManifestsDirectoryValidates() throws Exception {
    Path release = Files.createDirectories(dir.resolve("releases/r1"));
    Path f = release.resolve("a.yaml");
    Files.writeString(f, "virt: a01\nvirt_type: kvm\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    Path current = Files.createSymbolicLink(dir.resolve("current"), release);
    Cli r = Cli.run("validate", "--config", config().toString(), "-m", current.toString());
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("1 resource(s) valid"), r.out());
  }
}
