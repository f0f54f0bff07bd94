package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.mark;
import static io.virtd.core.testing.DriverContract.mib;
import static io.virtd.core.testing.DriverContract.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The XML the driver writes checked against libvirt's own RelaxNG schema with {@code
 * virt-xml-validate} (package libvirt-clients) — the only check the Xen definitions get on a host
 * without Xen. Skipped where the tool is missing.
 */
class DomainXmlSchemaTest {
  static final Path TOOL = Path.of("/usr/bin/virt-xml-validate");
  static final Host HOST = new Host("x86_64", "br0"::equals, "Europe/Paris");

  @TempDir Path dir;

  @BeforeAll
  static void toolPresent() {
    Assumptions.assumeTrue(Files.isExecutable(TOOL), "virt-xml-validate is not installed");
  }

  static Stream<VmSpec> specs() {
    return Stream.of(
        spec("kvm-min", VirtType.KVM),
        spec("qemu-min", VirtType.QEMU),
        spec(
            "xen-hvm",
            VirtType.XEN_FULLYVIRT,
            Field.GRAPHICS,
            "enable",
            Field.INTERFACES,
            List.of("br0")),
        spec(
            "xen-pv",
            VirtType.XEN_PARAVIRT,
            Field.INTERFACES,
            List.of("default"),
            Field.CLOCKSYNC,
            "localtime"),
        spec(
            "kvm-full",
            VirtType.KVM,
            Field.MEMORY,
            mib(2048),
            Field.CPUS,
            4,
            Field.ARCH,
            "i686",
            Field.ON_POWEROFF,
            LifecycleAction.RESTART,
            Field.ON_CRASH,
            LifecycleAction.RENAME_RESTART,
            Field.GRAPHICS,
            "vnc:5901",
            Field.VNC_PASSWORD,
            "pw",
            Field.CLOCKSYNC,
            "variable",
            Field.DESC,
            "<b> & \"c\"",
            Field.INTERFACES,
            List.of("default", "br0"),
            Field.NETWORK_MODEL,
            "e1000",
            Field.MACHINE_TYPE,
            "q35",
            Field.CPU_MODEL,
            "Haswell",
            Field.VIDEO_MODEL,
            "virtio",
            Field.PXE,
            true,
            Field.OS_VARIANT,
            "debian12"));
  }

  @ParameterizedTest
  @MethodSource("specs")
  void newDefinitionsAreValid(VmSpec spec) throws Exception {
    validate(DomainWriter.create(spec, mark(spec, OwnershipMark.Origin.CREATED), HOST));
  }

  @Test
  void editedDefinitionsStayValid() throws Exception {
    VmSpec spec =
        spec("edit", VirtType.KVM, Field.INTERFACES, List.of("default"), Field.GRAPHICS, "enable");
    String xml = DomainWriter.create(spec, mark(spec, OwnershipMark.Origin.CREATED), HOST);
    List<FieldChange> changes =
        List.of(
            new FieldChange(Field.MEMORY, null, mib(256), Mutability.CONFIG),
            new FieldChange(Field.CPUS, null, 3, Mutability.CONFIG),
            new FieldChange(Field.GRAPHICS, null, "disable", Mutability.CONFIG),
            new FieldChange(Field.CLOCKSYNC, null, "timezone", Mutability.CONFIG),
            new FieldChange(
                Field.INTERFACES, null, List.of("br0", "default", "other"), Mutability.CONFIG),
            new FieldChange(Field.NETWORK_MODEL, null, "rtl8139", Mutability.CONFIG),
            new FieldChange(Field.DESC, null, "now with a description", Mutability.CONFIG),
            new FieldChange(Field.ON_REBOOT, null, LifecycleAction.DESTROY, Mutability.CONFIG));
    validate(DomainWriter.edit(xml, spec, changes, mark(spec, OwnershipMark.Origin.ADOPTED), HOST));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(
      value = VirtType.class,
      names = {"KVM", "XEN_FULLYVIRT", "XEN_PARAVIRT"})
  void definitionsWithADiskVirtdMadeAreValid(VirtType type) throws Exception {
    VmSpec spec = spec("disk", type, Field.DISK_SIZE, 4L);
    DomainWriter.Provisioned storage =
        new DomainWriter.Provisioned(
            java.util.Map.of(Marks.DISK, "/var/lib/virtd/images/disk.qcow2"),
            List.of(
                new Marks.Volume(
                    "virtd-images-0123456789", "disk.qcow2", "/var/lib/virtd/images/disk.qcow2")),
            List.of(new DomainWriter.Disk("/var/lib/virtd/images/disk.qcow2", "qcow2").item(type)));
    validate(DomainWriter.create(spec, mark(spec, OwnershipMark.Origin.CREATED), HOST, storage));
  }

  @Test
  void volumeAndPoolXmlAreValid() throws Exception {
    validate(
        StorageXml.volumeXml(
            "a.qcow2",
            "qcow2",
            1L << 30,
            java.util.Optional.of(new Storage.Backing("/base/b.raw", "raw"))),
        "storagevol");
    validate(
        StorageXml.volumeXml("b.raw", "raw", 1L << 30, java.util.Optional.empty()), "storagevol");
    validate(
        StorageXml.poolXml("virtd-images-0123456789", Path.of("/var/lib/virtd/images")),
        "storagepool");
  }

  /** The cloud-init seed's CD-ROM and the console log on every bus the seed can take. */
  @ParameterizedTest
  @MethodSource("specs")
  void seededDefinitionsAreValid(VmSpec base) throws Exception {
    VmSpec spec =
        io.virtd.core.testing.DriverContract.with(
            base, Field.USER_DATA, java.util.Map.of("packages", List.of("nginx")));
    String xml = DomainWriter.create(spec, mark(spec, OwnershipMark.Origin.CREATED), HOST);
    validate(
        CloudInitSeed.attach(
            xml,
            Path.of("/var/lib/virtd/images/" + spec.name() + "-cidata.iso"),
            spec.virtType(),
            CloudInitSeed.digests(spec)));
  }

  private void validate(String xml) throws Exception {
    validate(xml, "domain");
  }

  private void validate(String xml, String schema) throws Exception {
    validate(dir, xml, schema);
  }

  /** Checks {@code xml} against libvirt's RelaxNG {@code schema} (domain, network, storagepool). */
  static void validate(Path dir, String xml, String schema) throws Exception {
    Path file = Files.createTempFile(dir, schema, ".xml");
    Files.writeString(file, xml);
    Commands.Result r =
        Commands.run(List.of(TOOL.toString(), file.toString(), schema), Duration.ofSeconds(60));
    assertEquals(0, r.exit(), () -> r.out() + "\n" + xml);
  }
}
