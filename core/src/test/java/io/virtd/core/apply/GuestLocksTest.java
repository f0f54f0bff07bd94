package io.virtd.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock directory and files keep other users out, whatever the umask leaves open. */
class GuestLocksTest {
  @TempDir Path dir;

  @Test
  void theDirectoriesMadeAre0750AndALockFileIsItsOwnersOnly() throws Exception {
    Path locks = dir.resolve("run/virtd/locks");
    try (GuestLocks.Held held = new GuestLocks(locks).acquire("a", Duration.ofSeconds(1))) {
      assertEquals("rwxr-x---", mode(dir.resolve("run")));
      assertEquals("rwxr-x---", mode(dir.resolve("run/virtd")));
      assertEquals("rwxr-x---", mode(locks));
      assertEquals("rw-------", mode(locks.resolve("a.lock")));
    }
    assertEquals("rwx------", mode(dir), "a directory that was there is left as it is");
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
