package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon, with {@code prune: true}, a one-second grace and a two-second schedule, while a
 * running guest's manifest is swapped (atomically) for hostile input: a {@code connect:} that would
 * run a program, a FIFO, a link to {@code /dev/zero}, a broken link, a file owned by another user.
 * Each is shown in {@code manifest_problems}; the program never runs, no read blocks, and the guest
 * stays defined and running throughout.
 */
class HostileManifestsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration CONVERGE = Duration.ofSeconds(60);
  @TempDir Path dir;
  @RegisterExtension final RealGuests guests = new RealGuests("hm", () -> this.daemon);
  final String prefix = guests.prefix;
  DaemonProcess daemon;

  private String guest(String extra) {
    return "virt: %sa\nvirt_type: %s\nmemory: 64\nshutdown_timeout: 2s\n%s"
        .formatted(prefix, Virsh.domainType(), extra);
  }

  private JsonNode status() throws Exception {
    var r = CliRunner.run("status", "--json", "--socket", daemon.socket.toString());
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  /** Puts {@code make}'s result in place of a.yaml at once, through a hidden name and a rename. */
  private void swapIn(Path manifest, ThrowingMaker make) throws Exception {
    Path tmp = manifest.resolveSibling(".a.yaml.new");
    make.make(tmp);
    Files.move(tmp, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  interface ThrowingMaker {
    void make(Path at) throws Exception;
  }

  private void awaitProblem(String fragment) {
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status().path("manifest_problems").toString().contains(fragment));
  }

  /**
   * Waits for {@code times} reconciles of {@code name} that end from now on. One key is reconciled
   * at a time, so all but the first of them began after now, with what the daemon has read by now.
   */
  private void awaitReconciles(String name, int times) {
    daemon.awaitLogSince(daemon.logMark(), "resource=" + name + " reconciled: ", times, CONVERGE);
  }

  @Test
  void hostileInputIsShownAndTheGuestIsNeverTouched() throws Exception {
    daemon =
        new DaemonProcess(
            dir,
            "owner: it-hostile\nschedule: 2s\nprune: true\nprune_grace: 1s\nlog_level: debug\n");
    daemon.start();
    String name = prefix + "a";
    Path a = daemon.manifest("a.yaml", guest(""));
    await().atMost(CONVERGE).until(() -> Virsh.run("domstate", name).equals("running"));
    String uuid = Virsh.run("domuuid", name);

    Path marker = dir.resolve("ran");
    Path script = dir.resolve("x.sh");
    Files.writeString(script, "#!/bin/sh\ntouch " + marker + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    daemon.manifest("a.yaml", guest("connect: \"qemu+ext:///system?command=" + script + "\"\n"));
    awaitProblem("a.yaml:5:10: `connect`: transport `ext` is not allowed in a manifest");

    swapIn(a, p -> new ProcessBuilder("mkfifo", p.toString()).start().waitFor());
    awaitProblem("a.yaml:1:1: a FIFO (named pipe), not a regular file");
    awaitReconciles(name, 3); // scheduled passes, and more than the prune grace
    assertEquals("running", Virsh.run("domstate", name));

    swapIn(a, p -> Files.createSymbolicLink(p, Path.of("/dev/zero")));
    awaitProblem("a.yaml:1:1: a character device, not a regular file");
    swapIn(a, p -> Files.createSymbolicLink(p, dir.resolve("nowhere.yaml")));
    awaitProblem("a.yaml:1:1: a broken symbolic link");
    swapIn(
        a,
        p -> {
          Files.writeString(p, guest("ensure: stopped\n"));
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
          Files.setAttribute(p, "unix:uid", 65534);
        });
    awaitProblem("a.yaml:1:1: owned by");
    awaitReconciles(name, 3);

    assertFalse(Files.exists(marker), "the URI's program ran");
    assertEquals("running", Virsh.run("domstate", name), "the guest was stopped or removed");
    assertEquals(uuid, Virsh.run("domuuid", name), "the guest was re-created");
    assertFalse(daemon.logText().contains("\u001b"));

    daemon.manifest("a.yaml", guest(""));
    await().atMost(CONVERGE).until(() -> status().path("manifest_problems").isEmpty());
  }
}
