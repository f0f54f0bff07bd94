package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest's {@code connect:} cannot make root run a program: libvirt's ext transport (and ssh's
 * {@code command=}, {@code netcat=}) would execute what the URI names, so validate, plan and apply
 * refuse such a URI at its FILE:LINE:COL before any connection is opened.
 */
class ManifestConnectTest {
  @TempDir Path dir;

  static void write(Path f, String text) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void anExtUriIsRefusedEverywhereAndItsProgramNeverRuns() throws Exception {
    Path marker = dir.resolve("ran");
    Path script = dir.resolve("x.sh");
    Files.writeString(script, "#!/bin/sh\ntouch " + marker + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path config = dir.resolve("virtd.yaml");
    write(config, "owner: mc\nlock_dir: " + dir.resolve("locks") + "\nconnect: test:///default\n");
    Path m = dir.resolve("x.yaml");
    write(
        m,
        "virt: mc-x\nvirt_type: kvm\nensure: stopped\nconnect: \"qemu+ext:///system?command="
            + script
            + "\"\n");
    String expected = m + ":4:10: `connect`: transport `ext` is not allowed in a manifest";

    for (String cmd : new String[] {"validate", "plan", "apply"}) {
      Cli r = Cli.run(cmd, "--config", config.toString(), "-m", m.toString());
      assertEquals(1, r.exit(), cmd + ": " + r.out() + r.err());
      assertTrue(r.err().contains(expected), cmd + ": " + r.err());
      assertFalse(Files.exists(marker), cmd + " ran the URI's program");
    }
  }

  @Test
  void sshCommandAndNetcatParametersAreRefusedToo() throws Exception {
    Path m = dir.resolve("y.yaml");
    write(
        m,
        "virt: mc-y\nvirt_type: kvm\nconnect: qemu+ssh://localhost/system?netcat=/tmp/nc\n"
            + "---\nvirt: mc-z\nvirt_type: kvm\nconnect: qemu+ssh://localhost/system?command=/bin/sh\n");
    Path config = dir.resolve("virtd.yaml");
    write(config, "owner: mc\n");
    Cli r = Cli.run("validate", "--config", config.toString(), "-m", m.toString());
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains(m + ":3:10: `connect`: URI parameter `netcat`"), r.err());
    assertTrue(r.err().contains(m + ":7:10: `connect`: URI parameter `command`"), r.err());
  }
}
