package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-manifest corpus ({@code core/src/test/resources/bad}, its expected errors written by hand
 * in {@code expected.tsv}) through the real {@code virtctl}: {@code validate} exits 1 and names
 * every error as FILE:LINE:COL, and so does {@code plan}; {@code apply} on a directory holding a
 * good manifest beside the bad one exits 1 and leaves every guest on qemu:///system exactly as it
 * was (dominfo, inactive XML, autostart), byte for byte — the spec's "fix the manifests first:
 * nothing was planned or changed".
 */
class BadManifestsIT {
  static final Path CORPUS = Path.of("../core/src/test/resources/bad").toAbsolutePath().normalize();
  static final String PREFIX = "virtd-it-bad-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  static final List<String> GUESTS = List.of(PREFIX + "a", PREFIX + "b");

  @TempDir static Path dir;
  static Path config;
  static Path good;
  static Map<String, String> before;

  record Row(String file, int line, int col, String message) {}

  @BeforeAll
  static void defineTwoGuests() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    config = dir.resolve("virtd.yaml");
    write(
        config, "owner: it-bad\nlock_dir: " + dir.resolve("locks") + "\nconnect: qemu:///system\n");
    good = dir.resolve("good.yaml");
    String type = Virsh.domainType();
    write(
        good,
        """
        virt: %s
        virt_type: %s
        ensure: stopped
        memory: 64
        desc: "the good one <a> & 'b'"
        on_crash: restart
        ---
        virt: %s
        virt_type: %s
        ensure: installed
        memory: 80
        cpus: 2
        autoboot: true
        """
            .formatted(GUESTS.get(0), type, GUESTS.get(1), type));
    Cli apply = Cli.run("apply", "--config", config.toString(), "-m", good.toString());
    assertEquals(0, apply.exit(), apply.out() + apply.err());
    before = snapshot();
  }

  @AfterAll
  static void cleanUp() {
    if (Virsh.available()) {
      Virsh.removeAll(PREFIX);
    }
  }

  /**
   * What an operator (and this test) can see of our guests; a shut-off guest's dominfo is stable.
   */
  static Map<String, String> snapshot() {
    Map<String, String> s = new LinkedHashMap<>();
    for (String g : GUESTS) {
      s.put(g + " dominfo", Virsh.run("dominfo", g));
      s.put(g + " dumpxml --inactive", Virsh.run("dumpxml", "--inactive", g));
    }
    return s;
  }

  static Map<String, List<Row>> table() throws Exception {
    Map<String, List<Row>> cases = new LinkedHashMap<>();
    for (String line : Files.readAllLines(CORPUS.resolve("expected.tsv"), StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] c = line.split("\t", -1);
      cases
          .computeIfAbsent(c[0], k -> new ArrayList<>())
          .add(new Row(c[1], Integer.parseInt(c[2]), Integer.parseInt(c[3]), c[4]));
    }
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> everyCorpusCase() throws Exception {
    assertTrue(table().size() >= 40, "the corpus has " + table().size() + " cases");
    List<DynamicTest> tests = new ArrayList<>();
    for (var e : table().entrySet()) {
      tests.add(DynamicTest.dynamicTest(e.getKey(), () -> corpusCase(e.getKey(), e.getValue())));
    }
    tests.add(DynamicTest.dynamicTest("a 10 MB file", this::tenMegabytes));
    tests.add(
        DynamicTest.dynamicTest(
            "a bad manifest naming an existing guest", this::namesAnExistingGuest));
    return tests.stream();
  }

  private void corpusCase(String name, List<Row> rows) throws Exception {
    Path caseDir = Files.createDirectories(dir.resolve("cases").resolve(name));
    Path bad = copy(CORPUS.resolve(name), caseDir.resolve(name));
    for (String command : List.of("validate", "plan")) {
      Cli run = Cli.run(command, "--config", config.toString(), "-m", bad.toString());
      assertEquals(1, run.exit(), command + ": " + run.out() + run.err());
      for (Row r : rows) {
        String at = caseDir.resolve(r.file()) + ":" + r.line() + ":" + r.col() + ": ";
        String msg = r.message().replace("{dir}", caseDir.toString());
        assertTrue(
            run.err().lines().anyMatch(l -> l.startsWith(at) && l.contains(msg)),
            () -> command + ": no `" + msg + "` at " + at + " in:\n" + run.err());
      }
    }
    applyLeavesEveryGuestUntouched(caseDir);
  }

  private void tenMegabytes() throws Exception {
    Path caseDir = Files.createDirectories(dir.resolve("cases").resolve("huge"));
    byte[] bytes = new byte[10 * 1024 * 1024];
    byte[] head =
        ("virt: " + GUESTS.get(0) + "\nvirt_type: kvm\nensure: absent\ndesc: ")
            .getBytes(StandardCharsets.UTF_8);
    java.util.Arrays.fill(bytes, (byte) 'x');
    System.arraycopy(head, 0, bytes, 0, head.length);
    bytes[bytes.length - 1] = '\n';
    Path f = caseDir.resolve("huge.yaml");
    Files.write(f, bytes);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    Cli validate = Cli.run("validate", "--config", config.toString(), "-m", f.toString());
    assertEquals(1, validate.exit());
    assertTrue(
        validate.err().contains(f + ":1:1: file is 10485760 bytes; the limit is 4194304"),
        validate.err());
    applyLeavesEveryGuestUntouched(caseDir);
  }

  private void namesAnExistingGuest() throws Exception {
    Path caseDir = Files.createDirectories(dir.resolve("cases").resolve("existing"));
    Path f = caseDir.resolve("existing.yaml");
    write(
        f,
        "virt: "
            + GUESTS.get(1)
            + "\nvirt_type: kvm\nensure: absent\nmemory: 1000000000000000000000000000000\n");
    Cli validate = Cli.run("validate", "--config", config.toString(), "-m", f.toString());
    assertEquals(1, validate.exit());
    assertTrue(validate.err().contains(f + ":4:9: `memory` is too large"), validate.err());
    applyLeavesEveryGuestUntouched(caseDir);
  }

  /** apply -m DIR with the good manifest beside the bad input: refused whole, nothing touched. */
  private void applyLeavesEveryGuestUntouched(Path caseDir) throws Exception {
    Files.copy(
        good,
        caseDir.resolve("good.yaml"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.COPY_ATTRIBUTES);
    Cli apply = Cli.run("apply", "--config", config.toString(), "-m", caseDir.toString());
    assertEquals(1, apply.exit(), apply.out() + apply.err());
    assertTrue(apply.err().contains("nothing was planned or changed"), apply.err());
    assertEquals("", apply.out(), "no plan is printed");
    Map<String, String> after = snapshot();
    for (String k : before.keySet()) {
      assertEquals(before.get(k), after.get(k), k);
    }
  }

  /**
   * A corpus file or directory, copied with the modes apply accepts (the checkout's may be 0664).
   */
  static Path copy(Path from, Path to) throws Exception {
    if (Files.isDirectory(from)) {
      Files.createDirectories(to);
      try (var list = Files.list(from)) {
        for (Path p : list.toList()) {
          copy(p, to.resolve(p.getFileName().toString()));
        }
      }
      Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
    } else {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
    }
    return to;
  }

  static void write(Path f, String text) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }
}
