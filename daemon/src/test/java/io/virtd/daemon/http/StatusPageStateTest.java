package io.virtd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.control.GuestState;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the page and the metrics sum a guest up, from the status answer's fields. */
class StatusPageStateTest {
  @ParameterizedTest(name = "{0} / {1} / held {2} -> {3}")
  @CsvSource({
    "as desired, in sync, false, in_sync",
    "differs, applied, false, drifted",
    "unknown, error, false, failed",
    "unknown, in sync, false, unknown",
    "'unknown: libvirt qemu:///system is down', in sync, false, unknown",
    "as desired, held, true, held"
  })
  void aGuestIsSummedUpByItsStatus(String observed, String result, boolean held, String state) {
    var g =
        new GuestState(
            "a", "running", observed, null, "running", List.of(), result, "t", List.of(), null, 0,
            held);
    assertEquals(state, StatusPage.state(g));
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
