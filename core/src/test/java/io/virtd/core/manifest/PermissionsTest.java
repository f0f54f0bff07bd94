package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.onlyProblem;
import static io.virtd.core.manifest.Manifests.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A manifest that group or others may write: {@code validate} and {@code plan} warn ({@link
 * ManifestLoader.Permissions#WARN}); the daemon and {@code apply} refuse it ({@link
 * ManifestLoader.Permissions#REFUSE}), as sshd's StrictModes does.
 */
class PermissionsTest {
  @TempDir Path dir;

  private Path manifest(String mode) throws Exception {
    Path f = write(dir, "web01.yaml", "virt: web01\nvirt_type: kvm\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"rw-rw-r--", "rw-r--rw-", "rw-rw-rw-", "rw--w----", "rw-----w-", "rwxrwxrwx"})
  void writableByGroupOrOthersIsAWarningUnderWarn(String mode) throws Exception {
    Path f = manifest(mode);
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.WARN).load(f);
    Problem p = onlyProblem(s);
    assertFalse(p.isError());
    assertEquals(f, p.file());
    assertEquals(new Pos(1, 1), p.pos());
    assertTrue(
        p.message().contains("writable by group or others; run chmod go-w on it"), p::toString);
    assertEquals(
        f
            + ":1:1: warning: writable by group or others; run chmod go-w on it (apply and the daemon refuse such files)",
        p.toString());
    assertFalse(s.hasErrors());
    assertEquals(Set.of("web01"), s.resources().keySet(), "the file is still used");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"rw-rw-r--", "rw-r--rw-", "rw-rw-rw-", "rw--w----", "rw-----w-", "rwxrwxrwx"})
  void writableByGroupOrOthersIsRefusedUnderRefuse(String mode) throws Exception {
    Path f = manifest(mode);
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    Problem p = onlyProblem(s);
    assertTrue(p.isError());
    assertEquals(f, p.file());
    assertEquals(new Pos(1, 1), p.pos());
    assertTrue(
        p.message().contains("writable by group or others; run chmod go-w on it (refused"),
        p::toString);
    assertTrue(s.resources().isEmpty(), "a refused file declares nothing");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r--r--", "rw-------", "r--r--r--", "r--------", "rwxr-xr-x"})
  void notWritableByGroupOrOthersIsFineEitherWay(String mode) throws Exception {
    Path f = manifest(mode);
    for (ManifestLoader.Permissions perms : ManifestLoader.Permissions.values()) {
      DesiredState s = new ManifestLoader(perms).load(f);
      assertEquals(List.of(), s.problems(), perms::toString);
      assertEquals(Set.of("web01"), s.resources().keySet());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"WARN", "REFUSE"})
  void inADirectoryOnlyTheWritableFileIsAffected(String mode) throws Exception {
    Path loose = write(dir, "sub/loose.yaml", "virt: web02\nvirt_type: kvm\n");
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-rw-r--"));
    write(dir, "tight.yaml", "virt: web03\nvirt_type: kvm\n");
    ManifestLoader.Permissions perms = ManifestLoader.Permissions.valueOf(mode);
    DesiredState s = new ManifestLoader(perms).load(dir);
    Problem p = onlyProblem(s);
    assertEquals(loose, p.file());
    assertEquals(perms == ManifestLoader.Permissions.REFUSE, p.isError());
    assertEquals(
        perms == ManifestLoader.Permissions.REFUSE ? Set.of("web03") : Set.of("web02", "web03"),
        s.resources().keySet());
  }
}
