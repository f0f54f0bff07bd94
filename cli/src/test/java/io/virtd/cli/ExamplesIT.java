package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every example manifest the README points operators to: apply it, then plan again, which must find
 * nothing to do (no flapping). The examples are used as written except for what a test on a shared
 * machine must change: names get a unique prefix, host paths point at files made here, disk sizes
 * shrink to 1 GiB, and `interfaces: [default]` is dropped (these machines have no libvirt network).
 * `manifests/libvirt` includes Xen guests, so it runs on libvirt's embedded test:///default;
 * `manifests/host` needs real files and runs on qemu:///system.
 */
class ExamplesIT {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  final String prefix = "virtd-it-ex-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  final Path root = ItRoot.of(prefix);
  Path manifests;
  Path config;

  @BeforeEach
  void setUp() throws Exception {
    manifests = ItRoot.create(root);
    config = ItRoot.config(root, "owner: it-examples\n");
  }

  @AfterEach
  void cleanUp() throws Exception {
    ItRoot.remove(prefix, root);
  }

  private static void write(Path f, String text) throws IOException {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  /** The example with a prefixed name and the given literal replacements. */
  private String adapt(Path example, String... replacements) throws IOException {
    String text =
        Files.readString(example).replaceAll("(?m)^virt: (\\S+)", "virt: " + prefix + "$1");
    text = text.replaceAll("(?m)^clone_from: (\\S+)", "clone_from: " + prefix + "$1");
    text = text.replaceAll("(?m)^disk_size: \\d+", "disk_size: 1");
    text = text.replaceAll("(?m)^interfaces: \\[default\\].*$", "");
    for (int i = 0; i < replacements.length; i += 2) {
      assertTrue(
          text.contains(replacements[i]), example + " no longer mentions " + replacements[i]);
      text = text.replace(replacements[i], replacements[i + 1]);
    }
    return text;
  }

  private CliRunner.Result cli(String cmd, String... extra) {
    List<String> argv =
        new java.util.ArrayList<>(
            List.of(cmd, "--config", config.toString(), "-m", manifests.toString()));
    argv.addAll(List.of(extra));
    return CliRunner.run(argv.toArray(String[]::new));
  }

  @Test
  void theLibvirtExamplesConvergeAndStayConvergedOnTheTestHypervisor() throws Exception {
    try (Stream<Path> s = Files.list(REPO.resolve("manifests/libvirt"))) {
      for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        write(manifests.resolve(f.getFileName()), adapt(f));
      }
    }
    // test:///default keeps its guests only while some connection in the process holds it open
    org.libvirt.Connect keep = new org.libvirt.Connect("test:///default");
    try {
      CliRunner.Result apply = cli("apply", "--connect", "test:///default");
      assertEquals(0, apply.exit(), apply.out() + apply.err());
      CliRunner.Result plan = cli("plan", "--connect", "test:///default");
      assertEquals(
          0, plan.exit(), "a second plan finds nothing to do:\n" + plan.out() + plan.err());
      exportPlansNothingButAdopt("test:///default");
    } finally {
      keep.close();
    }
  }

  @Test
  void theHostExamplesConvergeAndStayConvergedOnQemu() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    Path base = Files.createDirectories(root.resolve("base"));
    Path qcow = base.resolve("cloud.qcow2");
    Path raw = base.resolve("nocloud.raw");
    Path file = base.resolve("file01.qcow2");
    Path vms = Files.createDirectories(root.resolve("vms"));
    run("qemu-img", "create", "-q", "-f", "qcow2", qcow.toString(), "64M");
    run("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "64M");
    run("qemu-img", "create", "-q", "-f", "qcow2", file.toString(), "64M");
    Path golden = base.resolve("golden.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", golden.toString(), "64M");
    Path goldenXml = base.resolve("golden.xml");
    Files.writeString(
        goldenXml,
        """
        <domain type='%s'><name>%sgolden</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>
        <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/>
        <target dev='vda' bus='virtio'/></disk></devices></domain>
        """
            .formatted(Virsh.domainType(), prefix, golden));
    Virsh.run("define", goldenXml.toString());
    Path kernel =
        Path.of(
            runOut("bash", REPO.resolve("libvirt-driver/src/test/guest/build-guest.sh").toString())
                .strip());

    String type = "virt_type: " + Virsh.domainType();
    Path host = REPO.resolve("manifests/host");
    write(
        manifests.resolve("blank01.yaml"),
        adapt(host.resolve("blank01.yaml"), "virt_type: kvm", type));
    write(
        manifests.resolve("clone01.yaml"),
        adapt(
            host.resolve("clone01.yaml"),
            "virt_type: kvm",
            type,
            "/var/lib/virtd/base/debian-12-nocloud-amd64.raw",
            raw.toString()));
    write(
        manifests.resolve("dir01.yaml"),
        adapt(
            host.resolve("dir01.yaml"),
            "virt_type: kvm",
            "virt_type: qemu",
            "/srv/vms",
            vms.toString(),
            "/var/lib/virtd/install/debian-12",
            kernel.toString()));
    write(
        manifests.resolve("disk01.yaml"),
        adapt(
            host.resolve("disk01.yaml"),
            "virt_type: kvm",
            type,
            "/var/lib/virtd/base/debian-12-genericcloud-amd64.qcow2",
            qcow.toString()));
    write(
        manifests.resolve("file01.yaml"),
        adapt(
            host.resolve("file01.yaml"),
            "virt_type: kvm",
            type,
            "/var/lib/libvirt/images/file01.qcow2",
            file.toString()));
    write(
        manifests.resolve("tmpl01.yaml"),
        adapt(host.resolve("tmpl01.yaml"), "virt_type: kvm", type));
    try (Stream<Path> s = Files.list(host)) {
      assertEquals(
          6,
          s.filter(p -> p.toString().endsWith(".yaml")).count(),
          "a new host example needs a case here");
    }

    CliRunner.Result apply = cli("apply", "--connect", "qemu:///system");
    assertEquals(0, apply.exit(), apply.out() + apply.err());
    CliRunner.Result plan = cli("plan", "--connect", "qemu:///system");
    assertEquals(0, plan.exit(), "a second plan finds nothing to do:\n" + plan.out() + plan.err());
    assertTrue(Files.exists(file), "a virt_path file is used as it is");
    exportPlansNothingButAdopt("qemu:///system");
  }

  /**
   * {@code virtctl export} of every guest of this test on {@code connect} (and test:///default's
   * own sample guest), then a plan of that output: nothing to do but adopt the guests virtd does
   * not manage yet.
   */
  private void exportPlansNothingButAdopt(String connect) throws Exception {
    CliRunner.Result list = cli("list", "--json", "--all", "--connect", connect);
    List<String> names = new java.util.ArrayList<>();
    for (var g : io.virtd.core.plan.PlanJson.mapper().readTree(list.out()).get("guests")) {
      String n = g.get("name").asText();
      boolean exists = !g.get("state").asText().equals("missing"); // an `absent` example
      if (exists && (n.startsWith(prefix) || n.equals("test") && connect.startsWith("test:"))) {
        names.add(n);
      }
    }
    assertTrue(names.size() > 1, list.out() + list.err());
    List<String> argv =
        new java.util.ArrayList<>(
            List.of("export", "--config", config.toString(), "--connect", connect));
    argv.addAll(names);
    CliRunner.Result export = CliRunner.run(argv.toArray(String[]::new));
    assertEquals(0, export.exit(), export.err());
    Path exported = Files.createDirectories(root.resolve("exported"));
    write(exported.resolve("all.yaml"), export.out());
    CliRunner.Result plan =
        CliRunner.run(
            "plan",
            "--json",
            "--config",
            config.toString(),
            "--connect",
            connect,
            "-m",
            exported.toString());
    var resources = io.virtd.core.plan.PlanJson.mapper().readTree(plan.out()).get("resources");
    assertEquals(names.size(), resources.size(), plan.out() + plan.err());
    for (var r : resources) {
      String why = r.get("name").asText() + ":\n" + export.out() + "\n" + plan.out();
      for (var a : r.get("actions")) {
        assertEquals("adopt", a.asText(), why);
      }
      assertEquals(0, r.get("recreate_required").size(), why);
      assertTrue(r.get("error").isNull(), why);
    }
  }

  private static void run(String... argv) throws Exception {
    runOut(argv);
  }

  /** Its stdout; stderr goes to the console. Fails past 5 minutes or on a non-zero exit. */
  private static String runOut(String... argv) throws Exception {
    Commands.Result r =
        Commands.run(
            new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT),
            Duration.ofSeconds(300));
    if (r.exit() != 0) {
      throw new IllegalStateException(
          String.join(" ", argv) + " failed (" + r.exit() + "); its stdout:\n" + r.out());
    }
    return r.out();
  }
}
