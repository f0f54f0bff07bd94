package io.virtd.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandsTest {
  @Test
  void aHungCommandIsKilledAtItsLimitAndWhatItPrintedIsReported() {
    long t0 = System.nanoTime();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Commands.run(
                    List.of("sh", "-c", "echo printed-before-hanging; exec sleep 60"),
                    Duration.ofSeconds(1)));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "gave up after " + took);
    assertTrue(e.getMessage().contains("timed out after PT1S"), e::getMessage);
    assertTrue(e.getMessage().contains("printed-before-hanging"), e::getMessage);
  }

  @Test
  void aCommandThatEndsGivesItsExitCodeAndAllItsOutput() throws Exception {
    Commands.Result r =
        Commands.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(30));
    assertEquals(3, r.exit());
    assertEquals("out\nerr\n", r.out());
  }
}
