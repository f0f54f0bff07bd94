package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.testing.DriverContract;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The single-disk keys read as the one item of {@code disks} they are. */
class SingleDiskTest {

  @Test
  void anImageIsTheOverlayOrCopyOnVda() {
    VmSpec spec =
        DriverContract.spec(
            "web01", VirtType.KVM, Field.IMAGE, "/base/deb.raw", Field.DISK_SIZE, 8L);
    DiskSpec d = DiskStorage.singleDisk(spec).orElseThrow();
    assertEquals("vda", d.target());
    assertEquals("virtio", d.bus());
    assertEquals("/base/deb.raw", d.image());
    assertEquals("cow", d.imageMode(), "cow unless image_mode says otherwise");
    assertEquals(8L, d.size());
    assertEquals(DiskSpec.Source.IMAGE, d.source());
  }

  @Test
  void aVirtPathIsTheExistingFileAndDiskSizeAloneIsABlankVolume() {
    DiskSpec path =
        DiskStorage.singleDisk(
                DriverContract.spec("a", VirtType.KVM, Field.VIRT_PATH, "/srv/a.raw"))
            .orElseThrow();
    assertEquals(DiskSpec.Source.PATH, path.source());
    assertEquals("/srv/a.raw", path.path());

    DiskSpec blank =
        DiskStorage.singleDisk(DriverContract.spec("b", VirtType.KVM, Field.DISK_SIZE, 4L))
            .orElseThrow();
    assertEquals(DiskSpec.Source.BLANK, blank.source());
    assertEquals(4L, blank.size());
  }

  @Test
  void xenGuestsGetXvdaOnXensBus() {
    DiskSpec d =
        DiskStorage.singleDisk(
                DriverContract.spec("x", VirtType.XEN_FULLYVIRT, Field.DISK_SIZE, 1L))
            .orElseThrow();
    assertEquals("xvda", d.target());
    assertEquals("xen", d.bus());
  }

  @Test
  void noSingleDiskKeyIsNoDisk() {
    assertEquals(Optional.empty(), DiskStorage.singleDisk(DriverContract.spec("n", VirtType.KVM)));
  }
}
