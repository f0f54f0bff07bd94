package io.virtd.openvz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code CTID.conf} read as {@code vps_parse_config()} reads it; virtd's lines written beside
 * vzctl's.
 */
class VzConfigFileTest {
  @TempDir Path dir;

  @Test
  void linesAreParsedAsVzctlParsesThem() {
    assertArrayEquals(new String[] {"HOSTNAME", "h"}, VzConfigFile.parseLine("HOSTNAME=\"h\""));
    assertArrayEquals(
        new String[] {"DESCRIPTION", "with \"quotes\" inside"},
        VzConfigFile.parseLine("DESCRIPTION=\"with \"quotes\" inside\""));
    assertArrayEquals(new String[] {"ONBOOT", "yes"}, VzConfigFile.parseLine("  ONBOOT=yes  "));
    assertArrayEquals(new String[] {"X", "a\"b"}, VzConfigFile.parseLine("X=\"a\\\"b\""));
    assertNull(VzConfigFile.parseLine("# comment"));
    assertNull(VzConfigFile.parseLine("#virtd: owner=x"));
    assertNull(VzConfigFile.parseLine("no equals sign"));
    assertNull(VzConfigFile.parseLine("BROKEN=\"unterminated"));
    VzConfigFile c = VzConfigFile.parse(101, "#virtd: owner=a\nNAME=\"x\"\nNAME=\"y\"\n\n");
    assertEquals(Optional.of("x"), c.name(), "a duplicate key is ignored, as vzctl does");
    assertEquals(List.of("#virtd: owner=a"), c.virtdLines());
  }

  @Test
  void virtdLinesReplaceTheOldOnesAndNothingElseMoves() throws Exception {
    Path f = dir.resolve("101.conf");
    String original =
        "# sample header\n#UUID: 1234\n#virtd: owner=old\nPHYSPAGES=\"0:256M\"\n#virtd-user: x\nNAME=\"ct\"\nODD LINE\n";
    Files.writeString(f, original);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    VzConfigFile.writeVirtdLines(
        dir, 101, List.of("#virtd: owner=new", "#virtd-written: features=nfs:on"));
    assertEquals(
        "#virtd: owner=new\n#virtd-written: features=nfs:on\n# sample header\n#UUID: 1234\nPHYSPAGES=\"0:256M\"\nNAME=\"ct\"\nODD LINE\n",
        Files.readString(f));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "no temporary file left");
    }
    assertEquals(
        List.of(101L), VzConfigFile.readAll(dir).stream().map(VzConfigFile::ctid).toList());
  }

  @Test
  void onlyCtidConfigsAreContainers() throws Exception {
    Files.writeString(dir.resolve("101.conf"), "NAME=\"a\"\n");
    Files.writeString(dir.resolve("102.conf.destroyed"), "NAME=\"b\"\n");
    Files.writeString(dir.resolve("ve-basic.conf-sample"), "");
    Files.writeString(dir.resolve("0.conf"), "");
    assertEquals(
        List.of(0L, 101L), VzConfigFile.readAll(dir).stream().map(VzConfigFile::ctid).toList());
    assertEquals(List.of(), VzConfigFile.readAll(dir.resolve("missing")));
  }
}
