package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverFactory;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver with a scripted runner (what the simulator cannot show) and its factory. */
class OpenVzDriverTest {
  @TempDir Path tmp;

  /** Answers each command with {@code script}; records every argv. */
  static final class Scripted implements VzRunner {
    final List<VzCommand> calls = new ArrayList<>();
    final Function<VzCommand, VzResult> script;

    Scripted(Function<VzCommand, VzResult> script) {
      this.script = script;
    }

    @Override
    public VzResult run(VzCommand cmd) throws DriverException {
      calls.add(cmd);
      if (cmd.argv().equals(List.of("vzctl", "stop", "101")) && cmd.timeout().toSeconds() < 10) {
        throw new VzTimeoutException("timed out");
      }
      return script.apply(cmd);
    }
  }

  private OpenVzDriver driver(Scripted r) throws Exception {
    Path conf = Files.createDirectories(tmp.resolve("conf"));
    Files.writeString(conf.resolve("101.conf"), "NAME=\"ct\"\n");
    return new OpenVzDriver(
        Sim.config(Path.of("vzctl"), Path.of("vzlist"), conf), r, Clock.systemUTC());
  }

  @Test
  void aStopThatOutlivesTheTimeoutIsForcedOff() throws Exception {
    Scripted r = new Scripted(c -> new VzResult(0, "", ""));
    OpenVzDriver d = driver(r);
    assertTrue(d.stop("ct", Duration.ofSeconds(2)));
    assertEquals(
        List.of(List.of("vzctl", "stop", "101"), List.of("vzctl", "stop", "101", "--fast")),
        r.calls.stream().map(VzCommand::argv).toList());
    assertEquals(Duration.ofSeconds(2), r.calls.get(0).timeout());
  }

  @Test
  void aStopVzctlHadToForceCountsAsForced() throws Exception {
    Scripted r =
        new Scripted(
            c ->
                new VzResult(
                    0,
                    "Stopping container ...\nKilling container ...\nContainer was stopped\n",
                    ""));
    assertTrue(driver(r).stop("ct", Duration.ofSeconds(60)));
    Scripted clean =
        new Scripted(c -> new VzResult(0, "Stopping container ...\nContainer was stopped\n", ""));
    assertFalse(driver(clean).stop("ct", Duration.ofSeconds(60)));
  }

  @Test
  void aSuspendedContainerIsResumedAndOnlyThen() throws Exception {
    String suspended =
        "[\n  {\n    \"ctid\": 101,\n    \"status\": \"suspended\",\n    \"ip\": []\n  }\n]\n";
    Scripted r =
        new Scripted(c -> new VzResult(0, c.argv().get(0).equals("vzlist") ? suspended : "", ""));
    OpenVzDriver d = driver(r);
    assertEquals(RunState.PAUSED, d.observe("ct").map(ObservedVm::state).orElseThrow());
    d.resume("ct");
    assertEquals(List.of("vzctl", "resume", "101"), r.calls.get(r.calls.size() - 1).argv());
  }

  @Test
  void aDisappearingContainerIsNotAnError() throws Exception {
    Scripted r = new Scripted(c -> new VzResult(1, "[]\n", "Container(s) not found\n"));
    assertEquals(Optional.empty(), driver(r).observe("ct"));
    Scripted broken = new Scripted(c -> new VzResult(1, "", "Unknown field: uptime\n"));
    DriverException e = assertThrows(DriverException.class, () -> driver(broken).observeAll());
    assertEquals(DriverException.Kind.TERMINAL, e.kind());
    assertTrue(e.getMessage().contains("Unknown field: uptime"), e.getMessage());
  }

  @Test
  void aContainerIsGoneWhenVzlistAnswersAnEmptyListWhateverItsWords() throws Exception {
    Scripted r = new Scripted(c -> new VzResult(1, "[]\n", "CT 101 nicht gefunden\n"));
    assertEquals(Optional.empty(), driver(r).observe("ct"));
    // vzlist's own configuration missing: no answer at all, whatever the message says
    Scripted broken =
        new Scripted(c -> new VzResult(1, "", "Global config file /etc/vz/vz.conf not found\n"));
    DriverException e = assertThrows(DriverException.class, () -> driver(broken).observe("ct"));
    assertEquals(DriverException.Kind.TERMINAL, e.kind());
  }

  @Test
  void withoutJsonAContainerIsGoneWhenItsConfigurationIs() throws Exception {
    Path conf = tmp.resolve("conf/101.conf");
    Function<VzCommand, VzResult> gone =
        c -> {
          if (c.argv().contains("-j")) {
            return new VzResult(1, "", "vzlist: invalid option -- 'j'\n");
          }
          try {
            Files.deleteIfExists(conf); // destroyed between reading its config and listing it
          } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
          }
          return new VzResult(1, "", "Kein Container gefunden\n");
        };
    assertEquals(Optional.empty(), driver(new Scripted(gone)).observe("ct"));
    Scripted there =
        new Scripted(
            c ->
                c.argv().contains("-j")
                    ? new VzResult(1, "", "vzlist: invalid option -- 'j'\n")
                    : new VzResult(1, "", "Container(s) not found\n"));
    DriverException e = assertThrows(DriverException.class, () -> driver(there).observe("ct"));
    assertEquals(DriverException.Kind.TERMINAL, e.kind());
  }

  @Test
  void featuresWaitForARestartAndTheSecondLevelQuotaOnlyWhenSwitched() {
    // that every field is declared is the driver contract's (OpenVzSimulatorContractTest)
    Capabilities caps = OpenVzCapabilities.TABLE;
    ObservedVm off =
        new ObservedVm("ct", RunState.RUNNING, Map.of(), Map.of(), Optional.empty(), 0, 0);
    assertEquals(Mutability.RESTART, caps.mutability(Field.FEATURES, List.of(), off));
    assertEquals(Mutability.LIVE, caps.mutability(Field.MEMORY, 1024L, off));
    assertEquals(Mutability.REPLACE, caps.mutability(Field.ID, 101L, off));
    ObservedVm quotaOn =
        new ObservedVm(
            "ct",
            RunState.RUNNING,
            Map.of(Field.QUOTAUGIDLIMIT, 100L),
            Map.of(),
            Optional.empty(),
            0,
            0);
    assertEquals(Mutability.LIVE, caps.mutability(Field.QUOTAUGIDLIMIT, 200L, quotaOn));
    assertEquals(Mutability.RESTART, caps.mutability(Field.QUOTAUGIDLIMIT, 0L, quotaOn));
    assertEquals(Mutability.RESTART, caps.mutability(Field.QUOTAUGIDLIMIT, 5L, off));
  }

  @Test
  void theFactoryIsFoundAndAMissingVzctlMakesTheDriverUnavailable() throws Exception {
    DriverFactory f =
        ServiceLoader.load(DriverFactory.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(x -> x.kind() == DriverKind.OPENVZ)
            .findFirst()
            .orElseThrow();
    Config none =
        Sim.config(tmp.resolve("no/vzctl"), tmp.resolve("no/vzlist"), tmp.resolve("conf"));
    DriverException e = assertThrows(DriverException.class, () -> f.open("local", none));
    assertEquals(DriverException.Kind.UNAVAILABLE, e.kind());
    assertEquals(
        "openvz: vzctl not found at "
            + tmp.resolve("no/vzctl")
            + " (is OpenVZ's vzctl package installed? `vzctl:` in the configuration sets its path)",
        e.getMessage());
    try (Drivers drivers = new Drivers(none)) {
      DriverException viaDrivers =
          assertThrows(
              DriverException.class,
              () -> drivers.get(new Drivers.Target(DriverKind.OPENVZ, "local")));
      assertEquals(DriverException.Kind.UNAVAILABLE, viaDrivers.kind());
    }
    Config noList =
        Sim.config(Sim.DIR.resolve("vzctl"), tmp.resolve("no/vzlist"), tmp.resolve("conf"));
    assertTrue(
        assertThrows(DriverException.class, () -> f.open("local", noList))
            .getMessage()
            .startsWith("openvz: vzlist not found"));
  }

  @Test
  void aProgramThatCannotStartIsUnavailableAndOneThatHangsIsKilled() throws Exception {
    ProcessVzRunner runner = new ProcessVzRunner(Map.of());
    DriverException gone =
        assertThrows(
            DriverException.class,
            () ->
                runner.run(
                    VzCommand.of(List.of(tmp.resolve("nope").toString()), Duration.ofSeconds(5))));
    assertEquals(DriverException.Kind.UNAVAILABLE, gone.kind());
    long t0 = System.nanoTime();
    DriverException slow =
        assertThrows(
            VzTimeoutException.class,
            () -> runner.run(VzCommand.of(List.of("sleep", "30"), Duration.ofMillis(300))));
    assertEquals(DriverException.Kind.TRANSIENT, slow.kind());
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000);
    VzResult env =
        runner.run(
            VzCommand.of(
                List.of("sh", "-c", "echo $LC_ALL; echo err >&2; exit 3"), Duration.ofSeconds(5)));
    assertEquals(new VzResult(3, "C\n", "err\n"), env);
  }
}
