package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The socket and the directories virtd makes for it have their modes whatever the umask virtd was
 * started with: a daemon started under {@code umask 000} makes them 0750 and 0660, not 0777.
 */
class ControlSocketModeIT {
  @TempDir Path dir;

  @Test
  void underUmask000TheDirectoriesAre0750AndTheSocket0660() throws Exception {
    Path run = dir.resolve("run");
    Path socket = run.resolve("virtd/virtd.sock");
    try (DaemonProcess daemon = new DaemonProcess(dir, socket, "schedule: 1h\n")) {
      daemon.umask = "000";
      daemon.start();
      assertEquals("rwxr-x---", mode(run));
      assertEquals("rwxr-x---", mode(socket.getParent()));
      assertEquals("rw-rw----", mode(socket));
      try (Stream<Path> left = Files.list(socket.getParent())) {
        assertEquals(List.of(socket), left.toList(), "nothing but the socket is left beside it");
      }
      var status = CliRunner.run("status", "--socket", socket.toString());
      assertEquals(0, status.exit(), status.err());
    }
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
