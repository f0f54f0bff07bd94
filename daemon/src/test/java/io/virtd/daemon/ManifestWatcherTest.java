package io.virtd.daemon;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestWatcherTest {
  @TempDir Path dir;
  final AtomicInteger reloads = new AtomicInteger();

  ManifestWatcher watch(Path root) throws Exception {
    return new ManifestWatcher(
        root, Duration.ofMillis(50), reloads::incrementAndGet, Duration.ofMillis(100));
  }

  void awaitReloadAfter(int before) {
    await().atMost(Duration.ofSeconds(10)).until(() -> reloads.get() > before);
  }

  @Test
  void aWrittenFileReloads() throws Exception {
    Path root = Files.createDirectory(dir.resolve("m"));
    try (ManifestWatcher w = watch(root)) {
      Files.writeString(root.resolve("a.yaml"), "virt: a\n");
      awaitReloadAfter(0);
    }
  }

  @Test
  void aDirectoryReCreatedUnderTheSamePathIsWatchedAgain() throws Exception {
    Path root = Files.createDirectory(dir.resolve("m"));
    try (ManifestWatcher w = watch(root)) {
      Files.move(root, dir.resolve("old"));
      Files.createDirectory(root);
      awaitReloadAfter(0); // the path names another directory: reloaded without any event in it
      int before = reloads.get();
      Files.writeString(root.resolve("a.yaml"), "virt: a\n");
      awaitReloadAfter(before); // and changes in the new one are seen
    }
  }

  @Test
  void aDirectoryMissingAtStartIsWatchedOnceItAppears() throws Exception {
    Path root = dir.resolve("late");
    try (ManifestWatcher w = watch(root)) {
      Files.createDirectory(root);
      awaitReloadAfter(0);
      int before = reloads.get();
      Files.writeString(root.resolve("a.yaml"), "virt: a\n");
      awaitReloadAfter(before);
    }
  }

  @Test
  void aSwappedSymlinkIsFollowedToTheNewRelease() throws Exception {
    Path r1 = Files.createDirectory(dir.resolve("r1"));
    Path r2 = Files.createDirectory(dir.resolve("r2"));
    Path link = Files.createSymbolicLink(dir.resolve("current"), r1);
    try (ManifestWatcher w = watch(link)) {
      Path tmp = Files.createSymbolicLink(dir.resolve("current.new"), r2);
      Files.move(tmp, link, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      awaitReloadAfter(0);
      int before = reloads.get();
      Files.writeString(r2.resolve("a.yaml"), "virt: a\n");
      awaitReloadAfter(before);
    }
  }

  @Test
  void aDirectoryInsideASymlinkedOneIsWatchedAndALoopDoesNotStopTheWatch() throws Exception {
    Path root = Files.createDirectory(dir.resolve("m"));
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Path deep = Files.createDirectory(shared.resolve("deep"));
    Files.createSymbolicLink(root.resolve("again"), root);
    Files.createSymbolicLink(root.resolve("shared"), shared);
    Path later = Files.createDirectory(root.resolve("z"));
    try (ManifestWatcher w = watch(root)) {
      Files.writeString(deep.resolve("a.yaml"), "virt: a\n");
      awaitReloadAfter(0);
      int before = reloads.get();
      Files.writeString(later.resolve("b.yaml"), "virt: b\n");
      awaitReloadAfter(before);
    }
  }
}
