package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * vzctl's exit codes ({@code include/vzerror.h}) and what the planner and executor make of them.
 */
class VzErrorsTest {
  @ParameterizedTest(name = "exit {0} -> {1}")
  @CsvSource({
    "3, TRANSIENT", "9, TRANSIENT", "14, NOT_FOUND", "20, TERMINAL", "21, TERMINAL", "28, TERMINAL",
        "29, TERMINAL",
    "31, CONFLICT", "32, CONFLICT", "40, CONFLICT", "41, CONFLICT", "43, TERMINAL", "44, CONFLICT",
        "74, TERMINAL",
    "78, CONFLICT", "91, TERMINAL", "105, CONFLICT", "131, TERMINAL", "148, TERMINAL", "1, TERMINAL"
  })
  void exitCodes(int exit, Kind kind) {
    assertEquals(kind, VzErrors.kindOf(exit));
  }

  @Test
  void theMessageNamesTheCommandTheContainerAndVzctlsLastWords() {
    VzCommand cmd =
        VzCommand.of(List.of("/usr/sbin/vzctl", "destroy", "101"), Duration.ofSeconds(1));
    DriverException e =
        VzErrors.failure(
            cmd,
            new VzResult(32, "Container is currently running. Stop it first.\n", ""),
            "container `a`, CTID 101");
    assertEquals(Kind.CONFLICT, e.kind());
    assertEquals(
        "openvz: `vzctl destroy 101` (container `a`, CTID 101) failed with exit code 32: Container is currently running. Stop it first.",
        e.getMessage());
    DriverException d =
        VzErrors.failure(
            VzCommand.of(List.of("vzctl", "start", "7"), Duration.ofSeconds(1)),
            new VzResult(105, "", "Container start disabled\n"),
            "c");
    assertEquals(
        "openvz: `vzctl start 7` (c) failed with exit code 105: Container start disabled (the manifest sets `disabled: true`;"
            + " a disabled container is not started)",
        d.getMessage());
  }
}
