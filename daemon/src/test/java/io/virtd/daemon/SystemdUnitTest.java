package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemd/virtd.service} (and the OpenVZ drop-in) as {@code systemd-analyze verify} sees
 * them. verify checks that ExecStart names an executable, and {@code /usr/sbin/virtd} exists only
 * on an installed host, so the unit is verified as a copy whose ExecStart points at the
 * repository's {@code bin/virtd} (quoted: the checkout may live under a path with spaces); nothing
 * else is changed. {@code --root} would not help: verify then wants every unit the service pulls in
 * (sysinit.target) and every binary it names ({@code /bin/kill}) under that root too. verify
 * reports unknown keys and bad values on stderr but still exits 0, hence the check of its output.
 *
 * <p>Without systemd-analyze this test fails: CI installs it ({@code scripts/install-deps}).
 */
class SystemdUnitTest {
  private static final String EXEC_START = "ExecStart=/usr/sbin/virtd ";

  private static Path repo;
  private static Path analyze;

  @TempDir Path dir;

  @BeforeAll
  static void locate() throws URISyntaxException {
    Path p =
        Path.of(SystemdUnitTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    while (p != null
        && !(Files.isRegularFile(p.resolve("systemd/virtd.service"))
            && Files.isRegularFile(p.resolve("pom.xml")))) {
      p = p.getParent();
    }
    if (p == null) {
      fail(
          "no systemd/virtd.service above "
              + SystemdUnitTest.class.getProtectionDomain().getCodeSource().getLocation());
    }
    repo = p;
    analyze =
        Stream.concat(
                Stream.of(System.getenv().getOrDefault("PATH", "").split(":")),
                Stream.of("/usr/bin", "/bin"))
            .filter(d -> !d.isEmpty())
            .map(d -> Path.of(d, "systemd-analyze"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    if (analyze == null) {
      fail(
          "systemd-analyze not found: install the Debian package systemd (scripts/install-deps does)");
    }
  }

  @Test
  void theUnitVerifiesCleanly() throws Exception {
    Result r = verify(unit(), Optional.empty());
    assertEquals(0, r.exit(), r.output());
    assertEquals(List.of(), r.aboutVirtd(), "systemd-analyze complained");
  }

  @Test
  void theUnitWithTheOpenVzDropInVerifiesCleanly() throws Exception {
    Result r = verify(unit(), Optional.of(Files.readString(repo.resolve("systemd/openvz.conf"))));
    assertEquals(0, r.exit(), r.output());
    assertEquals(List.of(), r.aboutVirtd(), "systemd-analyze complained");
  }

  /** Keeps the two tests above from passing because verify read nothing. */
  @Test
  void aMistakeInTheUnitOrTheDropInIsCaught() throws Exception {
    String unit = unit();
    assertTrue(unit.contains("\nKillMode=process\n"));
    Result typo =
        verify(unit.replace("\nKillMode=process\n", "\nKilMode=process\n"), Optional.empty());
    assertFalse(typo.aboutVirtd().isEmpty(), typo.output());

    Result badValue = verify(unit.replace("\nType=notify\n", "\nType=notfy\n"), Optional.empty());
    assertFalse(badValue.aboutVirtd().isEmpty(), badValue.output());

    Result dropIn = verify(unit, Optional.of("[Service]\nProtectSystm=no\n"));
    assertFalse(dropIn.aboutVirtd().isEmpty(), dropIn.output());
  }

  private String unit() throws IOException {
    String unit = Files.readString(repo.resolve("systemd/virtd.service"));
    long starts = unit.lines().filter(l -> l.startsWith("ExecStart=")).count();
    assertEquals(1, starts, "one ExecStart");
    assertTrue(unit.contains("\n" + EXEC_START), "ExecStart runs /usr/sbin/virtd");
    return unit;
  }

  private Result verify(String unit, Optional<String> dropIn)
      throws IOException, InterruptedException {
    String launcher = repo.resolve("bin/virtd").toString();
    assertFalse(
        launcher.matches(".*[\"\\\\$].*"),
        "a repository path systemd would need escaped: " + launcher);
    Path here = Files.createTempDirectory(dir, "unit");
    Path file = here.resolve("virtd.service");
    Files.writeString(
        file,
        unit.replace("\n" + EXEC_START, "\nExecStart=\"" + launcher.replace("%", "%%") + "\" "));
    if (dropIn.isPresent()) {
      Files.createDirectories(here.resolve("virtd.service.d"));
      Files.writeString(here.resolve("virtd.service.d/openvz.conf"), dropIn.get());
    }
    Commands.Result r;
    try {
      r =
          Commands.run(
              List.of(analyze.toString(), "verify", file.toString()), Duration.ofSeconds(60));
    } catch (IllegalStateException e) { // timed out
      return fail("systemd-analyze verify did not finish: " + e.getMessage());
    }
    return new Result(r.exit(), r.out());
  }

  private record Result(int exit, String output) {
    List<String> aboutVirtd() {
      return output.lines().filter(l -> l.contains("virtd")).collect(Collectors.toList());
    }
  }
}
