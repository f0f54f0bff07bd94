package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static io.virtd.core.manifest.Manifests.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xml_file} is read when the manifest is: with a manifest's limits (a regular file, at most
 * 4 MiB), as a well-formed {@code <domain>} document; a problem is an error at the key that names
 * the file, and an XML error also names the line and column in the XML file.
 */
class XmlFileTest {
  @TempDir Path dir;

  private static final String DOMAIN = "<domain type='kvm'>\n  <name>t</name>\n</domain>\n";

  private DesiredState loadWith(String xmlFile) throws Exception {
    return load(dir, "virt: web01\nvirt_type: kvm\nxml_file: " + xmlFile + "\n");
  }

  @Test
  void aDomainDocumentIsReadWithTheManifest() throws Exception {
    write(dir, "t.xml", DOMAIN);
    DesiredState s = loadWith("t.xml");
    assertEquals(List.of(), s.problems());
    XmlFile x = (XmlFile) s.get("web01").orElseThrow().values().get(Field.XML_FILE);
    assertEquals(dir.resolve("t.xml").toString(), x.path());
    assertEquals(Optional.of(DOMAIN), x.content());
    assertEquals(dir.resolve("t.xml").toString(), x.toString(), "plans show the path only");
  }

  @Test
  void aMissingFileIsLeftToThePlanOfACreate() throws Exception {
    DesiredState s = loadWith("none.xml");
    assertEquals(List.of(), s.problems());
    assertEquals(
        Optional.empty(),
        ((XmlFile) s.get("web01").orElseThrow().values().get(Field.XML_FILE)).content());
  }

  @Test
  void devZeroIsRefusedWithoutReadingIt() throws Exception {
    Problem p =
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> onlyProblem(loadWith("/dev/zero")));
    assertError(p, 3, 11, "`xml_file` /dev/zero is a device, FIFO or socket, not a regular file");
  }

  @Test
  void aLinkToDevZeroIsRefusedToo() throws Exception {
    Files.createSymbolicLink(dir.resolve("z.xml"), Path.of("/dev/zero"));
    assertError(
        onlyProblem(loadWith("z.xml")),
        3,
        11,
        "`xml_file` " + dir.resolve("z.xml") + " is a device, FIFO or socket, not a regular file");
  }

  @Test
  void aFifoIsRefusedWithoutOpeningIt() throws Exception {
    Path fifo = dir.resolve("f.xml");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertEquals(0, mk.waitFor());
    Problem p =
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> onlyProblem(loadWith("f.xml")));
    assertError(p, 3, 11, "is a device, FIFO or socket, not a regular file");
  }

  @Test
  void aLoopOfLinksIsRefusedAndABrokenLinkIsAMissingFile() throws Exception {
    Files.createSymbolicLink(dir.resolve("a.xml"), dir.resolve("b.xml"));
    Files.createSymbolicLink(dir.resolve("b.xml"), dir.resolve("a.xml"));
    assertError(
        onlyProblem(loadWith("a.xml")),
        3,
        11,
        "`xml_file` " + dir.resolve("a.xml") + " cannot be resolved (a loop of symbolic links)");
    Files.createSymbolicLink(dir.resolve("gone.xml"), dir.resolve("nothing-here.xml"));
    assertEquals(List.of(), loadWith("gone.xml").problems());
  }

  @Test
  void aFileLargerThanAManifestIsRefused() throws Exception {
    Path big = dir.resolve("big.xml");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(YamlReader.MAX_FILE_BYTES + 1); // sparse: nothing is written
    }
    assertError(
        onlyProblem(loadWith("big.xml")),
        3,
        11,
        "is "
            + (YamlReader.MAX_FILE_BYTES + 1)
            + " bytes; the limit is "
            + YamlReader.MAX_FILE_BYTES);
  }

  @Test
  void aDirectoryIsRefused() throws Exception {
    Files.createDirectories(dir.resolve("d.xml"));
    assertError(onlyProblem(loadWith("d.xml")), 3, 11, "is a directory, not a regular file");
  }

  @Test
  void notXmlIsAnErrorAtTheKeyAndAtTheXmlFilesLineAndColumnAndPrintsNothing() throws Exception {
    write(dir, "t.xml", "<domain type='kvm'>\n  <name>t</nam>\n</domain>\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    Problem p;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      p = onlyProblem(loadWith("t.xml"));
    } finally {
      System.setErr(saved);
    }
    assertError(
        p,
        3,
        11,
        "`xml_file` "
            + dir.resolve("t.xml")
            + ":2:12: The element type \"name\" must be terminated");
    assertEquals(dir.resolve("m.yaml"), p.file());
    assertEquals("", err.toString(StandardCharsets.UTF_8), "nothing on standard error");
  }

  @Test
  void plainTextIsNotXml() throws Exception {
    write(dir, "t.xml", "root:*:19000:0:99999:7:::\n");
    assertError(onlyProblem(loadWith("t.xml")), 3, 11, dir.resolve("t.xml") + ":1:1: ");
  }

  @Test
  void anotherRootElementIsNoDomain() throws Exception {
    write(dir, "t.xml", "<network>\n</network>\n");
    assertError(
        onlyProblem(loadWith("t.xml")),
        3,
        11,
        dir.resolve("t.xml") + ":1:10: the document is not a libvirt <domain> definition");
  }

  @Test
  void aDoctypeIsRefused() throws Exception {
    write(
        dir,
        "t.xml",
        "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<domain>&x;</domain>\n");
    assertError(onlyProblem(loadWith("t.xml")), 3, 11, dir.resolve("t.xml") + ":1:");
  }

  @Test
  void notUtf8IsRefused() throws Exception {
    write(dir, "t.xml", new byte[] {'<', 'd', (byte) 0xff, '>'});
    assertError(onlyProblem(loadWith("t.xml")), 3, 11, "is not UTF-8 text");
  }

  @Test
  void anEditedFileIsAnotherValue() throws Exception {
    write(dir, "t.xml", DOMAIN);
    Object before = loadWith("t.xml").get("web01").orElseThrow().values().get(Field.XML_FILE);
    write(dir, "t.xml", DOMAIN.replace("kvm", "qemu"));
    Object after = loadWith("t.xml").get("web01").orElseThrow().values().get(Field.XML_FILE);
    assertNotEquals(before, after, "the daemon sees the manifest's desired state change");
  }
}
