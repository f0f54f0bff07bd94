package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.spi.GuestAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * {@link AddressReads}: one deadline for all guests of a hypervisor, late answers not waited for.
 */
class AddressReadsTest {
  private static final GuestAddress A =
      new GuestAddress("52:54:00:00:00:01", "192.168.50.10", 24, GuestAddress.Source.LEASE);

  @Test
  void aGuestWhoseAddressesDoNotComeInTimeIsUnknownAndTheOthersAreKnown() {
    Map<String, String> guests = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) {
      guests.put("fast" + i, "fast");
    }
    guests.put("hung", "slow");
    Set<String> released = ConcurrentHashMap.newKeySet();
    long start = System.nanoTime();
    Map<String, Optional<List<GuestAddress>>> got =
        AddressReads.read(
            guests,
            h -> {
              if (h.equals("slow")) {
                Thread.sleep(2_000); // an agent that never answers
              }
              return List.of(A);
            },
            released::add,
            Duration.ofMillis(300));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 1_000, "waited " + ms + " ms for a 300 ms budget");
    assertEquals(Optional.empty(), got.get("hung"));
    for (int i = 0; i < 6; i++) {
      assertEquals(Optional.of(List.of(A)), got.get("fast" + i));
    }
    assertEquals(List.copyOf(guests.keySet()), List.copyOf(got.keySet()));
  }

  @Test
  void theBudgetIsSharedByAllGuestsNotGivenToEach() {
    Map<String, Integer> guests = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      guests.put("g" + i, i);
    }
    long start = System.nanoTime();
    Map<String, Optional<List<GuestAddress>>> got =
        AddressReads.read(
            guests,
            h -> {
              Thread.sleep(100); // every guest slow: 40 × 100 ms on 4 threads would be 1 s
              return List.of(A);
            },
            h -> {},
            Duration.ofMillis(250));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 700, "waited " + ms + " ms for a 250 ms budget");
    long unknown = got.values().stream().filter(Optional::isEmpty).count();
    assertTrue(unknown > 0 && unknown < 40, unknown + " of 40 unknown");
  }

  @Test
  void aReadThatFailsKnowsNoAddressAndEveryHandleIsReleased() throws Exception {
    Set<String> released = ConcurrentHashMap.newKeySet();
    Map<String, Optional<List<GuestAddress>>> got =
        AddressReads.read(
            Map.of("a", "a", "b", "b"),
            h -> {
              if (h.equals("a")) {
                throw new IllegalStateException("no agent");
              }
              return List.of(A);
            },
            released::add,
            AddressReads.BUDGET);
    assertEquals(Optional.of(List.of()), got.get("a"));
    assertEquals(Optional.of(List.of(A)), got.get("b"));
    assertEquals(Set.of("a", "b"), released);
  }
}
