package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {
  @TempDir Path dir;

  private Path write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    Files.setPosixFilePermissions(
        f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    return f;
  }

  @Test
  void everyExampleManifestValidates() {
    Path examples = Path.of("..", "manifests");
    Cli r =
        Cli.run(
            "validate", "-m", examples.toString(), "--config", dir.resolve("none.yaml").toString());
    // --config names a missing file on purpose: only the default may be missing
    assertEquals(1, r.exit());
    Cli ok = Cli.run("validate", "-m", examples.toString());
    assertEquals(0, ok.exit(), ok.err());
    assertTrue(ok.out().matches("(?s).*\\d+ resource\\(s\\) valid.*"), ok.out());
  }

  @Test
  void configWorksBeforeOrAfterTheSubCommandAndAfterWins() throws Exception {
    Path m = write("m/a.yaml", "virt: a01\nvirt_type: kvm\n");
    Path bad = write("bad.yaml", "workers: many\n");
    Path good = write("good.yaml", "workers: 2\n");
    for (List<String> argv :
        List.of(
            List.of("--config", bad.toString(), "validate", "-m", m.toString()),
            List.of("validate", "--config", bad.toString(), "-m", m.toString()),
            List.of(
                "--config",
                good.toString(),
                "validate",
                "--config",
                bad.toString(),
                "-m",
                m.toString()))) {
      Cli r = Cli.run(argv.toArray(String[]::new));
      assertEquals(1, r.exit(), argv + ": " + r.err());
      assertTrue(r.err().contains(bad + ":1:10"), argv + ": " + r.err());
    }
    Cli ok = Cli.run("--config", good.toString(), "validate", "-m", m.toString());
    assertEquals(0, ok.exit(), ok.err());
    Cli status =
        Cli.run(
            "--config",
            write("s.yaml", "socket: " + dir.resolve("no.sock") + "\n").toString(),
            "status");
    assertEquals(1, status.exit());
    assertTrue(
        status.err().contains("no daemon answers on " + dir.resolve("no.sock")), status.err());
  }

  @Test
  void oneLinePerProblemWithFileLineColumnAndExit1() throws Exception {
    write("good.yaml", "virt: fine01\nvirt_type: kvm\n");
    Path bad = write("sub/bad.yaml", "virt: web01\nvirt_type: kvm\nmemroy: 1024\ncpus: many\n");
    Cli r = Cli.run("validate", "-m", dir.toString());
    assertEquals(1, r.exit());
    List<String> lines = r.err().lines().filter(l -> l.startsWith(bad.toString())).toList();
    assertEquals(
        List.of(
            bad + ":3:1: unknown key `memroy`; did you mean `memory`?",
            bad + ":4:7: `cpus` must be an integer, not `many`"),
        lines);
  }

  @Test
  void goodFilesOnlyExit0() throws Exception {
    write(
        "a.yaml",
        "virt: a1\nvirt_type: qemu\nmemory: 1g\n---\nvirt: a2\nvirt_type: openvz\nhostname: a2.example\n");
    write("b.yml", "# only a comment\n");
    write("c.yaml", "");
    Cli r = Cli.run("validate", "-m", dir.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("2 resource(s) valid."), r.out());
  }

  @Test
  void usageErrorExits1WithUsage() {
    Cli r = Cli.run("validate", "--bogus");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("Usage: virtctl validate"), r.err());
  }

  @Test
  void helpAndVersionExit0() {
    assertEquals(0, Cli.run("--help").exit());
    Cli v = Cli.run("--version");
    assertEquals(0, v.exit());
    assertTrue(v.out().startsWith("virtctl "));
  }
}
