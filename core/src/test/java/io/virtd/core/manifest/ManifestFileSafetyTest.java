package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.onlyProblem;
import static io.virtd.core.manifest.Manifests.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Files named like manifests that are not regular files, symbolic links, and files or directories
 * someone other than root could change: each is a problem at its path (never a silent skip, which
 * would read as a removal), links are followed and judged by their targets, and no read blocks.
 */
class ManifestFileSafetyTest {
  static final ManifestLoader REFUSE = new ManifestLoader(ManifestLoader.Permissions.REFUSE);

  @TempDir Path tmp;
  Path dir;

  @BeforeEach
  void manifestsDirectory() throws Exception {
    dir = Files.createDirectory(tmp.resolve("m"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    write(dir, "good.yaml", "virt: good01\nvirt_type: kvm\n");
  }

  private DesiredState loadDir() {
    return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> REFUSE.load(dir));
  }

  private void assertOnlyErrorAt(Path file, String message, DesiredState s) {
    Problem p = onlyProblem(s);
    assertTrue(p.isError(), p::toString);
    assertEquals(file, p.file());
    assertEquals(Pos.START, p.pos());
    assertTrue(p.message().contains(message), p::toString);
    assertEquals(Set.of("good01"), s.resources().keySet(), "the good file still loads");
  }

  @Test
  void aFifoIsAProblemAndIsNeverOpened() throws Exception {
    Path fifo = dir.resolve("pipe.yaml");
    new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
    assertTrue(Files.exists(fifo));
    assertOnlyErrorAt(fifo, "a FIFO (named pipe), not a regular file", loadDir());
    DesiredState alone = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> REFUSE.load(fifo));
    assertEquals(fifo, onlyProblem(alone).file());
  }

  @Test
  void aLinkToDevZeroIsAProblemAndIsNeverRead() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("zero.yaml"), Path.of("/dev/zero"));
    assertOnlyErrorAt(link, "a character device, not a regular file", loadDir());
    assertEquals(link, onlyProblem(REFUSE.load(link)).file());
  }

  @Test
  void aBrokenLinkIsAProblem() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("gone.yaml"), tmp.resolve("nowhere.yaml"));
    assertOnlyErrorAt(link, "a broken symbolic link", loadDir());
    assertEquals(link, onlyProblem(REFUSE.load(link)).file());
  }

  @Test
  void aLinkLoopIsAProblem() throws Exception {
    Path a = dir.resolve("a.yaml");
    Path b = dir.resolve("b.yaml");
    Files.createSymbolicLink(a, b);
    Files.createSymbolicLink(b, a);
    DesiredState s = loadDir();
    assertEquals(
        List.of(a, b),
        s.errors().stream().map(Problem::file).sorted().toList(),
        s.errors()::toString);
    assertTrue(s.errors().stream().allMatch(p -> p.message().contains("symbolic link loop")));
    assertEquals(Set.of("good01"), s.resources().keySet());
  }

  @Test
  void aDirectoryLoopIsAProblemAndTheWalkEnds() throws Exception {
    Path loop = Files.createSymbolicLink(dir.resolve("again"), dir);
    assertOnlyErrorAt(loop, "symbolic link loop", loadDir());
  }

  @Test
  void aSymlinkedManifestsDirectoryAndSubDirectoryLoad() throws Exception {
    Path release = Files.createDirectories(tmp.resolve("releases/r1"));
    write(release, "web.yaml", "virt: web01\nvirt_type: kvm\n");
    Path current = Files.createSymbolicLink(tmp.resolve("current"), release);
    DesiredState viaLink = REFUSE.load(current);
    assertEquals(List.of(), viaLink.problems());
    assertEquals(Set.of("web01"), viaLink.resources().keySet());

    Files.createSymbolicLink(dir.resolve("shared"), release);
    DesiredState s = loadDir();
    assertEquals(List.of(), s.problems());
    assertEquals(Set.of("good01", "web01"), s.resources().keySet());
  }

  @Test
  void aSymlinkedFileIsJudgedByItsTargetNotTheLinksOwnMode() throws Exception {
    Path target = write(tmp, "elsewhere/db.yaml", "virt: db01\nvirt_type: kvm\n");
    Path link = Files.createSymbolicLink(dir.resolve("db.yaml"), target);
    DesiredState s = loadDir();
    assertEquals(List.of(), s.problems());
    assertEquals(Set.of("good01", "db01"), s.resources().keySet());

    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertOnlyErrorAt(link, "writable by group or others", loadDir());
  }

  @Test
  void aLinkIntoAGroupWritableDirectoryIsRefused() throws Exception {
    Path loose = Files.createDirectories(tmp.resolve("loose"));
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxrwxr-x"));
    Path target = write(loose, "db.yaml", "virt: db01\nvirt_type: kvm\n");
    Path link = Files.createSymbolicLink(dir.resolve("db.yaml"), target);
    assertOnlyErrorAt(
        link, "directory " + loose + " above it is writable by group or others", loadDir());
  }

  @Test
  void aManifestOwnedByAnotherUserIsRefused() throws Exception {
    Path f = write(dir, "theirs.yaml", "virt: theirs01\nvirt_type: kvm\n");
    Files.setAttribute(f, "unix:uid", 65534);
    assertOnlyErrorAt(f, "owned by", loadDir());
    assertTrue(onlyProblem(loadDir()).message().contains("uid 65534"));
  }

  @Test
  void aDirectoryOwnedByAnotherUserIsRefused() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("team"));
    Path f = write(sub, "t.yaml", "virt: t01\nvirt_type: kvm\n");
    Files.setAttribute(sub, "unix:uid", 65534);
    assertOnlyErrorAt(f, "directory " + sub + " above it is owned by", loadDir());
  }

  @Test
  void anOtherWritableDirectoryIsRefusedUnlessSticky() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("drop"));
    Path f = write(sub, "d.yaml", "virt: d01\nvirt_type: kvm\n");
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertOnlyErrorAt(
        f, "directory " + sub + " above it is writable by group or others", loadDir());
    Files.setAttribute(sub, "unix:mode", 01777);
    DesiredState s = loadDir();
    assertEquals(List.of(), s.problems());
    assertEquals(Set.of("good01", "d01"), s.resources().keySet());
  }

  @ParameterizedTest
  @EnumSource(ManifestLoader.Permissions.class)
  void underWarnItIsAWarningAndTheFileIsUsed(ManifestLoader.Permissions perms) throws Exception {
    Path f = write(dir, "theirs.yaml", "virt: theirs01\nvirt_type: kvm\n");
    Files.setAttribute(f, "unix:uid", 65534);
    DesiredState s = new ManifestLoader(perms).load(dir);
    Problem p = onlyProblem(s);
    assertEquals(perms == ManifestLoader.Permissions.REFUSE, p.isError());
    assertEquals(perms == ManifestLoader.Permissions.WARN, s.resources().containsKey("theirs01"));
  }

  @Test
  void aLinkToShadowNeverEchoesItsContent() throws Exception {
    Path secret =
        write(
            tmp,
            "shadow",
            "root:$6$s3cr3tHash$abcdef:19000:0:99999:7:::\nbin:*:19000::::::\nroot:$6$s3cr3tHash$abcdef:19000:0:99999:7:::\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Path link = Files.createSymbolicLink(dir.resolve("shadow.yaml"), secret);
    for (ManifestLoader.Permissions perms : ManifestLoader.Permissions.values()) {
      DesiredState s = new ManifestLoader(perms).load(link);
      assertFalse(s.problems().isEmpty());
      for (Problem p : s.problems()) {
        assertFalse(p.toString().contains("s3cr3t"), p::toString);
        assertFalse(p.toString().contains("root:"), p::toString);
        assertFalse(p.toString().contains("19000"), p::toString);
      }
    }
  }
}
