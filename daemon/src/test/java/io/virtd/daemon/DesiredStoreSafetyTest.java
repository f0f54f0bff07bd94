package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon's desired state under hostile manifests: what a manifest may not do is a problem at
 * its file, shown in status, and the file's guests keep their last valid state (never a removal).
 */
class DesiredStoreSafetyTest {
  @TempDir Path dir;

  Path write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    return f;
  }

  @Test
  void aConnectNamingAProgramIsAProblemAndTheLastValidStateStays() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    DesiredStore store = new DesiredStore(dir);
    Path f = write("a.yaml", "virt: a\nvirt_type: kvm\nconnect: qemu:///system\n");
    store.reload(Instant.EPOCH);
    write("a.yaml", "virt: a\nvirt_type: kvm\nconnect: \"qemu+ext:///system?command=/x.sh\"\n");
    DesiredStore.Delta d = store.reload(Instant.EPOCH);
    assertEquals(Set.of(), d.changed());
    assertEquals(Set.of(), d.removed());
    assertEquals("qemu:///system", store.get("a").orElseThrow().connect().orElseThrow());
    List<Problem> problems = store.problems().get(f);
    assertEquals(1, problems.size(), problems.toString());
    assertEquals(new Pos(3, 10), problems.get(0).pos());
    assertTrue(problems.get(0).message().contains("transport `ext`"), problems.toString());
    assertFalse(store.names().isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"fifo", "broken link", "link loop", "link to /dev/zero", "other owner"})
  void aManifestThatTurnsUnreadableKeepsItsGuestsAndIsShown(String how) throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    DesiredStore store = new DesiredStore(dir);
    store.trackGone(true);
    Path f = write("a.yaml", "virt: a\nvirt_type: kvm\nmemory: 256\n");
    store.reload(Instant.EPOCH);
    Files.delete(f);
    switch (how) {
      case "fifo" -> new ProcessBuilder("mkfifo", f.toString()).start().waitFor();
      case "broken link" -> Files.createSymbolicLink(f, dir.resolve("nowhere"));
      case "link loop" -> Files.createSymbolicLink(f, f);
      case "link to /dev/zero" -> Files.createSymbolicLink(f, Path.of("/dev/zero"));
      default -> {
        write("a.yaml", "virt: a\nvirt_type: kvm\nmemory: 512\n");
        Files.setAttribute(f, "unix:uid", 65534);
      }
    }
    DesiredStore.Delta d =
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> store.reload(Instant.EPOCH));
    assertEquals(Set.of(), d.removed(), how + " is no removal");
    assertEquals(Set.of(), d.changed());
    assertEquals(Set.of(), store.goneNames(), "nothing to prune");
    assertEquals(256L * 1024, store.get("a").orElseThrow().memoryKiB());
    List<Problem> problems = store.problems().get(f);
    assertEquals(1, problems.size(), store.problems().toString());
    assertTrue(problems.get(0).isError());
  }
}
