package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.DriverContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver contract on the vzctl/vzlist simulator ({@code src/test/sim}). Every test gets a
 * simulated host of its own in a temporary directory, so nothing is left behind.
 */
class OpenVzSimulatorContractTest extends DriverContract {
  static final String TEMPLATE = "centos-6-x86";

  @TempDir Path tmp;
  private Sim sim;
  private String untouched;

  @BeforeAll
  static void needPython() {
    assumeTrue(Sim.python3(), "/usr/bin/python3 is needed to run the vzctl/vzlist simulator");
  }

  @Override
  protected VmDriver openDriver() throws Exception {
    sim = new Sim(tmp, Map.of());
    return sim.driver();
  }

  @Override
  protected void removeLeftovers(String prefix) {
    // the simulated host lives in the test's temporary directory, which JUnit deletes
  }

  @Override
  protected VirtType virtType() {
    return VirtType.OPENVZ;
  }

  @Override
  protected Object[] required() {
    return new Object[] {Field.OSTEMPLATE, TEMPLATE};
  }

  @Override
  protected Object[] declaredAtCreation() {
    return new Object[] {
      Field.HOSTNAME, "ct.example.com",
      Field.IPADDR, List.of("10.0.0.9", "2001:db8::9"),
      Field.NAMESERVER, List.of("192.0.2.53"),
      Field.SEARCHDOMAIN, "example.com",
      Field.CPULIMIT, 25L,
      Field.IOPRIO, 6L,
      Field.QUOTAUGIDLIMIT, 50L,
      Field.FEATURES, List.of("nfs:on"),
      Field.CAPABILITY, List.of("net_admin:on"),
      Field.DEVICES, List.of("c:10:200:rw"),
      Field.IPTABLES, List.of("ipt_REJECT"),
      Field.RESOURCES_PARAMETERS, List.of("numproc=400:400"),
      Field.INTERFACES, List.of("br0")
    };
  }

  /** vzctl copies the sample config ({@code vswap-256m}) into every new container. */
  @Override
  protected Map<Field, Object> creationDefaults() {
    return Map.of(
        Field.VIRT_TYPE,
        VirtType.OPENVZ,
        Field.CPUUNITS,
        1000L,
        Field.DISKSPACE,
        2L * 1024 * 1024,
        Field.DISKINODES,
        131072L,
        Field.QUOTATIME,
        0L,
        Field.DISABLED,
        false);
  }

  @Override
  protected Map<Field, Object> liveDefaults() {
    return Map.of(
        Field.IPADDR, List.of(), Field.CPUUNITS, 1000L, Field.DISKSPACE, 2L * 1024 * 1024);
  }

  @Override
  protected RestartOnly restartOnlyChange() {
    return new RestartOnly(Field.CAPABILITY, List.of("net_admin:on"), List.of("net_admin:off"));
  }

  /**
   * {@code ONBOOT} is read by the vz init script when the host boots; a running CT has nothing to
   * take.
   */
  @Override
  protected Mutability autobootChange() {
    return Mutability.CONFIG;
  }

  /** vzlist's kernel view has no description: it lives in {@code CTID.conf} only. */
  @Override
  protected boolean liveShowsDescription() {
    return false;
  }

  /**
   * {@code vzctl set --ram/--cpus} applies any value to a running container: nothing is fixed at
   * start, so the "growing beyond the maximum" case does not apply.
   */
  @Override
  protected boolean hasBootTimeMaximum() {
    return false;
  }

  /** There is no ACPI: {@code vzctl stop} stops the container's processes itself. */
  @Override
  protected boolean ignoresAcpi() {
    return false;
  }

  @Override
  protected boolean followsBalloon() {
    return true;
  }

  @Override
  protected boolean followsVcpuUnplug() {
    return true;
  }

  /** A CTID another container already has. */
  @Override
  protected VmSpec unpreparedSpec(VmSpec base) throws Exception {
    VmSpec holder = small("ctid-holder");
    created(holder);
    return with(base, Field.ID, Ctids.of(holder));
  }

  /**
   * A container made with vzctl alone, plus a key vzctl does not know, which adoption must keep.
   */
  @Override
  protected void defineUnmarked(VmSpec spec) throws Exception {
    String ctid = Long.toString(Ctids.of(spec));
    assertEquals(0, sim.vzctl("create", ctid, "--ostemplate", TEMPLATE, "--name", spec.name()));
    assertEquals(
        0, sim.vzctl("set", ctid, "--ram", "64M", "--cpus", "1", "--onboot", "yes", "--save"));
    Path conf = sim.conf(Ctids.of(spec));
    Files.writeString(conf, Files.readString(conf) + "CUSTOM=\"kept\"\n");
    untouched = Files.readString(conf);
  }

  @Override
  protected void assertAdoptionKeptTheRest(VmSpec spec, ObservedVm before, ObservedVm after)
      throws Exception {
    assertEquals(before.persistent(), after.persistent());
    String text = sim.confText(Ctids.of(spec));
    assertTrue(text.startsWith("#virtd: owner=" + OWNER + " origin=adopted "), text);
    assertEquals(untouched, text.substring(text.indexOf('\n') + 1), "only the mark line was added");
  }

  @Override
  protected boolean hasDeviceLists() {
    return false; // `disks` and `nics` are libvirt's
  }
}
