package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.CliRunner;
import io.virtd.core.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status socket keeps other users out by its mode alone (0660, root's group): with every
 * directory above it open to all, a process running as a throwaway system user gets EACCES from
 * connect(2), and virtctl run as that user exits 1 saying so; the same user put in the socket's
 * group gets in. Needs root (to create the user); skipped otherwise.
 */
class SocketAccessIT {
  static final String USER = "virtd-it-other";
  static final String PYTHON = "/usr/bin/python3";
  @TempDir static Path dir;
  static boolean createdUser;
  static DaemonProcess daemon;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root to create a throwaway user");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/runuser"))
            && Files.isExecutable(Path.of("/usr/sbin/useradd")));
    if (run("id", "-u", USER).exit() != 0) {
      Result r = run("useradd", "-r", "-M", "-s", "/usr/sbin/nologin", USER);
      assertEquals(0, r.exit(), r.out());
      createdUser = true;
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    daemon = new DaemonProcess(dir, "owner: it-socket\nschedule: 1h\n").start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (createdUser) {
      run("userdel", USER);
    }
  }

  record Result(int exit, String out) {}

  static Result run(String... argv) throws Exception {
    Commands.Result r = Commands.run(List.of(argv), Duration.ofSeconds(60));
    return new Result(r.exit(), r.out().strip());
  }

  static Result asOther(String... argv) throws Exception {
    List<String> a = new ArrayList<>(List.of("runuser", "-u", USER, "--"));
    a.addAll(List.of(argv));
    return run(a.toArray(String[]::new));
  }

  static final String CONNECT =
      "import socket, sys\n"
          + "s = socket.socket(socket.AF_UNIX)\n"
          + "try:\n"
          + "    s.connect(sys.argv[1]); print('connected')\n"
          + "except OSError as e:\n"
          + "    import errno; print(errno.errorcode[e.errno])\n";

  @Test
  void anotherUserIsRefusedByTheSocketModeAlone() throws Exception {
    assertEquals(
        "rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket)));
    assertEquals(
        0, CliRunner.run("status", "--socket", daemon.socket.toString()).exit(), "root gets in");
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), "no " + PYTHON);
    // the directories are open, so only the socket's own mode can say no
    assertEquals(
        0,
        asOther("test", "-S", daemon.socket.toString()).exit(),
        "the other user can see the socket");
    assertEquals("EACCES", asOther(PYTHON, "-c", CONNECT, daemon.socket.toString()).out());
  }

  @Test
  void virtctlRunAsAnotherUserExitsOneAndSaysWhy() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path jar = Path.of("../cli/target/virtctl.jar").toAbsolutePath().normalize();
    assertTrue(Files.exists(jar), jar + " is missing: the cli module's package phase builds it");
    Result r =
        asOther(
            java,
            "-cp",
            jar.toString(),
            "io.virtd.cli.Virtctl",
            "status",
            "--socket",
            daemon.socket.toString());
    assertEquals(1, r.exit(), r.out());
    assertTrue(
        r.out().toLowerCase().contains("permission denied") || r.out().contains("EACCES"), r.out());
  }

  @Test
  void theSocketsGroupGetsIn() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), "no " + PYTHON);
    Path s = daemon.socket;
    var owner = Files.getOwner(s);
    var group = Files.readAttributes(s, java.nio.file.attribute.PosixFileAttributes.class).group();
    try {
      Result chgrp = run("chgrp", USER, s.toString());
      assertEquals(0, chgrp.exit(), chgrp.out());
      assertEquals("connected", asOther(PYTHON, "-c", CONNECT, s.toString()).out());
    } finally {
      Files.getFileAttributeView(s, java.nio.file.attribute.PosixFileAttributeView.class)
          .setGroup(group);
      assertEquals(owner, Files.getOwner(s));
    }
  }
}
