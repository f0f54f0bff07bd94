package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code virtctl apply} on a directory of manifests against the real {@code qemu:///system},
 * checked with virsh (not with our driver), then a second {@code plan} that must find nothing to
 * do.
 */
class EndToEndIT {
  @TempDir Path dir;
  final String prefix = "virtd-it-e2e-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  Path manifests;
  Path config;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    manifests = Files.createDirectories(dir.resolve("manifests"));
    config = dir.resolve("virtd.yaml");
    Files.writeString(
        config,
        "owner: it-host\nlock_dir: " + dir.resolve("locks") + "\nconnect: qemu:///system\n");
  }

  @AfterEach
  void cleanUp() {
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
  }

  private void manifest(String name, String text) throws Exception {
    Path f = manifests.resolve(name + ".yaml");
    Files.writeString(f, text);
    Files.setPosixFilePermissions(
        f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void applyConvergesRealGuestsAndASecondPlanIsEmpty() throws Exception {
    String type = Virsh.domainType();
    String a = prefix + "a";
    String b = prefix + "b";
    manifest(
        "a",
        """
        virt: %s
        virt_type: %s
        memory: 96
        cpus: 2
        on_crash: restart
        on_poweroff: destroy
        desc: "it's <a> & \\"b\\""
        shutdown_timeout: 2s
        """
            .formatted(a, type));
    manifest(
        "b",
        """
        virt: %s
        virt_type: %s
        ensure: stopped
        memory: 64MiB
        """
            .formatted(b, type));

    Cli apply = Cli.run("apply", "--config", config.toString(), "-m", manifests.toString());
    assertEquals(0, apply.exit(), apply.out() + apply.err());

    assertEquals("running", Virsh.run("domstate", a));
    assertEquals("shut off", Virsh.run("domstate", b));
    String info = Virsh.run("dominfo", a);
    assertTrue(info.matches("(?s).*Max memory:\\s+98304 KiB.*"), info);
    assertTrue(info.matches("(?s).*CPU\\(s\\):\\s+2.*"), info);
    assertTrue(info.matches("(?s).*Autostart:\\s+enable.*"), info);
    assertTrue(Virsh.run("dominfo", b).matches("(?s).*Autostart:\\s+disable.*"));
    String xml = Virsh.run("dumpxml", "--inactive", a);
    assertTrue(xml.contains("<on_crash>restart</on_crash>"), xml);
    assertTrue(
        xml.contains("<description>it's &lt;a&gt; &amp; \"b\"</description>")
            || xml.contains("<description>it&apos;s &lt;a&gt; &amp; &quot;b&quot;</description>"),
        xml);
    assertTrue(xml.contains("owner=\"it-host\"") || xml.contains("owner='it-host'"), xml);

    Cli plan = Cli.run("plan", "--config", config.toString(), "-m", manifests.toString());
    assertEquals(0, plan.exit(), plan.out() + plan.err());

    // a change on the running guest: vcpus down is live only where the guest honours it; memory
    // down is live but a guest with no OS has no balloon driver -> restart pending, exit 3
    manifest(
        "a", Files.readString(manifests.resolve("a.yaml")).replace("memory: 96", "memory: 80"));
    Cli change = Cli.run("apply", "--config", config.toString(), "-m", manifests.toString());
    assertTrue(change.exit() == 0 || change.exit() == 3, change.out() + change.err());
    assertTrue(Virsh.run("dumpxml", "--inactive", a).contains("<memory unit='KiB'>81920</memory>"));

    // ensure absent removes both
    manifest(
        "a", "virt: " + a + "\nvirt_type: " + type + "\nensure: absent\nshutdown_timeout: 2s\n");
    manifest("b", "virt: " + b + "\nvirt_type: " + type + "\nensure: absent\n");
    Cli remove = Cli.run("apply", "--config", config.toString(), "-m", manifests.toString());
    assertEquals(0, remove.exit(), remove.out() + remove.err());
    assertTrue(
        remove.out().contains("forced off"), "the guest with no OS ignores ACPI: " + remove.out());
    assertTrue(Virsh.run("list", "--all", "--name").lines().noneMatch(l -> l.startsWith(prefix)));
  }
}
