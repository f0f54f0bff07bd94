package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStoreTest {
  @TempDir Path dir;

  void write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  /** A store over {@code dir/m}, loaded, with a manifest {@code NAME.yaml} for each name. */
  DesiredStore storeOverSubdirectoryWith(String... names) throws Exception {
    DesiredStore store = new DesiredStore(Files.createDirectory(dir.resolve("m")));
    for (String n : names) {
      write("m/" + n + ".yaml", "virt: " + n + "\nvirt_type: kvm\n");
    }
    store.reload(Instant.EPOCH);
    return store;
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
  void aManifestsDirectoryThatVanishesRemovesNothingAndItsFilesComingBackWithoutOneDoes()
      throws Exception {
    DesiredStore store = storeOverSubdirectoryWith("a", "b");
    Path manifests = store.dir();
    Path away = dir.resolve("away");
    Files.move(manifests, away); // unmounted, or removed by mistake

    DesiredStore.Delta d = store.reload(Instant.EPOCH);
    assertEquals(Set.of(), d.removed(), "an unreadable directory is no evidence of a removal");
    assertTrue(store.get("a").isPresent() && store.get("b").isPresent());
    assertTrue(store.problems().containsKey(manifests), store.problems().toString());

    Files.move(away, manifests);
    Files.delete(manifests.resolve("b.yaml"));
    assertEquals(Set.of("b"), store.reload(Instant.EPOCH).removed());
    assertTrue(store.problems().isEmpty());
  }

  @Test
  void aManifestsDirectoryReplacedByAnEmptyOneUnmanagesItsGuestsButNeverPrunesThem()
      throws Exception {
    DesiredStore store = storeOverSubdirectoryWith("a");
    Path manifests = store.dir();
    Files.move(manifests, dir.resolve("mounted"));
    Files.createDirectory(manifests); // the empty mount point under an unmounted file system

    DesiredStore.Delta d = store.reload(Instant.EPOCH);
    assertEquals(Set.of("a"), d.removed());
    assertTrue(d.emptied());
    assertTrue(store.goneNames().isEmpty(), "nothing to prune");

    write("m/a.yaml", "virt: a\nvirt_type: kvm\n");
    assertEquals(Set.of("a"), store.reload(Instant.EPOCH).changed(), "managed again");
    Files.delete(manifests.resolve("a.yaml")); // the same directory: a removal as usual
    d = store.reload(Instant.EPOCH);
    assertFalse(d.emptied());
    assertEquals(Set.of("a"), store.goneNames());
  }

  @Test
  void removalsWhilePruneIsOffAreNeverRememberedForALaterPrune() throws Exception {
    DesiredStore store = storeOverSubdirectoryWith("a", "b");
    store.trackGone(false); // prune: false
    Files.delete(store.dir().resolve("a.yaml"));
    assertEquals(Set.of("a"), store.reload(Instant.EPOCH).removed());
    assertTrue(store.goneNames().isEmpty(), "unmanaged, nothing to prune");

    store.trackGone(true); // SIGHUP with prune: true
    store.reload(Instant.EPOCH);
    assertTrue(store.goneNames().isEmpty(), "a stays unmanaged: its removal came before prune");
    Files.delete(store.dir().resolve("b.yaml"));
    store.reload(Instant.EPOCH);
    assertEquals(Set.of("b"), store.goneNames(), "removals from now on are pruned");

    store.trackGone(false); // and off again: what was remembered is forgotten
    assertTrue(store.goneNames().isEmpty());
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

  /**
   * A file written in pieces while full passes reload the store every few milliseconds: no pass
   * takes a half-written file as desired; each sees the last complete state until the file has
   * stayed unchanged for the settle time.
   */
  @Test
  void aFileWrittenInPiecesIsNeverTakenAsDesiredHalfWritten() throws Exception {
    Duration settle = Duration.ofSeconds(1); // well above the pauses, even on a loaded machine
    DesiredStore store = new DesiredStore(dir, settle);
    write("a.yaml", "virt: a\nvirt_type: kvm\nensure: running\ndesc: before\n");
    assertTrue(store.reload(Instant.EPOCH).unsettled().contains(dir.resolve("a.yaml")));
    assertTrue(store.get("a").isEmpty(), "not read before it has settled");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> store.reload(Instant.EPOCH).unsettled().isEmpty());
    assertEquals("before", store.get("a").orElseThrow().string(Field.DESC).orElse(null));

    Set<String> desired = ConcurrentHashMap.newKeySet();
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread passes =
        new Thread(
            () -> {
              while (writing.get()) {
                store.reload(Instant.EPOCH);
                store
                    .get("a")
                    .ifPresent(
                        s ->
                            desired.add(s.ensure().key() + " " + s.string(Field.DESC).orElse("-")));
                LockSupport.parkNanos(5_000_000);
              }
            });
    passes.start();
    Path f = dir.resolve("a.yaml");
    try (var out = Files.newOutputStream(f, StandardOpenOption.TRUNCATE_EXISTING)) {
      for (String piece :
          List.of("virt: a\nvirt_type: kvm\n", "ensure: stopped\n", "desc: tripwi", "re\n")) {
        out.write(piece.getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread.sleep(150);
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> desired.contains("stopped tripwire"));
    writing.set(false);
    passes.join();
    assertEquals(Set.of("running before", "stopped tripwire"), desired);
  }
}
