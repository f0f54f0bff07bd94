package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStoreTest {
  @TempDir Path dir;

  void write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void anInvalidFileKeepsItsLastValidStateAndAFixConverges() throws Exception {
    DesiredStore store = new DesiredStore(dir);
    write("a.yaml", "virt: a\nvirt_type: kvm\nmemory: 256\n");
    assertEquals(Set.of("a"), store.reload(Instant.EPOCH).changed());
    write("a.yaml", "virt: a\nvirt_type: kvm\nmemory: 256\nensure: [oops\n");
    DesiredStore.Delta d = store.reload(Instant.EPOCH);
    assertEquals(Set.of(), d.changed());
    assertEquals(Set.of(), d.removed(), "bad input never removes a guest");
    assertEquals(256L * 1024, store.get("a").orElseThrow().memoryKiB());
    assertFalse(store.problems().isEmpty());
    write("a.yaml", "virt: a\nvirt_type: kvm\nmemory: 512\n");
    assertEquals(Set.of("a"), store.reload(Instant.EPOCH).changed());
    assertEquals(512L * 1024, store.get("a").orElseThrow().memoryKiB());
  }

  @Test
  void aRemovedFileMakesItsResourcesGoneWithATime() throws Exception {
    DesiredStore store = new DesiredStore(dir);
    write("a.yaml", "virt: a\nvirt_type: kvm\n");
    store.reload(Instant.EPOCH);
    Files.delete(dir.resolve("a.yaml"));
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals(Set.of("a"), store.reload(t).removed());
    assertTrue(store.get("a").isEmpty());
    assertEquals(t, store.gone("a").orElseThrow().getValue());
    write("b.yaml", "virt: a\nvirt_type: kvm\n"); // renamed: back, not gone
    store.reload(t);
    assertTrue(store.gone("a").isEmpty());
  }

  @Test
  void aGroupWritableManifestIsRefusedButKeepsItsLastState() throws Exception {
    DesiredStore store = new DesiredStore(dir);
    write("a.yaml", "virt: a\nvirt_type: kvm\n");
    store.reload(Instant.EPOCH);
    Files.setPosixFilePermissions(
        dir.resolve("a.yaml"), PosixFilePermissions.fromString("rw-rw-r--"));
    DesiredStore.Delta d = store.reload(Instant.EPOCH);
    assertEquals(Set.of(), d.removed());
    assertTrue(store.get("a").isPresent());
  }
}
