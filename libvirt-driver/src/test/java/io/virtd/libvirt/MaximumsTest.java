package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.mark;
import static io.virtd.core.testing.DriverContract.mib;
import static io.virtd.core.testing.DriverContract.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.OwnershipMark;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The maximums a running guest may grow to live ({@code <memory>}, {@code <vcpu>}) are managed only
 * when the manifest sets {@code max_memory} / {@code max_cpus}: a change of {@code memory} or
 * {@code cpus} within the maximum leaves it as it is.
 */
class MaximumsTest {
  static final Host HOST = CloudInitSeedTest.HOST;

  /** A guest made elsewhere: 128 of 192 MiB, 1 of 4 vcpus. */
  static final String ADOPTED =
      "<domain type='kvm'><name>g</name>"
          + "<memory unit='KiB'>196608</memory><currentMemory unit='KiB'>131072</currentMemory>"
          + "<vcpu placement='static' current='1'>4</vcpu>"
          + "<os><type arch='x86_64'>hvm</type></os></domain>";

  static DomainReader.Facts edited(String xml, VmSpec spec, FieldChange... changes) {
    return DomainReader.read(
        DomainWriter.edit(
            xml, spec, List.of(changes), mark(spec, OwnershipMark.Origin.ADOPTED), HOST));
  }

  @Test
  void growingWithinTheMaximumKeepsTheMaximum() {
    VmSpec spec = spec("g", VirtType.KVM, Field.MEMORY, mib(160), Field.CPUS, 2);
    DomainReader.Facts f =
        edited(
            ADOPTED,
            spec,
            new FieldChange(Field.MEMORY, mib(128), mib(160), Mutability.LIVE),
            new FieldChange(Field.CPUS, 1, 2, Mutability.LIVE));
    assertEquals(mib(160), f.fields().get(Field.MEMORY));
    assertEquals(2, f.fields().get(Field.CPUS));
    assertEquals(mib(192), f.maxMemoryKiB(), "max memory kept");
    assertEquals(4, f.maxVcpus(), "max vcpus kept");
  }

  @Test
  void growingBeyondTheMaximumRaisesIt() {
    VmSpec spec = spec("g", VirtType.KVM, Field.MEMORY, mib(256), Field.CPUS, 6);
    DomainReader.Facts f =
        edited(
            ADOPTED,
            spec,
            new FieldChange(Field.MEMORY, mib(128), mib(256), Mutability.RESTART),
            new FieldChange(Field.CPUS, 1, 6, Mutability.RESTART));
    assertEquals(mib(256), f.maxMemoryKiB());
    assertEquals(6, f.maxVcpus());
    assertEquals(6, f.fields().get(Field.CPUS));
  }

  /** A guest without a balloon driver has its maximum: lowered memory lowers it with it. */
  @Test
  void loweringMemoryLowersAMaximumTheManifestDoesNotSet() {
    VmSpec spec = spec("g", VirtType.KVM, Field.MEMORY, mib(96));
    DomainReader.Facts f =
        edited(ADOPTED, spec, new FieldChange(Field.MEMORY, mib(128), mib(96), Mutability.LIVE));
    assertEquals(mib(96), f.maxMemoryKiB());
    assertEquals(mib(96), f.fields().get(Field.MEMORY));
  }

  @Test
  void maximumsTheManifestSetsWin() {
    VmSpec spec =
        spec(
            "g",
            VirtType.KVM,
            Field.MEMORY,
            mib(96),
            Field.MAX_MEMORY,
            mib(512),
            Field.CPUS,
            1,
            Field.MAX_CPUS,
            8);
    DomainReader.Facts f =
        edited(
            ADOPTED,
            spec,
            new FieldChange(Field.MEMORY, mib(128), mib(96), Mutability.LIVE),
            new FieldChange(Field.MAX_MEMORY, mib(192), mib(512), Mutability.RESTART),
            new FieldChange(Field.MAX_CPUS, 4, 8, Mutability.RESTART));
    assertEquals(mib(512), f.maxMemoryKiB());
    assertEquals(mib(96), f.fields().get(Field.MEMORY));
    assertEquals(8, f.maxVcpus());
    assertEquals(1, f.fields().get(Field.CPUS));
  }

  @Test
  void aNewGuestGetsTheMaximumsItsManifestSetsOrItsValues() {
    VmSpec plain = spec("g", VirtType.KVM, Field.MEMORY, mib(64), Field.CPUS, 2);
    DomainReader.Facts p =
        DomainReader.read(
            DomainWriter.create(plain, mark(plain, OwnershipMark.Origin.CREATED), HOST));
    assertEquals(mib(64), p.maxMemoryKiB());
    assertEquals(2, p.maxVcpus());
    VmSpec headroom =
        spec(
            "g",
            VirtType.KVM,
            Field.MEMORY,
            mib(64),
            Field.MAX_MEMORY,
            mib(128),
            Field.CPUS,
            1,
            Field.MAX_CPUS,
            4);
    DomainReader.Facts h =
        DomainReader.read(
            DomainWriter.create(headroom, mark(headroom, OwnershipMark.Origin.CREATED), HOST));
    assertEquals(mib(64), h.fields().get(Field.MEMORY));
    assertEquals(mib(128), h.fields().get(Field.MAX_MEMORY));
    assertEquals(1, h.fields().get(Field.CPUS));
    assertEquals(4, h.fields().get(Field.MAX_CPUS));
  }
}
