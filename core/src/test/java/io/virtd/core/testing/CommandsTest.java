package io.virtd.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    assertEquals("", r.err());
  }

  @Test
  void stderrLeftAPipeIsCapturedApartAndReportedOnTimeOut() throws Exception {
    Commands.Result r =
        Commands.run(
            new ProcessBuilder("sh", "-c", "echo out; echo err >&2; exit 3"),
            Duration.ofSeconds(30));
    assertEquals(new Commands.Result(3, "out\n", "err\n"), r);

    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Commands.run(
                    new ProcessBuilder("sh", "-c", "echo to-stderr >&2; exec sleep 60"),
                    Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("to-stderr"), e::getMessage);
  }

  @Test
  void discardedStderrIsNotCaptured() throws Exception {
    Commands.Result r =
        Commands.run(
            new ProcessBuilder("sh", "-c", "echo out; echo err >&2")
                .redirectError(ProcessBuilder.Redirect.DISCARD),
            Duration.ofSeconds(30));
    assertEquals(new Commands.Result(0, "out\n", ""), r);
  }

  @Test
  void theBuildersEnvironmentIsUsedAndStdinIsAtItsEnd() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", "cat; echo \"$VIRTD_COMMANDS_TEST\"");
    pb.environment().put("VIRTD_COMMANDS_TEST", "from-the-builder");
    // cat would wait for input until the limit if stdin were left open
    Commands.Result r = Commands.run(pb.redirectErrorStream(true), Duration.ofSeconds(30));
    assertEquals(new Commands.Result(0, "from-the-builder\n", ""), r);
  }

  @Test
  void theChildrenOfAHungCommandAreKilledToo() throws Exception {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Commands.run(
                    List.of("sh", "-c", "sleep 60 & echo child=$!; wait"), Duration.ofSeconds(1)));
    Matcher m = Pattern.compile("child=(\\d+)").matcher(e.getMessage());
    assertTrue(m.find(), e::getMessage);
    long child = Long.parseLong(m.group(1));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "sleep lives");
  }
}
