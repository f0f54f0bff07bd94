package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code virtctl apply} of one manifest at once, on libvirt's test hypervisor (shared by every
 * connection in this process): one creates the guest, the other finds it made and does nothing;
 * both exit 0, whichever order they reach the guest's lock in.
 */
class ConcurrentApplyTest {
  static final String URI = "test:///default";
  static final String PREFIX = "virtd-it-ct-ca-";
  static final int ROUNDS = 25;

  @TempDir Path dir;
  final List<String> made = new ArrayList<>();

  /** The test hypervisor keeps its guests only while a connection to it is open. */
  org.libvirt.Connect kept;

  @BeforeEach
  void keepTheTestHypervisor() throws Exception {
    kept = new org.libvirt.Connect(URI);
  }

  @AfterEach
  void removeGuests() throws Exception {
    org.libvirt.Connect c = kept;
    try {
      for (String name : made) {
        try {
          org.libvirt.Domain d = c.domainLookupByName(name);
          if (d.isActive() == 1) {
            d.destroy();
          }
          d.undefine();
          d.free();
        } catch (org.libvirt.LibvirtException e) {
          // never made
        }
      }
    } finally {
      c.close();
    }
  }

  static void write(Path f, String text) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void twoAppliesAtOnceBothSucceedAndTheGuestIsMadeOnce() throws Exception {
    Path config = dir.resolve("virtd.yaml");
    write(config, "owner: race\nlock_dir: " + dir.resolve("locks") + "\nconnect: " + URI + "\n");
    for (int i = 0; i < ROUNDS; i++) {
      String name = PREFIX + i;
      made.add(name);
      Path manifest = dir.resolve(name + ".yaml");
      write(manifest, "virt: " + name + "\nvirt_type: kvm\nmemory: 64\n");
      CyclicBarrier together = new CyclicBarrier(2);
      List<CompletableFuture<Cli>> runs = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        runs.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    together.await();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  return Cli.run("apply", "--config", config.toString(), "-m", manifest.toString());
                }));
      }
      int creates = 0;
      for (var run : runs) {
        Cli c = run.get();
        assertEquals(0, c.exit(), "round " + i + ":\n" + c.out() + c.err());
        creates += c.out().contains("create ... ok") ? 1 : 0;
      }
      assertEquals(1, creates, "round " + i + ": the guest is created once");
      assertEquals(1, kept.domainLookupByName(name).isActive(), "round " + i + ": running");
      Cli plan = Cli.run("plan", "--config", config.toString(), "-m", manifest.toString());
      assertEquals(0, plan.exit(), "round " + i + ": nothing left to do\n" + plan.out());
    }
  }
}
