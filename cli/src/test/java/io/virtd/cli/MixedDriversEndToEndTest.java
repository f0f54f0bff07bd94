package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code virtctl plan} and {@code apply} on one directory holding a kvm guest (on libvirt's
 * in-process {@code test:///default}) and OpenVZ containers (on the vzctl/vzlist simulator of
 * {@code openvz-driver/src/test/sim}, reached through small wrapper scripts that set its state
 * directory), checked with the simulator's own vzctl, not with the driver.
 */
class MixedDriversEndToEndTest {
  private static final Path SIM =
      Path.of(System.getProperty("user.dir"))
          .getParent()
          .resolve("openvz-driver/src/test/sim")
          .toAbsolutePath();

  @TempDir Path dir;
  final String kvm = "e2e-kvm-" + UUID.randomUUID().toString().substring(0, 8);
  Path manifests;
  Path simRoot;

  /** Keeps test:///default's state alive between the in-process virtctl runs. */
  org.libvirt.Connect hold;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Files.isExecutable(SIM.resolve("vzctl")), "the simulator is at " + SIM);
    assumeTrue(python3(), "python3 runs the vzctl/vzlist simulator");
    try {
      hold = new org.libvirt.Connect("test:///default");
    } catch (Throwable e) {
      assumeTrue(false, "libvirt's test driver is not available: " + e);
    }
    manifests = Files.createDirectories(dir.resolve("manifests"));
    simRoot = Files.createDirectories(dir.resolve("vz"));
    file(
        manifests.resolve("kvm.yaml"),
        """
        virt: %s
        virt_type: kvm
        connect: test:///default
        memory: 64
        cpus: 1
        desc: kvm beside containers
        """
            .formatted(kvm));
    file(
        manifests.resolve("containers.yaml"),
        """
        virt: e2e-web
        virt_type: openvz
        hostname: web.example.com
        ipaddr: [10.0.0.5, "2001:DB8::5"]
        memory: 1GiB
        cpus: 2
        user: root:e2e-Secret
        features: [nfs:on]
        resources_parameters: [numproc=240:240]
        ---
        virt: e2e-db
        virt_type: openvz
        ensure: stopped
        id: 4321
        desc: database, "quoted"
        capability: [sys_time:on]
        """);
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (hold != null) {
      try {
        org.libvirt.Domain d = hold.domainLookupByName(kvm);
        if (d.isActive() == 1) {
          d.destroy();
        }
        d.undefine();
      } catch (org.libvirt.LibvirtException e) {
        // never created
      }
      hold.close();
    }
  }

  private Path config(Path vzctl, Path vzlist) throws IOException {
    Path c = dir.resolve("virtd.yaml");
    file(
        c,
        """
        owner: e2e-host
        lock_dir: %s
        vzctl: %s
        vzlist: %s
        vz_conf_dir: %s
        """
            .formatted(dir.resolve("locks"), vzctl, vzlist, simRoot.resolve("conf")));
    return c;
  }

  /**
   * A wrapper that runs the simulator with its state directory, as the real tools run with /etc/vz.
   */
  private Path wrapper(String tool) throws IOException {
    Path w = dir.resolve("bin").resolve(tool);
    Files.createDirectories(w.getParent());
    Files.writeString(
        w,
        "#!/bin/sh\nVZSIM_ROOT='"
            + simRoot
            + "'\nexport VZSIM_ROOT\nexec '"
            + SIM.resolve(tool)
            + "' \"$@\"\n");
    Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
    return w;
  }

  @Test
  void planShowsBothDriversApplyConvergesBothAndASecondPlanIsEmpty() throws Exception {
    Path cfg = config(wrapper("vzctl"), wrapper("vzlist"));

    Cli plan = Cli.run("plan", "--config", cfg.toString(), "-m", manifests.toString());
    assertEquals(2, plan.exit(), plan.out() + plan.err());
    assertTrue(plan.out().contains(kvm + " (libvirt test:///default)"), plan.out());
    assertTrue(plan.out().contains("e2e-web (openvz local)"), plan.out());
    assertTrue(plan.out().contains("e2e-db (openvz local)"), plan.out());
    assertFalse(plan.out().contains("e2e-Secret"), plan.out());

    Cli apply = Cli.run("apply", "--config", cfg.toString(), "-m", manifests.toString());
    assertEquals(0, apply.exit(), apply.out() + apply.err());
    assertFalse((apply.out() + apply.err()).contains("e2e-Secret"));

    // checked without the driver: libvirt directly, the simulator's own vzctl
    org.libvirt.Domain d = hold.domainLookupByName(kvm);
    assertEquals(1, d.isActive());
    long web = io.virtd.openvz.Ctids.derive("e2e-web");
    assertEquals(
        "CTID " + web + " exist mounted running", vz("vzctl", "status", Long.toString(web)));
    assertEquals("CTID 4321 exist unmounted down", vz("vzctl", "status", "4321"));
    String conf = Files.readString(simRoot.resolve("conf").resolve(web + ".conf"));
    assertTrue(conf.contains("\nHOSTNAME=\"web.example.com\"\n"), conf);
    assertTrue(conf.contains("\nPHYSPAGES=\"0:262144\"\n"), conf);
    assertTrue(conf.contains("\nONBOOT=\"yes\"\n"), conf);
    assertTrue(
        conf.startsWith(
            "#virtd: owner=e2e-host origin=created manifest="
                + manifests.resolve("containers.yaml")),
        conf);
    assertFalse(conf.contains("e2e-Secret"), conf);
    assertTrue(Files.readString(simRoot.resolve("conf/4321.conf")).contains("\nONBOOT=\"no\"\n"));

    Cli again = Cli.run("plan", "--config", cfg.toString(), "-m", manifests.toString());
    assertEquals(0, again.exit(), again.out() + again.err());
    assertTrue(again.out().startsWith("No changes"), again.out());
  }

  @Test
  void withoutVzctlTheContainersFailClearlyAndTheKvmGuestStillConverges() throws Exception {
    Path cfg = config(dir.resolve("missing/vzctl"), dir.resolve("missing/vzlist"));
    Cli apply = Cli.run("apply", "--config", cfg.toString(), "-m", manifests.toString());
    assertEquals(1, apply.exit(), apply.out() + apply.err());
    String all = apply.out() + apply.err();
    assertTrue(all.contains("openvz: vzctl not found at " + dir.resolve("missing/vzctl")), all);
    assertEquals(1, hold.domainLookupByName(kvm).isActive());
    Cli plan = Cli.run("plan", "--config", cfg.toString(), "-m", manifests.toString(), kvm);
    assertEquals(0, plan.exit(), plan.out() + plan.err());
  }

  private String vz(String tool, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(SIM.resolve(tool).toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("VZSIM_ROOT", simRoot.toString());
    return Commands.run(pb, Duration.ofSeconds(60)).out().strip();
  }

  private static void file(Path p, String text) throws IOException {
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
  }

  private static boolean python3() {
    try {
      return Commands.run(List.of("python3", "--version"), Duration.ofSeconds(20)).exit() == 0;
    } catch (IOException | InterruptedException | IllegalStateException e) { // ISE: timed out
      return false;
    }
  }
}
