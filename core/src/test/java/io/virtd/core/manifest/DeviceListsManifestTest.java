package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code disks} and {@code nics}: what they are read as, and each bad input's error and place. */
class DeviceListsManifestTest {
  private static final String HEAD = "virt: db01\nvirt_type: kvm\n";

  @Test
  void disksOfEveryKindWithTargetsDefaultedPerBusInListOrder(@TempDir Path dir) throws Exception {
    DesiredState s =
        load(
            dir,
            HEAD
                + "disks:\n"
                + "  - image: /srv/base.qcow2\n"
                + "    size: 20\n"
                + "  - size: 100\n"
                + "    target: vda\n"
                + "    cache: none\n"
                + "  - path: /dev/sdz\n"
                + "    bus: scsi\n"
                + "  - pool: fast\n"
                + "    size: 50\n"
                + "    format: raw\n"
                + "    serial: db01-wal\n");
    assertEquals(List.of(), s.problems());
    @SuppressWarnings("unchecked")
    List<DiskSpec> disks = (List<DiskSpec>) s.get("db01").orElseThrow().values().get(Field.DISKS);
    assertEquals(
        List.of("vdb", "vda", "sda", "vdc"), disks.stream().map(DiskSpec::target).toList());
    assertEquals("cow", disks.get(0).imageMode());
    assertEquals(DiskSpec.Source.IMAGE, disks.get(0).source());
    assertEquals("none", disks.get(1).cache());
    assertEquals(DiskSpec.Source.PATH, disks.get(2).source());
    assertEquals("fast", disks.get(3).pool());
    assertEquals("raw", disks.get(3).format());
    assertEquals("db01-wal", disks.get(3).serial());
  }

  @Test
  void nicsOfEveryKind(@TempDir Path dir) throws Exception {
    DesiredState s =
        load(
            dir,
            HEAD
                + "nics:\n"
                + "  - network: backend\n"
                + "    mac: \"52:54:00:12:34:56\"\n"
                + "  - bridge: br0\n"
                + "    model: e1000\n"
                + "  - direct: eno2\n"
                + "    link: down\n");
    assertEquals(List.of(), s.problems());
    assertEquals(
        List.of(
            new NicSpec(NicSpec.Type.NETWORK, "backend", "52:54:00:12:34:56", null, null),
            new NicSpec(NicSpec.Type.BRIDGE, "br0", null, "e1000", null),
            new NicSpec(NicSpec.Type.DIRECT, "eno2", null, null, "down")),
        s.get("db01").orElseThrow().values().get(Field.NICS));
  }

  /** Each bad input: one error at the line and column written by hand, and no guest declared. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "two disks, one target|disks:\\n  - {size: 1, target: vdb}\\n  - {size: 2, target: vdb}"
            + "|5|15|target `vdb` is already the target of the disk at 4:15",
        "a defaulted target taken twice|disks:\\n  - {size: 1}\\n  - {size: 2, target: vda}"
            + "\\n  - {size: 3, target: vda}|6|15|target `vda` is already",
        "a MAC twice|nics:\\n  - {network: a, mac: \"52:54:00:00:00:01\"}"
            + "\\n  - {bridge: b, mac: \"52:54:00:00:00:01\"}|5|17|MAC 52:54:00:00:00:01 is already"
            + " the MAC of the NIC at 4:18",
        "a multicast MAC|nics:\\n  - {network: a, mac: \"01:00:5e:00:00:01\"}|4|23|is a multicast"
            + " address",
        "a MAC that is none|nics:\\n  - {network: a, mac: \"52:54:00:00:01\"}|4|23|must be a MAC"
            + " address",
        "size on a path disk|disks:\\n  - {path: /dev/sdz, size: 10}|4|22|`size` does not go with"
            + " `path`",
        "image and path|disks:\\n  - {image: /a.qcow2, path: /dev/sdz}|4|23|only one of `image`,"
            + " `path`",
        "a blank disk without size|disks:\\n  - {bus: scsi}|4|6|a blank disk needs `size`",
        "a NIC without source|nics:\\n  - {model: e1000}|4|6|needs one of `network`, `bridge`,"
            + " `direct`",
        "two NIC sources|nics:\\n  - {network: a, bridge: b}|4|18|only one of `network`",
        "an unknown disk key|disks:\\n  - {size: 1, cahce: none}|4|15|unknown key `cahce`; did you"
            + " mean `cache`?",
        "an unknown NIC key|nics:\\n  - {network: a, modle: e1000}|4|18|did you mean `model`?",
        "a bad bus|disks:\\n  - {size: 1, bus: usbx}|4|20|`disks[0].bus` must be one of",
        "disks with virt_path|virt_path: /dev/sdz\\ndisks:\\n  - {size: 1}|3|1|`virt_path` cannot"
            + " be combined with `disks`",
        "disks with image|image: /a.qcow2\\ndisks:\\n  - {size: 1}|3|1|`image` cannot be combined",
        "disks with disk_size|disk_size: 4\\ndisks:\\n  - {size: 1}|3|1|`disk_size` cannot be"
            + " combined",
        "disks with clone_from|clone_from: base\\ndisks:\\n  - {size: 1}|3|1|`clone_from` cannot"
            + " be combined with `disks`: it brings its own devices",
        "nics with interfaces|interfaces: [default]\\nnics:\\n  - {network: a}|3|1|`interfaces`"
            + " cannot be combined with `nics`",
        "disks not a list|disks: {size: 1}|3|8|`disks` must be a list of maps",
      })
  void badInputIsOneErrorAtItsPlace(String what, String body, int line, int col, String text)
      throws Exception {
    Path dir = java.nio.file.Files.createTempDirectory("devices");
    DesiredState s = load(dir, HEAD + body.replace("\\n", "\n") + "\n");
    assertError(onlyProblem(s), line, col, text);
    assertTrue(s.get("db01").isEmpty(), "an invalid resource declares nothing");
  }

  @Test
  void openvzGuestsHaveNoDeviceLists(@TempDir Path dir) throws Exception {
    DesiredState s = load(dir, "virt: ct1\nvirt_type: openvz\nnics:\n  - {bridge: br0}\n");
    assertError(onlyProblem(s), 3, 1, "`nics` is not supported by the openvz driver");
  }

  @Test
  void theNetworksAndPoolsAGuestUsesAtTheirKeys(@TempDir Path dir) throws Exception {
    DesiredState s =
        load(
            dir,
            HEAD
                + "nics:\n  - {network: backend}\n  - {bridge: br0}\n  - {network: backend}\n"
                + "disks:\n  - {size: 1}\n  - {size: 2, pool: fast}\n");
    VmSpec spec = s.get("db01").orElseThrow();
    String file = dir.resolve("m.yaml").toString();
    assertEquals(
        List.of(
            new DeviceUses.Use(HostSpec.Kind.NETWORK, "backend", Field.NICS, file + ":4:6"),
            new DeviceUses.Use(HostSpec.Kind.POOL, "fast", Field.DISKS, file + ":9:15")),
        DeviceUses.of(spec));
  }
}
