package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.hasError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static io.virtd.core.manifest.Manifests.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files, documents, names and the rules across keys, as {@code shared/spec/manifests.md} states
 * them.
 */
class ManifestLoaderTest {
  @TempDir Path dir;

  private DesiredState loadDir() {
    return new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(dir);
  }

  // ---- valid edge cases ----

  @Test
  void emptyFileDeclaresNothing() throws Exception {
    DesiredState s = load(dir, "");
    assertEquals(List.of(), s.problems());
    assertTrue(s.resources().isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"# nothing here yet\n", "# one\n\n   # two, indented\n#three", "\n\n\n"})
  void fileWithOnlyCommentsOrBlankLinesDeclaresNothing(String text) throws Exception {
    DesiredState s = load(dir, text);
    assertEquals(List.of(), s.problems());
    assertTrue(s.resources().isEmpty());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"---\n", "---\n---\n", "---\n# retired: web02\n---\n...\n", "--- # nothing\n"})
  void emptyDocumentsDeclareNothing(String text) throws Exception {
    DesiredState s = load(dir, text);
    assertEquals(List.of(), s.problems());
    assertTrue(s.resources().isEmpty());
  }

  @Test
  void severalDocumentsInOneFileAreSeveralResources() throws Exception {
    Path f =
        write(
            dir,
            "all.yaml",
            "---\nvirt: web01\nvirt_type: kvm\n"
                + "---\n"
                + "# an empty document between two resources declares nothing\n"
                + "---\nvirt: ct101\nvirt_type: openvz\nensure: stopped\n"
                + "...\n"
                + "---\n  virt: db01\n  virt_type: qemu\n"
                + "---\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertEquals(List.of(), s.problems());
    assertEquals(List.of("web01", "ct101", "db01"), List.copyOf(s.resources().keySet()));
    assertEquals(new Pos(2, 1), s.get("web01").orElseThrow().pos());
    assertEquals(new Pos(7, 1), s.get("ct101").orElseThrow().pos());
    assertEquals(new Pos(12, 3), s.get("db01").orElseThrow().pos());
    assertEquals(Ensure.STOPPED, s.get("ct101").orElseThrow().ensure());
    assertEquals(f + ":12:3", s.get("db01").orElseThrow().origin());
  }

  @Test
  void directoriesAreReadRecursively() throws Exception {
    write(dir, "web01.yaml", "virt: web01\nvirt_type: kvm\n");
    write(dir, "libvirt/db01.yml", "virt: db01\nvirt_type: qemu\n");
    write(dir, "openvz/site-a/ct101.yaml", "virt: ct101\nvirt_type: openvz\n");
    DesiredState s = loadDir();
    assertEquals(List.of(), s.problems());
    assertEquals(Set.of("web01", "db01", "ct101"), s.resources().keySet());
    assertEquals(dir.resolve("openvz/site-a/ct101.yaml"), s.get("ct101").orElseThrow().file());
  }

  @Test
  void editorBackupsDotfilesPackageLeftoversAndOtherFilesAreNotRead() throws Exception {
    write(dir, "web01.yaml", "virt: web01\nvirt_type: kvm\n");
    String broken = "virt: [this would be an error\n";
    for (String name :
        List.of(
            "web01.yaml~",
            "#web01.yaml#~",
            ".web01.yaml.swp",
            "web01.yaml.swp",
            ".web01.yaml",
            ".hidden/web02.yaml",
            "web01.yaml.dpkg-old",
            "web01.yaml.dpkg-dist",
            "web01.dpkg-new.yaml",
            "README.txt",
            "web01.json",
            "web01.yaml.orig",
            "Makefile")) {
      write(dir, name, broken);
    }
    DesiredState s = loadDir();
    assertEquals(List.of(), s.problems());
    assertEquals(Set.of("web01"), s.resources().keySet());
    List<Problem> none = new ArrayList<>();
    assertEquals(
        List.of(dir.resolve("web01.yaml")), ManifestLoader.manifestFiles(List.of(dir), none));
    assertEquals(List.of(), none);
  }

  @Test
  void relativePathsAreRelativeToTheManifestsDirectory() throws Exception {
    Path f =
        write(
            dir,
            "site/guests.yaml",
            "virt: web01\nvirt_type: kvm\nvirt_path: disks/web01.qcow2\nboot_location: ../install/debian12\n"
                + "---\nvirt: web02\nvirt_type: kvm\nimage: ./base/../base/debian12.qcow2\n"
                + "---\nvirt: web03\nvirt_type: kvm\nxml_file: web03.xml\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertEquals(List.of(), s.problems());
    Path site = dir.toAbsolutePath().resolve("site");
    assertEquals(
        site.resolve("disks/web01.qcow2").toString(),
        s.get("web01").orElseThrow().values().get(Field.VIRT_PATH));
    assertEquals(
        dir.toAbsolutePath().resolve("install/debian12").toString(),
        s.get("web01").orElseThrow().values().get(Field.BOOT_LOCATION));
    assertEquals(
        site.resolve("base/debian12.qcow2").toString(),
        s.get("web02").orElseThrow().values().get(Field.IMAGE));
    assertEquals(
        site.resolve("web03.xml").toString(),
        s.get("web03").orElseThrow().values().get(Field.XML_FILE).toString());
  }

  @Test
  void relativeVirtPathDirectoryIsFoundNextToTheManifestAndNeedsDiskSize() throws Exception {
    Files.createDirectories(dir.resolve("site/images"));
    Path f = write(dir, "site/m.yaml", "virt: web01\nvirt_type: kvm\nvirt_path: images\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertError(onlyProblem(s), 3, 1, "`virt_path` is a directory: `disk_size` is required");
    Files.writeString(f, "virt: web01\nvirt_type: kvm\nvirt_path: images\ndisk_size: 20\n");
    assertEquals(
        List.of(), new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f).problems());
  }

  @Test
  void aMissingPathIsAnError() {
    Path missing = dir.resolve("nope.yaml");
    DesiredState s = new ManifestLoader().load(missing);
    Problem p = onlyProblem(s);
    assertEquals(missing, p.file());
    assertError(p, 1, 1, "no such file or directory");
  }

  // ---- errors do not hide one another ----

  @Test
  void aSyntaxErrorInOneFileDoesNotHideErrorsInOthers() throws Exception {
    Path broken = write(dir, "a-broken.yaml", "virt: web01\nvirt_type: kvm\ndesc: [unclosed\n");
    Path bad = write(dir, "b-bad.yaml", "virt: web02\nvirt_type: kvm\ncpus: 0\n");
    write(dir, "c-good.yaml", "virt: web03\nvirt_type: kvm\n");
    DesiredState s = loadDir();
    assertEquals(2, s.errors().size(), s.errors()::toString);
    assertEquals(broken, s.errors().get(0).file());
    assertTrue(s.errors().get(0).message().startsWith("YAML syntax error"), s.errors()::toString);
    assertEquals(new Pos(3, 7), s.errors().get(0).pos(), "at the `[` that is never closed");
    assertEquals(bad, s.errors().get(1).file());
    assertError(s.errors().get(1), 3, 7, "`cpus` must be between 1 and 4096, not 0");
    assertEquals(Set.of("web03"), s.resources().keySet());
  }

  @Test
  void aSyntaxErrorLaterInAFileDoesNotHideErrorsEarlierInIt() throws Exception {
    DesiredState s =
        load(
            dir,
            "virt: web01\nvirt_type: kvm\nmemory: lots\n---\nvirt: web02\nvirt_type: kvm\n  cpus: 2\n");
    assertEquals(2, s.errors().size(), s.errors()::toString);
    assertError(s.errors().get(0), 7, 7, "YAML syntax error: mapping values are not allowed here");
    assertError(s.errors().get(1), 3, 9, "`memory`");
  }

  @Test
  void everyBadKeyOfAResourceIsReported() throws Exception {
    DesiredState s = load(dir, "virt: web01\nvirt_type: kvm\ncpus: 0\nmemroy: 1g\narch: sparc\n");
    assertEquals(3, s.errors().size(), s.errors()::toString);
    assertTrue(hasError(s.errors(), 3, 7, "`cpus`"));
    assertTrue(hasError(s.errors(), 4, 1, "did you mean `memory`?"));
    assertTrue(hasError(s.errors(), 5, 7, "`arch`"));
  }

  @Test
  void missingVirtTypeIsReportedAlongsideOtherErrors() throws Exception {
    DesiredState s = load(dir, "virt: web01\nmemory: 0\n");
    assertEquals(2, s.errors().size(), s.errors()::toString);
    assertTrue(hasError(s.errors(), 1, 1, "resource `web01` has no `virt_type`"));
    assertTrue(hasError(s.errors(), 2, 9, "`memory` must be positive"));
  }

  @Test
  void anInvalidVirtTypeIsNotAlsoReportedAsMissing() throws Exception {
    assertError(
        onlyProblem(load(dir, "virt: web01\nvirt_type: vbox\n")),
        2,
        12,
        "`virt_type` must be one of");
  }

  // ---- the document's shape ----

  static Stream<Arguments> badShapes() {
    return Stream.of(
        Arguments.of(
            "- web01\n- web02\n",
            1,
            1,
            "a resource must be a map starting with `virt: NAME`, not a list"),
        Arguments.of(
            "web01\n", 1, 1, "a resource must be a map starting with `virt: NAME`, not a string"),
        Arguments.of(
            "memory: 1g\nvirt: web01\n",
            1,
            1,
            "a resource must start with `virt: NAME`, not `memory`"),
        Arguments.of("Virt: web01\nvirt_type: kvm\n", 1, 1, "not `Virt`; did you mean `virt`?"),
        Arguments.of(
            "virt:\nvirt_type: kvm\n",
            1,
            6,
            "`virt` must be followed by the resource name, not an empty value"),
        Arguments.of(
            "virt: [web01]\nvirt_type: kvm\n",
            1,
            7,
            "`virt` must be followed by the resource name, not a list"),
        Arguments.of(
            "virt: true\nvirt_type: kvm\n",
            1,
            7,
            "`virt` must be followed by the resource name, not a boolean"));
  }

  @ParameterizedTest
  @MethodSource("badShapes")
  void badDocumentShapes(String text, int line, int col, String message) throws Exception {
    assertError(onlyProblem(load(dir, text)), line, col, message);
  }

  // ---- names ----

  @ParameterizedTest
  @ValueSource(
      strings = {
        "web01",
        "a",
        "_x",
        "db-01.prod_eu",
        "1.10",
        "0101",
        "a234567890123456789012345678901234567890123456789012345678901234" /* 64 characters */
      })
  void validNames(String name) throws Exception {
    DesiredState s = load(dir, "virt: " + name + "\nvirt_type: kvm\n");
    assertEquals(List.of(), s.problems());
    assertEquals(
        Set.of(name), s.resources().keySet(), "the name as written (1.10 is not the number 1.1)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "web01</name>",
        "../x",
        ".hidden",
        "-rf",
        "\"web 01\"",
        "w\u00e9b01",
        "\"a/b\"",
        "\"\"",
        "web01;reboot"
      })
  void invalidNamesAreErrorsAtTheName(String name) throws Exception {
    DesiredState s = load(dir, "virt: " + name + "\nvirt_type: kvm\n");
    Problem p = onlyProblem(s);
    assertError(
        p,
        1,
        7,
        "is not a valid resource name: use 1-64 of A-Z a-z 0-9 _ . -, not starting with - or .");
  }

  @Test
  void aNameLongerThan64IsAnError() throws Exception {
    String name = "x".repeat(65);
    assertError(
        onlyProblem(load(dir, "virt: " + name + "\nvirt_type: kvm\n")),
        1,
        7,
        "is not a valid resource name");
  }

  @Test
  void controlCharactersInANameAreNotPrinted() throws Exception {
    Problem p = onlyProblem(load(dir, "virt: \"web\\e[31m01\"\nvirt_type: kvm\n"));
    assertError(p, 1, 7, "`web?[31m01` is not a valid resource name");
    assertFalse(p.toString().contains("\u001b"));
  }

  @Test
  void aNameDeclaredTwiceInOneFileIsAnErrorAtBoth() throws Exception {
    Path f =
        write(
            dir,
            "m.yaml",
            "virt: web01\nvirt_type: kvm\n---\nvirt: web02\nvirt_type: kvm\n---\nvirt: web01\nvirt_type: qemu\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertEquals(2, s.errors().size(), s.errors()::toString);
    assertError(
        s.errors().get(0), 1, 1, "resource `web01` is declared 2 times (also at " + f + ":7:1)");
    assertError(
        s.errors().get(1), 7, 1, "resource `web01` is declared 2 times (also at " + f + ":1:1)");
    assertEquals(Set.of("web02"), s.resources().keySet());
  }

  @Test
  void aNameDeclaredTwiceIsAnErrorAtBothEvenWhenOneIsOtherwiseInvalid() throws Exception {
    Path f =
        write(
            dir,
            "m.yaml",
            "virt: web01\nvirt_type: kvm\nmemory: 0\n---\nvirt: web01\nvirt_type: kvm\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertEquals(3, s.errors().size(), s.errors()::toString);
    assertTrue(hasError(s.errors(), 3, 9, "`memory` must be positive"));
    assertTrue(
        hasError(s.errors(), 1, 1, "resource `web01` is declared 2 times (also at " + f + ":5:1)"));
    assertTrue(
        hasError(s.errors(), 5, 1, "resource `web01` is declared 2 times (also at " + f + ":1:1)"));
    assertTrue(s.resources().isEmpty(), "the valid twin is not kept either");
  }

  @Test
  void aNameDeclaredThreeTimesAcrossFilesIsAnErrorAtEach() throws Exception {
    Path a = write(dir, "a.yaml", "virt: web01\nvirt_type: kvm\n");
    Path b = write(dir, "sub/b.yaml", "# comment\nvirt: web01\nvirt_type: kvm\n");
    Path c = write(dir, "sub/deeper/c.yaml", "virt: web01\nvirt_type: openvz\n");
    DesiredState s = loadDir();
    assertEquals(3, s.errors().size(), s.errors()::toString);
    assertError(s.errors().get(0), 1, 1, "declared 3 times (also at " + b + ":2:1, " + c + ":1:1)");
    assertEquals(a, s.errors().get(0).file());
    assertEquals(b, s.errors().get(1).file());
    assertEquals(c, s.errors().get(2).file());
    assertTrue(s.resources().isEmpty());
  }

  // ---- rules across keys ----

  static Stream<Arguments> storagePairs() {
    return Stream.of(
        Arguments.of("image: base.qcow2", "virt_path: disk.qcow2", "image"),
        Arguments.of("virt_path: disk.qcow2", "image: base.qcow2", "virt_path"),
        Arguments.of("clone_from: template01", "xml_file: web01.xml", "clone_from"),
        Arguments.of("xml_file: web01.xml", "clone_from: template01", "xml_file"));
  }

  @ParameterizedTest(name = "{0} then {1}")
  @MethodSource("storagePairs")
  void onlyOneStorageKeyTheSecondIsTheError(String first, String second, String firstKey)
      throws Exception {
    Problem p =
        onlyProblem(load(dir, "virt: web01\nvirt_type: kvm\n" + first + "\n" + second + "\n"));
    assertError(
        p,
        4,
        1,
        "only one of virt_path, image, clone_from, xml_file may be given; `"
            + firstKey
            + "` is set too");
  }

  @Test
  void allFourStorageKeysAreThreeErrors() throws Exception {
    DesiredState s =
        load(
            dir,
            "virt: web01\nvirt_type: kvm\nxml_file: a.xml\nimage: b.qcow2\nclone_from: c\nvirt_path: d.img\n");
    assertEquals(3, s.errors().size(), s.errors()::toString);
    for (int line = 4; line <= 6; line++) {
      assertTrue(hasError(s.errors(), line, 1, "`xml_file` is set too"), s.errors()::toString);
    }
  }

  @Test
  void aDuplicateKeyIsAnErrorAndTheResourceIsNotKept() throws Exception {
    DesiredState s =
        load(
            dir,
            "virt: web01\nvirt_type: kvm\nmemory: 1g\ndesc: x\nmemory: 2g\n---\nvirt: web02\nvirt_type: kvm\n");
    assertError(onlyProblem(s), 5, 1, "duplicate key `memory` (first set at line 3)");
    assertEquals(Set.of("web02"), s.resources().keySet());
  }

  @Test
  void aDuplicateKeyInANestedMapIsAnError() throws Exception {
    DesiredState s =
        load(
            dir,
            "virt: web01\nvirt_type: kvm\nuser_data:\n  packages: [nginx]\n  packages: [curl]\n");
    assertError(onlyProblem(s), 5, 3, "duplicate key `packages` (first set at line 4)");
    assertTrue(s.resources().isEmpty());
  }

  @Test
  void aYamlAliasIsRefusedButAnAnchorAloneIsHarmless() throws Exception {
    assertError(
        onlyProblem(load(dir, "virt: web01\nvirt_type: &t kvm\ndesc: *t\n")),
        3,
        7,
        "YAML aliases (*name) are not allowed");
    assertEquals(List.of(), load(dir, "virt: web01\nvirt_type: &t kvm\n").problems());
  }

  @Test
  void aMergeKeyIsNotSilentlyExpanded() throws Exception {
    DesiredState s = load(dir, "base: &b {memory: 1g}\n---\nvirt: web01\nvirt_type: kvm\n<<: *b\n");
    assertTrue(s.hasErrors(), s.problems()::toString);
    assertTrue(s.resources().isEmpty());
  }

  @Test
  void nonUtf8IsAnErrorAtTheFirstBadByte() throws Exception {
    byte[] text =
        "virt: web01\nvirt_type: kvm\ndesc: caf\u00e9 cr\u00e8me\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    Path f = write(dir, "latin1.yaml", text);
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(f);
    assertError(onlyProblem(s), 3, 10, "not valid UTF-8 text");
  }

  @Test
  void utf8TextIsFine() throws Exception {
    DesiredState s =
        load(dir, "virt: web01\nvirt_type: kvm\ndesc: caf\u00e9 cr\u00e8me \u2014 \ud83d\ude80\n");
    assertEquals(List.of(), s.problems());
    assertEquals(
        "caf\u00e9 cr\u00e8me \u2014 \ud83d\ude80",
        s.get("web01").orElseThrow().values().get(Field.DESC));
  }

  @Test
  void deepNestingIsRefusedAtTheOffendingList() throws Exception {
    String deep =
        "virt: web01\nvirt_type: kvm\nuser_data: " + "[".repeat(100) + "]".repeat(100) + "\n";
    // the document's map is level 1; `user_data: ` takes 11 columns, so the 63rd `[`, which
    // would be level 64, is at column 12 + 62 = 74
    assertError(
        onlyProblem(load(dir, deep)),
        3,
        74,
        "maps and lists nested more than 63 deep are not allowed");
    // a cloud-init document is a map: the map is level 2, its 61 lists levels 3 to 63
    String fine =
        "virt: web01\nvirt_type: kvm\nuser_data: {a: " + "[".repeat(61) + "]".repeat(61) + "}\n";
    assertEquals(List.of(), load(dir, fine).problems());
  }

  @Test
  void aHugeFileIsRefused() throws Exception {
    Path f = dir.resolve("huge.yaml");
    Files.write(f, new byte[(int) YamlReader.MAX_FILE_BYTES + 1]);
    Files.setPosixFilePermissions(
        f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertError(
        onlyProblem(new ManifestLoader().load(f)),
        1,
        1,
        "the limit is " + YamlReader.MAX_FILE_BYTES);
  }
}
