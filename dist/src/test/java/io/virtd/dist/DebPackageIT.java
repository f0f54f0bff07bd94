package io.virtd.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.manifest.ManifestSchema;
import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built .deb as a user gets it: its file list and modes, its programs run from an extracted
 * tree, its man pages rendered, its completion sourced, and lintian's verdict.
 */
class DebPackageIT {
  /** Every file and directory the package ships, with its mode as {@code dpkg-deb -c} prints it. */
  private static final Map<String, String> EXPECTED =
      new TreeMap<>(
          Map.ofEntries(
              Map.entry("./usr/share/virtd/virtd.jar", "-rw-r--r--"),
              Map.entry("./usr/share/virtd/manifest.schema.json", "-rw-r--r--"),
              Map.entry("./usr/bin/virtctl", "-rwxr-xr-x"),
              Map.entry("./usr/sbin/virtd", "-rwxr-xr-x"),
              Map.entry("./lib/systemd/system/virtd.service", "-rw-r--r--"),
              Map.entry("./etc/virtd/virtd.yaml", "-rw-r--r--"),
              Map.entry("./etc/virtd/manifests/", "drwxr-xr-x"),
              Map.entry("./usr/share/bash-completion/completions/virtctl", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-validate.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-plan.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-apply.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-list.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-export.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-status.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-reconcile.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-hold.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-push.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-fleet.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man1/virtctl-release.1.gz", "-rw-r--r--"),
              Map.entry("./usr/share/man/man8/virtd.8.gz", "-rw-r--r--"),
              Map.entry("./usr/share/doc/virtd/copyright", "-rw-r--r--"),
              Map.entry("./usr/share/doc/virtd/changelog.Debian.gz", "-rw-r--r--"),
              Map.entry("./usr/share/doc/virtd/openvz.conf", "-rw-r--r--")));

  private static Path deb;
  private static Path repo;
  @TempDir static Path root;

  @BeforeAll
  static void extract() throws Exception {
    Path dir = Path.of(System.getProperty("virtd.deb.dir", "target"));
    repo = Path.of(System.getProperty("virtd.repo", "..")).toAbsolutePath().normalize();
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> debs =
          files.filter(p -> p.getFileName().toString().matches("virtd_.*_all\\.deb")).toList();
      assertEquals(1, debs.size(), () -> "expected one virtd_*_all.deb in " + dir + ": " + debs);
      deb = debs.get(0);
    }
    Run x = run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()));
    assertEquals(0, x.exit(), x::all);
  }

  @Test
  void filesOwnersAndModes() throws Exception {
    Run c = run(List.of("dpkg-deb", "-c", deb.toString()));
    assertEquals(0, c.exit(), c::all);
    Map<String, String> files = new TreeMap<>();
    for (String line : c.out().lines().toList()) {
      String[] f = line.split("\\s+", 6);
      assertEquals("root/root", f[1], line);
      if (!f[0].startsWith("d") || f[5].equals("./etc/virtd/manifests/")) {
        files.put(f[5], f[0]);
      } else {
        assertEquals("drwxr-xr-x", f[0], line);
      }
    }
    assertEquals(EXPECTED, files);
    Run conffiles = run(List.of("dpkg-deb", "--info", deb.toString(), "conffiles"));
    assertEquals("/etc/virtd/virtd.yaml", conffiles.out().strip());
  }

  @Test
  void controlFieldsAndChangelogAgree() throws Exception {
    String version = field("Version");
    String changelog = gunzip(root.resolve("usr/share/doc/virtd/changelog.Debian.gz"));
    assertTrue(changelog.startsWith("virtd (" + version + ") "), changelog);
    assertEquals("all", field("Architecture"));
    assertEquals("admin", field("Section"));
    assertEquals(
        "default-jre-headless (>= 2:1.17) | java17-runtime-headless, libvirt0", field("Depends"));
    assertEquals(
        "libvirt-daemon-system, qemu-system-x86, qemu-utils, genisoimage", field("Recommends"));
    assertEquals("vzctl", field("Suggests"));
  }

  @Test
  void theExtractedLaunchersRunTheExtractedJar() throws Exception {
    Path virtctl = root.resolve("usr/bin/virtctl");
    Run v = run(List.of("sh", "-x", virtctl.toString(), "--version"));
    assertEquals(0, v.exit(), v::all);
    assertTrue(v.out().startsWith("virtctl 0."), "the build's version, not `dev`: " + v.all());
    assertTrue(v.err().contains("-cp " + root.resolve("usr/bin/../share/virtd/virtd.jar")), v::all);

    Run d = run(List.of(root.resolve("usr/sbin/virtd").toString(), "--version"));
    assertEquals(0, d.exit(), d::all);
    assertTrue(d.out().startsWith("virtd 0."), d::all);

    Run ok =
        run(
            List.of(
                virtctl.toString(),
                "validate",
                "--config",
                root.resolve("etc/virtd/virtd.yaml").toString(),
                "-m",
                repo.resolve("manifests/libvirt").toString()));
    assertEquals(0, ok.exit(), ok::all);
    assertTrue(ok.out().contains("resource(s) valid"), ok::all);
  }

  @Test
  void virtctlsJvmRunsWithTheLaunchersFlagsAndMapsItsArchive() throws Exception {
    // the JVM's own account of its flags, as the launcher started it
    Run v =
        run(
            List.of(
                "env",
                "VIRTD_JAVA_OPTS=-XX:+PrintFlagsFinal",
                root.resolve("usr/bin/virtctl").toString(),
                "--version"));
    assertEquals(0, v.exit(), v::all);
    List<String> flags =
        new java.util.ArrayList<>(
            List.of(
                "bool UseSerialGC += true",
                "intx TieredStopAtLevel += 1",
                "double CompileThresholdScaling += 4\\.0+",
                // the class-data archive was dumped with flags this run can map it under
                "bool UseSharedSpaces += true"));
    if (Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))) {
      flags.add("bool UseTransparentHugePages += true");
    }
    for (String flag : flags) {
      assertTrue(
          v.out()
              .lines()
              .anyMatch(l -> l.strip().matches(flag + " +\\{product\\} \\{command line\\}")),
          () -> flag + " missing:\n" + v.all());
    }
  }

  @Test
  void virtctlRecordsItsClassDataArchiveAndKeepsTheJvmsWarningsOffStdout() throws Exception {
    Path virtctl = root.resolve("usr/bin/virtctl");
    Path jsa = root.resolve("usr/share/virtd/virtctl.jsa");
    Files.deleteIfExists(jsa);
    Run v = run(List.of(virtctl.toString(), "--version"));
    assertEquals(0, v.exit(), v::all);
    assertTrue(Files.size(jsa) > 1_000_000, "an archive is recorded beside the extracted jar");

    // an archive recorded for another jar: a dynamic one makes the JVM warn that it cannot use
    // it (the launcher's static one is dropped silently), and it says so on stderr, so --json on
    // stdout stays one JSON document
    Path stale = root.resolve("stale.jsa");
    Run record =
        run(
            List.of(
                "java",
                "-XX:ArchiveClassesAtExit=" + stale,
                "-cp",
                root.resolve("usr/share/virtd/virtd.jar").toString(),
                "io.virtd.cli.Virtctl",
                "--version"));
    assertEquals(0, record.exit(), record::all);
    Files.setLastModifiedTime(
        root.resolve("usr/share/virtd/virtd.jar"),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Run plan =
        run(
            List.of(
                "env",
                "VIRTD_JAVA_OPTS=-XX:SharedArchiveFile=" + stale,
                virtctl.toString(),
                "plan",
                "--json",
                "--connect",
                "test:///default",
                "-m",
                repo.resolve("manifests/libvirt/web01.yaml").toString()));
    assertEquals(2, plan.exit(), plan::all);
    assertTrue(plan.err().contains("Unable to use shared archive"), plan::all);
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(plan.out());
    assertEquals(1, json.path("format_version").asInt(), plan::all);
  }

  @Test
  void theManPagesRenderWithoutWarnings() throws Exception {
    List<Path> pages;
    try (Stream<Path> s = Files.walk(root.resolve("usr/share/man"))) {
      pages = s.filter(p -> p.toString().endsWith(".gz")).sorted().toList();
    }
    assertEquals(13, pages.size(), pages::toString);
    for (Path page : pages) {
      Run man = run(List.of("man", "--warnings", "-E", "UTF-8", "-l", page.toString()));
      assertEquals(0, man.exit(), man::all);
      assertEquals("", man.err(), () -> page + ": " + man.err());
      assertTrue(man.out().contains("NAME") && man.out().contains("SYNOPSIS"), man::all);
    }
    Run virtctl =
        run(
            List.of(
                "man",
                "-E",
                "UTF-8",
                "-l",
                root.resolve("usr/share/man/man1/virtctl.1.gz").toString()));
    for (String cmd :
        List.of("validate", "plan", "apply", "status", "reconcile", "hold", "release")) {
      assertTrue(
          virtctl.out().contains("virtctl-" + cmd + "(1)"),
          () -> cmd + " missing:\n" + virtctl.out());
    }
  }

  @Test
  void theCompletionRegistersAFunctionForVirtctl() throws Exception {
    Path script = root.resolve("usr/share/bash-completion/completions/virtctl");
    Run r =
        run(
            List.of(
                "bash", "-c", "source \"$1\" && complete -p virtctl", "bash", script.toString()));
    assertEquals(0, r.exit(), r::all);
    assertTrue(r.out().matches("(?s)complete .*-F \\S+ .*virtctl\\s*"), r::all);
  }

  @Test
  void theSchemaIsTheModels() throws Exception {
    var json = new ObjectMapper();
    var shipped = json.readTree(root.resolve("usr/share/virtd/manifest.schema.json").toFile());
    // compared as text: numbers read back are IntNodes where the model made LongNodes
    assertTrue(
        json.writeValueAsString(ManifestSchema.generate()).equals(json.writeValueAsString(shipped)),
        "the shipped schema differs from ManifestSchema.generate()");
  }

  @Test
  void maintainerScriptsParse() throws Exception {
    Path control = Files.createTempDirectory(root.getParent(), "control");
    assertEquals(0, run(List.of("dpkg-deb", "-e", deb.toString(), control.toString())).exit());
    for (String script : List.of("postinst", "prerm", "postrm")) {
      Path s = control.resolve(script);
      assertTrue(Files.isExecutable(s), script);
      Run n = run(List.of("sh", "-n", s.toString()));
      assertEquals(0, n.exit(), n::all);
    }
  }

  /**
   * dpkg installs, configures and purges the package in a throwaway root (the maintainer scripts
   * run outside a chroot with $DPKG_ROOT set, so they touch only that root).
   */
  @Test
  void installsAndPurgesInAThrowawayRoot(@TempDir Path r) throws Exception {
    Files.createDirectories(r.resolve("var/lib/dpkg/updates"));
    Files.createDirectories(r.resolve("var/lib/dpkg/info"));
    Files.createDirectories(r.resolve("var/log"));
    Files.createFile(r.resolve("var/lib/dpkg/status"));
    List<String> dpkg =
        List.of("dpkg", "--root=" + r, "--force-script-chrootless", "--force-depends");
    Run install = run(concat(dpkg, "-i", deb.toString()));
    assertEquals(0, install.exit(), install::all);
    assertEquals("rwx--x--x", perms(r.resolve("var/lib/virtd/images")));
    assertEquals("rw-r--r--", perms(r.resolve("etc/virtd/virtd.yaml")));
    Run status = run(List.of("dpkg", "--root=" + r, "-s", "virtd"));
    assertTrue(status.out().contains("Status: install ok installed"), status::all);
    assertTrue(
        status.out().matches("(?s).*Conffiles:\\s*\\n /etc/virtd/virtd\\.yaml \\S+.*"),
        status::all);

    Run purge = run(concat(dpkg, "--purge", "virtd"));
    assertEquals(0, purge.exit(), purge::all);
    assertTrue(Files.notExists(r.resolve("etc/virtd/virtd.yaml")), "purge removes the conffile");
    assertTrue(Files.notExists(r.resolve("usr/share/virtd/virtd.jar")));
    assertTrue(
        Files.isDirectory(r.resolve("var/lib/virtd/images")), "guest images are never removed");
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }

  private static String perms(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** lintian's errors fail the build; its warnings and notes are printed for the reader. */
  @Test
  void lintianFindsNoErrors() throws Exception {
    Run l = run(List.of("lintian", "--info", "--display-level", ">=pedantic", deb.toString()));
    List<String> tags = l.out().lines().filter(s -> s.matches("[EWIPX]: .*")).toList();
    System.out.println("lintian " + deb.getFileName() + ":\n" + String.join("\n", tags));
    List<String> errors = tags.stream().filter(s -> s.startsWith("E: ")).toList();
    assertEquals(List.of(), errors, l::all);
    assertTrue(l.exit() == 0, l::all);
  }

  private static String field(String name) throws Exception {
    Run f = run(List.of("dpkg-deb", "--field", deb.toString(), name));
    assertEquals(0, f.exit(), f::all);
    return f.out().strip();
  }

  private static String gunzip(Path p) throws IOException {
    try (var in = new GZIPInputStream(Files.newInputStream(p))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  /** stdout and stderr apart, stdin at its end; fails past 60 s. */
  static Run run(List<String> cmd) throws Exception {
    Duration limit = Duration.ofSeconds(60);
    var pb = new ProcessBuilder(new ArrayList<>(cmd));
    pb.environment().remove("VIRTD_JAR");
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().put("MANWIDTH", "80");
    Commands.Result r;
    try {
      r = Commands.run(pb, limit);
    } catch (IOException e) {
      return fail(
          cmd.get(0)
              + " is not installed: scripts/install-deps installs it ("
              + e.getMessage()
              + ")",
          e);
    } catch (IllegalStateException e) { // timed out
      return fail(cmd + " did not finish in " + limit.toSeconds() + " s: " + e.getMessage());
    }
    return new Run(r.exit(), r.out(), r.err());
  }
}
