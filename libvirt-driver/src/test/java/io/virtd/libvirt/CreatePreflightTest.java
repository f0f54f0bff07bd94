package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.VmSpec;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a new guest's manifest names are checked at plan time on a local hypervisor, each
 * problem at the key's FILE:LINE:COL in plain words; a remote hypervisor's paths are not looked at
 * on this machine but through libvirt.
 */
class CreatePreflightTest {
  @TempDir Path dir;

  VmSpec spec(String body) throws Exception {
    Path f = dir.resolve("m.yaml");
    Files.writeString(f, "virt: p3\nvirt_type: kvm\n" + body);
    DesiredState s = new ManifestLoader().load(f);
    assertEquals(List.of(), s.problems());
    return s.get("p3").orElseThrow();
  }

  String m() {
    return dir.resolve("m.yaml").toString();
  }

  @Test
  void missingFilesAreProblemsAtTheirKeys() throws Exception {
    VmSpec s = spec("xml_file: nofile.xml\nboot_location: /nonexistent/kernel\n");
    assertEquals(
        List.of(
            m() + ":3:1: cannot read `xml_file` " + dir.resolve("nofile.xml") + ": no such file",
            m()
                + ":4:1: no kernel at `boot_location` /nonexistent/kernel: no such file or directory"),
        CreatePreflight.problems(s, "qemu:///system"));
    assertEquals(2, CreatePreflight.problems(s, "test:///default").size());
  }

  @Test
  void aMissingImageOrVirtPath() throws Exception {
    assertEquals(
        List.of(
            m() + ":4:1: no image file at `image` " + dir.resolve("base.qcow2") + ": no such file"),
        CreatePreflight.problems(spec("memory: 64\nimage: base.qcow2\n"), "qemu:///system"));
    assertEquals(
        List.of(
            m()
                + ":3:1: no disk image, block device or directory at `virt_path` /no/disk.img: no such file"),
        CreatePreflight.problems(spec("virt_path: /no/disk.img\n"), "qemu:///session"));
  }

  @Test
  void aBootDirectoryWithoutAKernel() throws Exception {
    Files.createDirectories(dir.resolve("tree"));
    assertEquals(
        List.of(
            m()
                + ":3:1: no kernel at `boot_location` "
                + dir.resolve("tree")
                + ": the directory holds no `vmlinuz`"),
        CreatePreflight.problems(spec("boot_location: tree\n"), "qemu:///system"));
    Files.writeString(dir.resolve("tree/vmlinuz"), "k");
    assertEquals(
        List.of(), CreatePreflight.problems(spec("boot_location: tree\n"), "qemu:///system"));
  }

  @Test
  void existingFilesAreFine() throws Exception {
    Files.writeString(dir.resolve("d.xml"), "<domain/>");
    Files.writeString(dir.resolve("disk.img"), "");
    assertEquals(List.of(), CreatePreflight.problems(spec("xml_file: d.xml\n"), "qemu:///system"));
    assertEquals(
        List.of(), CreatePreflight.problems(spec("virt_path: disk.img\n"), "qemu:///system"));
  }

  @Test
  void aRemoteHypervisorsPathsAreNotLookedAt() throws Exception {
    VmSpec s = spec("image: nofile.qcow2\n");
    assertEquals(List.of(), CreatePreflight.problems(s, "qemu+ssh://other/system"));
    assertEquals(1, CreatePreflight.problems(s, "qemu:///system").size());
  }

  @Test
  void onARemoteHypervisorTheImageIsLookedUpThroughLibvirtAndVirtPathIsRefused() throws Exception {
    String uri = "qemu+ssh://hv01/system";
    org.libvirt.Connect c = new org.libvirt.Connect("test:///default");
    try {
      VmSpec image = spec("image: /default-pool/nofile.qcow2\nboot_location: /srv/kernel\n");
      assertEquals(
          List.of(
              m()
                  + ":4:1: `boot_location` is not supported on a remote hypervisor ("
                  + uri
                  + "): what it names can only be examined on the hypervisor itself; use `image`"
                  + " or `disk_size`, which virtd makes through libvirt",
              m()
                  + ":3:1: no image file at `image` /default-pool/nofile.qcow2 on the"
                  + " hypervisor: no such file"),
          RemotePreflight.problems(image, uri, c));
      VmSpec virtPath = spec("virt_path: /srv/disk.img\n");
      assertEquals(1, RemotePreflight.problems(virtPath, uri, c).size());
      assertEquals(
          java.util.Optional.of("`image` /etc/shadow is under /etc: never a guest's disk"),
          RemotePreflight.imageProblem(c, Path.of("/etc/shadow")));
    } finally {
      c.close();
    }
  }

  @Test
  void anXmlFileIsReadHereWhateverTheHypervisor() throws Exception {
    VmSpec s = spec("xml_file: nofile.xml\n");
    assertEquals(1, CreatePreflight.problems(s, "qemu+ssh://other/system").size());
  }

  @Test
  void ioErrorsReadAsWordsNotClassNames() {
    assertEquals("no such file", CreatePreflight.reason(new NoSuchFileException("/x")));
    assertEquals(
        "permission denied", CreatePreflight.reason(new java.nio.file.AccessDeniedException("/x")));
  }

  // --- virt_path: only the kinds the contract lists, judged after links and `..`

  private List<String> virtPath(String value) throws Exception {
    return CreatePreflight.problems(spec("virt_path: " + value + "\n"), "qemu:///system");
  }

  @Test
  void aPathClimbingIntoEtcIsRefused() throws Exception {
    String up = "../".repeat(dir.getNameCount()) + "etc/shadow";
    assertEquals(
        List.of(m() + ":3:1: `virt_path` /etc/shadow is under /etc: never a guest's disk"),
        virtPath(up));
  }

  @Test
  void aLinkIsJudgedByWhatItPointsAt() throws Exception {
    Files.createSymbolicLink(dir.resolve("disk.img"), Path.of("/etc/shadow"));
    assertEquals(
        List.of(
            m()
                + ":3:1: `virt_path` "
                + dir.resolve("disk.img")
                + " (/etc/shadow) is under /etc: never a guest's disk"),
        virtPath("disk.img"));
    Files.createSymbolicLink(dir.resolve("null.raw"), Path.of("/dev/null"));
    assertEquals(
        List.of(
            m()
                + ":3:1: `virt_path` "
                + dir.resolve("null.raw")
                + " (/dev/null) is under /dev and no block device"),
        virtPath("null.raw"));
    for (String system : List.of("/proc/self/environ", "/sys/kernel/notes")) {
      assertEquals(1, virtPath(system).size(), system);
    }
  }

  @Test
  void aFileThatIsNoDiskImageIsRefused() throws Exception {
    Files.writeString(dir.resolve("notes.txt"), "x");
    assertEquals(
        List.of(
            m()
                + ":3:1: `virt_path` "
                + dir.resolve("notes.txt")
                + " is no disk image: its name must end in .img, .qcow2, .qcow, .raw"),
        virtPath("notes.txt"));
    Files.writeString(dir.resolve("disk.QCOW2"), "x");
    assertEquals(1, virtPath("disk.QCOW2").size(), "the format follows the name: exact suffixes");
  }

  @Test
  void aFifoIsRefused() throws Exception {
    assertEquals(
        0, new ProcessBuilder("mkfifo", dir.resolve("f.img").toString()).start().waitFor());
    assertEquals(
        List.of(
            m()
                + ":3:1: `virt_path` "
                + dir.resolve("f.img")
                + " is a FIFO, socket or character device, not a disk"),
        virtPath("f.img"));
  }

  @Test
  void aFileOfAnotherUserIsRefused() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root to give a file away");
    Path f = dir.resolve("theirs.qcow2");
    Files.writeString(f, "x");
    var lookup = f.getFileSystem().getUserPrincipalLookupService();
    Files.setOwner(f, lookup.lookupPrincipalByName("nobody"));
    assertEquals(
        List.of(
            m()
                + ":3:1: `virt_path` "
                + f
                + " is owned by `nobody`: only files of root, the QEMU user or virtd's own user"
                + " become disks"),
        virtPath("theirs.qcow2"));
  }

  @Test
  void aFreeBlockDeviceAndADirectoryAreDisks() throws Exception {
    Path loop = Path.of("/dev/loop7");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(loop), "no /dev/loop7 here");
    assertEquals(List.of(), virtPath(loop.toString()));
    Files.createDirectories(dir.resolve("disks"));
    assertEquals(
        List.of(),
        CreatePreflight.problems(spec("virt_path: disks\ndisk_size: 1\n"), "qemu:///system"));
  }

  @Test
  void theBlockDeviceTheRootFileSystemIsOnIsRefused() throws Exception {
    String id = null;
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f[4].equals("/") && !f[2].startsWith("0:")) {
        id = f[2];
      }
    }
    Path uevent = Path.of("/sys/dev/block/" + id + "/uevent");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        id != null && Files.exists(uevent), "/ is on no block device here");
    String name =
        Files.readAllLines(uevent).stream()
            .filter(l -> l.startsWith("DEVNAME="))
            .findFirst()
            .orElseThrow()
            .substring("DEVNAME=".length());
    Path dev = Path.of("/dev", name);
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(dev), "no " + dev + " here");
    assertEquals(
        List.of(
            m()
                + ":3:1: `virt_path` "
                + dev
                + " is a block device in use on this host: mounted on /"),
        virtPath(dev.toString()));
  }

  @Test
  void anExistingDiskWithADiskSizeIsAPlanErrorAtDiskSize() throws Exception {
    Files.writeString(dir.resolve("disk.img"), "");
    assertEquals(
        List.of(
            m()
                + ":4:1: `disk_size` with `virt_path` "
                + dir.resolve("disk.img")
                + ", an existing disk: virtd never resizes a disk it did not create (leave"
                + " `disk_size` out, or name a directory to have a disk of that size made in it)"),
        CreatePreflight.problems(spec("virt_path: disk.img\ndisk_size: 4\n"), "qemu:///system"));
  }

  @Test
  void anImageIsHeldToTheSamePlacesAndOwners() throws Exception {
    Files.createSymbolicLink(dir.resolve("base.qcow2"), Path.of("/etc/shadow"));
    assertEquals(
        List.of(
            m()
                + ":3:1: `image` "
                + dir.resolve("base.qcow2")
                + " (/etc/shadow) is under /etc: never a guest's disk"),
        CreatePreflight.problems(spec("image: base.qcow2\n"), "qemu:///system"));
    assertEquals(
        List.of(m() + ":3:1: `image` /dev/zero is no regular file, so no disk image"),
        CreatePreflight.problems(spec("image: /dev/zero\n"), "qemu:///system"));
    Files.writeString(dir.resolve("fine.raw"), "x");
    assertEquals(List.of(), CreatePreflight.problems(spec("image: fine.raw\n"), "qemu:///system"));
  }
}
