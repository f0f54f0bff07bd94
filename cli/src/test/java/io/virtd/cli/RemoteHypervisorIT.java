package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hypervisor reached through {@code qemu+ssh://}: an sshd of the test's own on 127.0.0.1 in front
 * of this machine's qemu:///system, and {@code virtctl} run in a mount namespace where the base
 * image's directory and {@code storage_dir} are empty file systems. What virtctl sees there is not
 * what the hypervisor has, so every file a guest needs must be found and made through libvirt: a
 * cow image guest, a {@code disk_size} guest and a cloud-init guest converge, and an image the
 * hypervisor lacks is a plan error at its key.
 */
class RemoteHypervisorIT {
  final String prefix = "virtd-it-rh-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  final Path root = Path.of("/var/lib/virtd-test", prefix);
  Path ssh;
  Path base;
  Path images;
  Path manifests;
  Path config;
  Process sshd;
  int port;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/sshd")),
        "no /usr/sbin/sshd (scripts/install-deps installs openssh-server)");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "no /usr/bin/unshare");
    assumeTrue("root".equals(System.getProperty("user.name")), "sshd and unshare need root");
    ssh = Files.createDirectories(root.resolve("ssh"));
    for (Path p = ssh; p != null && !p.equals(Path.of("/var/lib")); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    base = Files.createDirectories(root.resolve("base"));
    images = root.resolve("images");
    manifests = Files.createDirectories(root.resolve("m"));
    run("qemu-img", "create", "-q", "-f", "qcow2", base.resolve("base.qcow2").toString(), "1G");
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("host").toString());
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("id").toString());
    Files.copy(ssh.resolve("id.pub"), ssh.resolve("authorized_keys"));
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    write(
        ssh.resolve("sshd_config"),
        String.join(
            "\n",
            "Port " + port,
            "ListenAddress 127.0.0.1",
            "HostKey " + ssh.resolve("host"),
            "PidFile " + ssh.resolve("sshd.pid"),
            "AuthorizedKeysFile " + ssh.resolve("authorized_keys"),
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "UseDNS no",
            "StrictModes yes",
            ""));
    Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
    sshd =
        new ProcessBuilder("/usr/sbin/sshd", "-f", ssh.resolve("sshd_config").toString(), "-D")
            .redirectErrorStream(true)
            .redirectOutput(ssh.resolve("sshd.log").toFile())
            .start();
    String uri =
        "qemu+ssh://root@127.0.0.1:%d/system?keyfile=%s&no_verify=1"
            .formatted(port, ssh.resolve("id"));
    // the root-owned configuration may name any URI; a manifest's `connect:` may not
    config = root.resolve("virtd.yaml");
    write(
        config,
        "owner: it-remote\nworkers: 1\nconnect: %s\nlock_dir: %s\nstorage_dir: %s\n"
            .formatted(uri, root.resolve("locks"), images));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!Virsh.runOn(uri, "version").contains("Running hypervisor")) {
      assertTrue(sshd.isAlive(), "sshd runs: " + Files.readString(ssh.resolve("sshd.log")));
      assertTrue(System.nanoTime() < deadline, "libvirt answers through the test's sshd");
      Thread.sleep(200);
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      Virsh.removeAll(prefix);
      Virsh.removePoolsUnder(root);
    } finally {
      if (sshd != null) {
        sshd.destroy();
        if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
          sshd.destroyForcibly();
        }
        // ssh noted the test's host key in root's known_hosts (no_verify accepts it): not kept
        Commands.run(
            List.of("ssh-keygen", "-q", "-R", "[127.0.0.1]:" + port), Duration.ofSeconds(20));
      }
      if (Files.exists(root)) {
        try (Stream<Path> s = Files.walk(root)) {
          for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }

  @Test
  void aCowImageADiskSizeAndACloudInitGuestConvergeOnAHypervisorThatHasTheFiles() throws Exception {
    String cow = prefix + "cow";
    String sized = prefix + "sized";
    String seeded = prefix + "seeded";
    write(
        manifests.resolve("cow.yaml"),
        "virt: %s\nvirt_type: qemu\nmemory: 64\nensure: stopped\nautoboot: false\nimage: %s\n"
            .formatted(cow, base.resolve("base.qcow2")));
    write(
        manifests.resolve("sized.yaml"),
        "virt: %s\nvirt_type: qemu\nmemory: 64\nensure: stopped\nautoboot: false\ndisk_size: 1\n"
            .formatted(sized));
    write(
        manifests.resolve("seeded.yaml"),
        ("virt: %s\nvirt_type: qemu\nmemory: 64\nensure: running\nautoboot: false\n"
                + "restart: on_change\nshutdown_timeout: 1s\nuser_data:\n  hostname: far-away\n")
            .formatted(seeded));

    Cli plan = hidden("plan");
    assertEquals(2, plan.exit(), plan.out() + plan.err());
    Cli apply = hidden("apply");
    assertEquals(0, apply.exit(), apply.out() + apply.err());

    assertEquals("shut off", Virsh.run("domstate", cow));
    Path overlay = images.resolve(cow + ".qcow2");
    assertTrue(Files.isRegularFile(overlay), "the overlay is on the hypervisor: " + overlay);
    assertTrue(
        Virsh.run("vol-dumpxml", "--vol", overlay.toString())
            .contains("<path>" + base.resolve("base.qcow2") + "</path>"),
        "the overlay reads through to the hypervisor's image");
    assertTrue(Virsh.run("domblklist", cow).contains(overlay.toString()));

    assertEquals("shut off", Virsh.run("domstate", sized));
    Path disk = images.resolve(sized + ".qcow2");
    assertTrue(Virsh.run("vol-info", "--vol", disk.toString()).contains("1.00 GiB"));

    assertEquals("running", Virsh.run("domstate", seeded));
    Path iso = images.resolve(seeded + "-cidata.iso");
    assertTrue(Virsh.run("domblklist", seeded).contains(iso.toString()));
    String userData = run("isoinfo", "-i", iso.toString(), "-R", "-x", "/user-data");
    assertTrue(userData.contains("hostname: far-away"), userData);

    Cli again = hidden("plan");
    assertEquals(0, again.exit(), "converged: " + again.out() + again.err());

    // a changed document: a new seed volume replaces the old one, and the guest restarts onto it
    Path sm = manifests.resolve("seeded.yaml");
    write(sm, Files.readString(sm).replace("far-away", "farther-away"));
    Cli change = hidden("apply");
    assertEquals(0, change.exit(), change.out() + change.err());
    assertEquals("running", Virsh.run("domstate", seeded));
    userData = run("isoinfo", "-i", iso.toString(), "-R", "-x", "/user-data");
    assertTrue(userData.contains("hostname: farther-away"), userData);
    assertEquals(0, hidden("plan").exit(), "converged after the change");

    for (String g : List.of("cow", "sized", "seeded")) {
      Path m = manifests.resolve(g + ".yaml");
      write(m, Files.readString(m).replaceAll("ensure: \\w+", "ensure: absent"));
    }
    Cli remove = hidden("apply");
    assertEquals(0, remove.exit(), remove.out() + remove.err());
    for (String g : List.of(cow, sized, seeded)) {
      assertFalse(Virsh.run("list", "--all", "--name").lines().anyMatch(g::equals), g);
    }
    try (Stream<Path> left = Files.list(images)) {
      assertEquals(
          List.of(),
          left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList(),
          "the guests' disks and seed went with them");
    }
    assertTrue(Files.isRegularFile(base.resolve("base.qcow2")), "the base image stays");
  }

  @Test
  void anImageTheHypervisorLacksIsAPlanErrorAtItsKey() throws Exception {
    Path m = manifests.resolve("missing.yaml");
    Path image = base.resolve("missing.qcow2");
    write(
        m,
        "virt: %s\nvirt_type: qemu\nmemory: 64\nensure: stopped\nimage: %s\n"
            .formatted(prefix + "missing", image));
    Cli plan = hidden("plan");
    assertEquals(1, plan.exit(), plan.out() + plan.err());
    assertTrue(plan.out().contains(m + ":5:1: "), plan.out());
    assertTrue(plan.out().contains(image.toString()), plan.out());
    assertFalse(plan.out().contains("+ create"), plan.out());
  }

  /**
   * {@code virtctl COMMAND} in a process of its own, in a mount namespace where the base image's
   * directory and {@code storage_dir} are empty: files there exist only for the hypervisor.
   */
  private Cli hidden(String command) throws Exception {
    Files.createDirectories(images);
    Path out = root.resolve("out");
    Path err = root.resolve("err");
    String java = ProcessHandle.current().info().command().orElse("java");
    String script =
        "mount -t tmpfs virtd-hidden \"$1\" && mount -t tmpfs virtd-hidden \"$2\" && shift 2"
            + " && test -z \"$(ls -A "
            + base
            + ")\" && exec \"$@\"";
    List<String> argv =
        new ArrayList<>(
            List.of(
                "/usr/bin/unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                script,
                "sh",
                base.toString(),
                images.toString(),
                java,
                "-cp",
                Path.of("target/virtctl.jar").toAbsolutePath().toString(),
                "io.virtd.cli.Virtctl",
                command,
                "--config",
                config.toString(),
                "-m",
                manifests.toString()));
    Process p =
        new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      assertTrue(p.waitFor(300, TimeUnit.SECONDS), command + " ended");
    } finally {
      p.destroyForcibly();
    }
    return new Cli(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static String run(String... argv) throws IOException, InterruptedException {
    var r = Commands.run(List.of(argv), Duration.ofSeconds(60));
    assertEquals(0, r.exit(), String.join(" ", argv) + ": " + r.out());
    return r.out();
  }

  private static void write(Path f, String text) throws IOException {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }
}
