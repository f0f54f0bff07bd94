package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.spec;
import static io.virtd.core.testing.DriverContract.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Ensure;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.DriverContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.LibvirtException;

/**
 * {@code disk_size} on libvirt's in-memory test driver: the pool, the blank volume, the mark, the
 * observed size, growth and removal. Nothing touches the disk; {@code LibvirtStorageIT} repeats it
 * for real with QEMU.
 */
class LibvirtStorageTest {
  static final String URI = "test:///default";
  private final String prefix = "st-" + UUID.randomUUID().toString().substring(0, 8);
  private final Path storageDir = Path.of("/nonexistent-virtd-test", prefix, "images");
  @TempDir Path locks;
  private VmDriver driver;

  @BeforeEach
  void open() throws Exception {
    driver = new LibvirtDriverFactory().open(URI, StorageFlows.withStorageDir(storageDir));
  }

  @AfterEach
  void close() throws Exception {
    driver.close();
    DomainCleaner.removeAll(URI, prefix);
    StorageFlows.removePoolsUnder(URI, storageDir.getParent());
  }

  private static boolean volumeExists(String path) throws LibvirtException {
    return StorageFlows.volumeExists(URI, path);
  }

  @Test
  void diskSizeAloneMakesABlankQcow2InStorageDirGrowsAndIsRemovedWithTheGuest() throws Exception {
    VmSpec s = spec(prefix + "-a", VirtType.KVM, Field.ENSURE, Ensure.STOPPED, Field.DISK_SIZE, 2L);
    StorageFlows.apply(driver, s, locks);
    String disk = storageDir.resolve(prefix + "-a.qcow2").toString();
    assertTrue(volumeExists(disk));
    assertEquals(2L, driver.observe(s.name()).get().persistent().get(Field.DISK_SIZE));
    StorageFlows.assertConverged(driver, s);

    VmSpec bigger = with(s, Field.DISK_SIZE, 3L);
    ResourcePlan grow = DriverContract.plan(driver, bigger, driver.observe(s.name()));
    assertEquals(
        List.of(new FieldChange(Field.DISK_SIZE, 2L, 3L, Mutability.CONFIG)),
        DriverContract.changes(grow),
        grow.toString());
    // the test driver has no virStorageVolResize: growing for real is LibvirtStorageIT's
    ResourcePlan shrink =
        DriverContract.plan(driver, with(s, Field.DISK_SIZE, 1L), driver.observe(s.name()));
    assertEquals(
        List.of(new FieldChange(Field.DISK_SIZE, 2L, 1L, Mutability.REPLACE)),
        shrink.recreateRequired());
    assertTrue(shrink.steps().isEmpty());

    StorageFlows.apply(driver, with(s, Field.ENSURE, Ensure.ABSENT), locks);
    assertTrue(driver.observe(s.name()).isEmpty());
    assertTrue(!volumeExists(disk), "the volume virtd made goes with the guest");
  }

  @Test
  void diskSizeAddedToAGuestWithNoDiskNeedsReCreatingNeverNothing() throws Exception {
    VmSpec s = spec(prefix + "-n", VirtType.KVM, Field.ENSURE, Ensure.STOPPED);
    StorageFlows.apply(driver, s, locks);
    ResourcePlan p =
        DriverContract.plan(driver, with(s, Field.DISK_SIZE, 4L), driver.observe(s.name()));
    assertEquals(
        List.of(Field.DISK_SIZE),
        p.recreateRequired().stream().map(FieldChange::field).toList(),
        p.toString());
    assertEquals(Mutability.REPLACE, p.recreateRequired().get(0).mutability());
    assertTrue(p.steps().isEmpty(), "nothing is applied without --replace");
  }

  @Test
  void aFailedDefineLeavesNoVolumeBehind() throws Exception {
    VmSpec s =
        spec(
            prefix + "-b",
            VirtType.KVM,
            Field.ENSURE,
            Ensure.STOPPED,
            Field.DISK_SIZE,
            1L,
            Field.MACHINE_TYPE,
            "no-such-machine-type");
    try {
      StorageFlows.apply(driver, s, locks);
    } catch (AssertionError expected) {
      // the test driver may accept any machine type; then the guest exists and is removed below
    }
    if (driver.observe(s.name()).isEmpty()) {
      assertTrue(!volumeExists(storageDir.resolve(prefix + "-b.qcow2").toString()));
    }
  }

  @Test
  void cloneFromAMissingDomainIsRefusedClearly() {
    VmSpec s = spec(prefix + "-c", VirtType.KVM, Field.CLONE_FROM, prefix + "-nobase");
    DriverException e =
        assertThrows(
            DriverException.class,
            () ->
                driver.create(
                    s, DriverContract.mark(s, io.virtd.core.spi.OwnershipMark.Origin.CREATED)));
    assertTrue(
        e.getMessage().contains("there is no domain `" + prefix + "-nobase`"), e.getMessage());
  }

  @Test
  void diskSizeWithAnExistingVirtPathFileIsRefused(@TempDir Path dir) throws Exception {
    Path f = Files.createFile(dir.resolve("disk.img"));
    VmSpec s =
        spec(prefix + "-d", VirtType.KVM, Field.VIRT_PATH, f.toString(), Field.DISK_SIZE, 1L);
    DriverException e =
        assertThrows(
            DriverException.class,
            () ->
                driver.create(
                    s, DriverContract.mark(s, io.virtd.core.spi.OwnershipMark.Origin.CREATED)));
    assertTrue(e.getMessage().contains("never resizes a disk it did not create"), e.getMessage());
  }
}
