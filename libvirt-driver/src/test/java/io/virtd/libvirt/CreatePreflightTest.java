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
 * problem at the key's FILE:LINE:COL in plain words; a remote hypervisor's paths are not looked at.
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
}
