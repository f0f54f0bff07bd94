package io.virtd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.control.Comparison;
import io.virtd.core.control.GuestState;
import io.virtd.daemon.Control;
import io.virtd.daemon.GuestStatus;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the page and the metrics sum a guest up, from the status answer's fields. */
class StatusPageStateTest {
  @ParameterizedTest(name = "{0} / {1} / held {2} -> {3}")
  @CsvSource({
    "AS_DESIRED, in sync, false, in_sync",
    "DIFFERS, applied, false, drifted",
    "UNKNOWN, error, false, failed",
    "UNKNOWN, in sync, false, unknown",
    "AS_DESIRED, held, true, held"
  })
  void aGuestIsSummedUpByItsStatus(
      Comparison comparison, String result, boolean held, String state) {
    var g =
        new GuestState(
            "a",
            "running",
            comparison.text(),
            null,
            "running",
            List.of(),
            result,
            "t",
            List.of(),
            null,
            0,
            held,
            comparison,
            null);
    assertEquals(state, StatusPage.state(g));
  }

  @org.junit.jupiter.api.Test
  void aGuestOnADriverThatIsDownIsUnknownByItsComparisonNotItsWords() {
    var down =
        Control.guestState(
            new GuestStatus(
                "a",
                "running",
                Comparison.DIFFERS,
                "in sync",
                java.time.Instant.EPOCH,
                List.of(),
                java.util.Optional.empty(),
                0,
                false,
                "libvirt qemu:///system",
                "running",
                List.of(),
                java.util.Optional.empty()),
            true);
    assertEquals(Comparison.UNKNOWN, down.comparison());
    assertEquals("unknown", StatusPage.state(down));
    // the words are for people: the page does not read them
    var worded =
        new GuestState(
            "a",
            "running",
            "unknown to me",
            null,
            "running",
            List.of(),
            "applied",
            "t",
            List.of(),
            null,
            0,
            false,
            Comparison.DIFFERS,
            null);
    assertEquals("drifted", StatusPage.state(worded));
  }

  @org.junit.jupiter.api.Test
  void whatDiffersSaysFieldWantedAndFound() throws Exception {
    var g =
        new ObjectMapper()
            .readValue(
                """
                {"name": "a", "differs": [{"field": "memory", "wanted": "768 MiB", "found": "1024 MiB"},
                             {"field": "ensure", "wanted": "running", "found": "shutoff"}]}
                """,
                GuestState.class);
    assertEquals(
        "memory: wanted 768 MiB, found 1024 MiB; ensure: wanted running, found shutoff",
        StatusPage.differs(g));
    assertEquals(
        "",
        StatusPage.differs(
            new ObjectMapper().readValue("{\"name\": \"a\", \"differs\": []}", GuestState.class)));
  }
}
