package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.virtd.cli.Virsh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopped guest's manifest rewritten in place, in three pieces 100 ms apart (well inside the
 * daemon's 250 ms settle time, even on a loaded machine), again and again, under a daemon whose
 * full pass runs every second with prune on: every piece but the last declares the guest running
 * (no {@code ensure:} yet), or nothing at all (just truncated). No pass may take such a file as
 * desired: the guest is never started, never pruned, and ends with the last complete contents.
 */
class HalfWrittenManifestIT {
  static final int ROUNDS = 10;
  @TempDir Path dir;
  @RegisterExtension final RealGuests guests = new RealGuests("hw", () -> this.daemon);
  final String name = guests.prefix + "hw";
  DaemonProcess daemon;

  private String head() {
    return "virt: %s\nvirt_type: %s\nmemory: 64\nshutdown_timeout: 2s\n"
        .formatted(name, Virsh.domainType());
  }

  @Test
  void aManifestCaughtHalfWrittenByAScheduledPassIsNeverApplied() throws Exception {
    daemon =
        new DaemonProcess(
                dir, "owner: it-halfwritten\nschedule: 1s\nprune: true\nprune_grace: 1s\n")
            .start();
    Path f = daemon.manifest("hw.yaml", head() + "desc: round -1\nensure: stopped\n");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Virsh.run("domstate", name).equals("shut off"));

    for (int round = 0; round < ROUNDS; round++) {
      try (var out = Files.newOutputStream(f, StandardOpenOption.TRUNCATE_EXISTING)) {
        for (String piece : List.of(head(), "desc: round " + round + "\n", "ensure: stopped\n")) {
          Thread.sleep(100);
          out.write(piece.getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
      Thread.sleep(100);
    }
    String last = "round " + (ROUNDS - 1);
    await().atMost(Duration.ofSeconds(60)).until(() -> Virsh.run("desc", name).equals(last));
    assertEquals("shut off", Virsh.run("domstate", name));
    String log = daemon.logText();
    assertFalse(log.contains("step=start"), "a half-written manifest was applied:\n" + log);
    assertFalse(log.contains("pruned"), "a truncated manifest counted as removed:\n" + log);
  }
}
