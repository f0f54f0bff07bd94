package io.virtd.libvirt;

import static io.virtd.core.testing.DriverContract.mark;
import static io.virtd.core.testing.DriverContract.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DocumentDigest;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudInitSeedTest {
  static final Path ISOINFO = Path.of("/usr/bin/isoinfo");
  static final Host HOST = new Host("x86_64", n -> false, "UTC");

  @TempDir Path dir;

  static Map<String, Object> cloudConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hostname", "web01");
    m.put("packages", List.of("nginx", "curl"));
    m.put("package_upgrade", true);
    m.put("zip", "01234"); // a string that looks like a number stays a string
    m.put("answer", "yes"); // and one that looks like a YAML 1.1 boolean
    Map<String, Object> motd = new LinkedHashMap<>();
    motd.put("path", "/etc/motd");
    motd.put("content", "line 1\nline 2\n"); // multi-line text as a literal block
    m.put("write_files", List.of(motd));
    return m;
  }

  static Map<String, Object> networkConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 2);
    m.put("ethernets", Map.of("eth0", Map.of("dhcp4", true)));
    return m;
  }

  @Test
  void aMapIsCloudConfigAndAStringIsWrittenAsGiven() {
    VmSpec spec =
        spec(
            "web01",
            VirtType.KVM,
            Field.USER_DATA,
            cloudConfig(),
            Field.META_DATA,
            "instance-id: i-1\n",
            Field.NETWORK_CONFIG,
            networkConfig());
    Map<String, String> files = CloudInitSeed.files(spec);
    assertEquals(List.of("user-data", "meta-data", "network-config"), List.copyOf(files.keySet()));
    assertEquals(
        """
        #cloud-config
        hostname: web01
        packages:
        - nginx
        - curl
        package_upgrade: true
        zip: "01234"
        answer: "yes"
        write_files:
        - path: /etc/motd
          content: |
            line 1
            line 2
        """,
        files.get("user-data"));
    assertEquals("instance-id: i-1\n", files.get("meta-data"));
    assertEquals(
        """
        version: 2
        ethernets:
          eth0:
            dhcp4: true
        """,
        files.get("network-config"));
  }

  @Test
  void withoutMetaDataTheInstanceIsNamedAfterTheGuest() {
    VmSpec spec = spec("web02", VirtType.QEMU, Field.USER_DATA, "#!/bin/sh\necho hi\n");
    assertEquals(
        Map.of(
            "user-data",
            "#!/bin/sh\necho hi\n",
            "meta-data",
            "instance-id: web02\nlocal-hostname: web02\n"),
        CloudInitSeed.files(spec));
    assertTrue(CloudInitSeed.wanted(spec));
    assertFalse(CloudInitSeed.wanted(spec("web03", VirtType.QEMU)));
  }

  @Test
  void genisoimageArgumentsAreExact() {
    assertEquals(
        List.of(
            "/usr/bin/genisoimage",
            "-quiet",
            "-output",
            "/s/web01-cidata.iso.tmp",
            "-volid",
            "cidata",
            "-joliet",
            "-rock",
            "--",
            "user-data",
            "meta-data"),
        CloudInitSeed.genisoimageArgs(
            Path.of("/s/web01-cidata.iso.tmp"), List.of("user-data", "meta-data")));
  }

  @Test
  void theImageIsLabelledCidataAndHoldsTheFiles() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CloudInitSeed.GENISOIMAGE) && Files.isExecutable(ISOINFO),
        "genisoimage is not installed");
    VmSpec spec = spec("web01", VirtType.KVM, Field.USER_DATA, Map.of("virtd_marker", "m-42"));
    Path iso = CloudInitSeed.isoPath(dir.resolve("images"), spec.name());
    CloudInitSeed.write(spec, iso);

    assertEquals(dir.resolve("images/web01-cidata.iso"), iso);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(iso)));
    String pvd = isoinfo("-d", "-i", iso.toString());
    assertTrue(pvd.contains("Volume id: cidata"), pvd);
    assertTrue(pvd.contains("Rock Ridge signatures version"), pvd);
    assertTrue(pvd.contains("Joliet with UCS level"), pvd);
    assertEquals(
        "#cloud-config\nvirtd_marker: m-42\n",
        isoinfo("-R", "-i", iso.toString(), "-x", "/user-data"));
    assertEquals(
        "instance-id: web01\nlocal-hostname: web01\n",
        isoinfo("-R", "-i", iso.toString(), "-x", "/meta-data"));
    try (var left = Files.list(iso.getParent())) {
      assertEquals(List.of(iso), left.toList(), "no work files left behind");
    }

    CloudInitSeed.write(
        io.virtd.core.testing.DriverContract.with(spec, Field.USER_DATA, "#cloud-config\n"), iso);
    assertEquals("#cloud-config\n", isoinfo("-R", "-i", iso.toString(), "-x", "/user-data"));
  }

  @Test
  void attachingAddsOneReadOnlyCdromAndRecordsTheDigests() {
    VmSpec spec = spec("web01", VirtType.KVM, Field.USER_DATA, Map.of("a", 1));
    String xml = DomainWriter.create(spec, mark(spec, OwnershipMark.Origin.CREATED), HOST);
    Path iso = Path.of("/var/lib/virtd/images/web01-cidata.iso");
    String once = CloudInitSeed.attach(xml, iso, VirtType.KVM, CloudInitSeed.digests(spec));
    String twice = CloudInitSeed.attach(once, iso, VirtType.KVM, CloudInitSeed.digests(spec));
    assertEquals(1, twice.split("device=\"cdrom\"", -1).length - 1, twice);
    assertTrue(
        twice.contains(
            "<disk device=\"cdrom\" type=\"file\"><driver name=\"qemu\" type=\"raw\"/>"
                + "<source file=\"/var/lib/virtd/images/web01-cidata.iso\"/>"
                + "<target bus=\"ide\" dev=\"hdc\"/><readonly/></disk>"),
        twice);
    assertTrue(
        twice.contains("<log append=\"on\" file=\"/var/log/libvirt/qemu/web01-console.log\"/>"),
        twice);
    DomainReader.Facts facts = DomainReader.read(twice);
    assertTrue(((DocumentDigest) facts.fields().get(Field.USER_DATA)).matches(Map.of("a", 1)));
    assertFalse(facts.fields().containsKey(Field.META_DATA));
  }

  @Test
  void q35GetsSataAndXenParavirtAXenDisk() {
    VmSpec q35 = spec("q", VirtType.KVM, Field.MACHINE_TYPE, "q35", Field.USER_DATA, "x");
    String xml =
        CloudInitSeed.attach(
            DomainWriter.create(q35, mark(q35, OwnershipMark.Origin.CREATED), HOST),
            Path.of("/s/q-cidata.iso"),
            VirtType.KVM,
            Map.of());
    assertTrue(xml.contains("<target bus=\"sata\" dev=\"sdc\"/>"), xml);
    VmSpec pv = spec("p", VirtType.XEN_PARAVIRT, Field.USER_DATA, "x");
    String pvXml =
        CloudInitSeed.attach(
            DomainWriter.create(pv, mark(pv, OwnershipMark.Origin.CREATED), HOST),
            Path.of("/s/p-cidata.iso"),
            VirtType.XEN_PARAVIRT,
            Map.of());
    assertTrue(pvXml.contains("<target bus=\"xen\" dev=\"xvdc\"/>"), pvXml);
    assertFalse(pvXml.contains("<log "), "libxl keeps no console log");
  }

  @Test
  void seedsNeedALocalHypervisor() {
    assertFalse(LibvirtDriver.isRemote("qemu:///system"));
    assertFalse(LibvirtDriver.isRemote("test:///default"));
    assertFalse(LibvirtDriver.isRemote("qemu+unix:///system?socket=/run/x.sock"));
    assertTrue(LibvirtDriver.isRemote("qemu+ssh://root@host1/system"));
  }

  private static String isoinfo(String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of(ISOINFO.toString()));
    argv.addAll(List.of(args));
    Commands.Result r =
        Commands.run(
            new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD),
            Duration.ofSeconds(60));
    assertEquals(0, r.exit());
    return r.out();
  }
}
