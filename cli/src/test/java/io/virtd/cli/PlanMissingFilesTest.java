package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file a new guest's manifest names that is missing on this host is a plan error at the key's
 * FILE:LINE:COL (plan exits 1), not a promised create that fails at apply with a Java class name.
 */
class PlanMissingFilesTest {
  @TempDir Path dir;

  static void write(Path f, String text) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void aMissingXmlFileIsAPlanErrorAtItsKeyAndApplyCreatesNothing() throws Exception {
    Path config = dir.resolve("virtd.yaml");
    write(config, "owner: pf\nlock_dir: " + dir.resolve("locks") + "\nconnect: test:///default\n");
    Path m = dir.resolve("p3.yaml");
    write(m, "virt: pf-p3\nvirt_type: kvm\nensure: stopped\nxml_file: nofile.xml\n");
    String expected =
        m + ":4:1: cannot read `xml_file` " + dir.resolve("nofile.xml") + ": no such file";

    Cli plan = Cli.run("plan", "--config", config.toString(), "-m", m.toString());
    assertEquals(1, plan.exit(), plan.out() + plan.err());
    assertTrue(plan.out().contains("  ! error: " + expected), plan.out());
    assertFalse(plan.out().contains("+ create"), plan.out());

    Cli apply = Cli.run("apply", "--config", config.toString(), "-m", m.toString());
    assertEquals(1, apply.exit(), apply.out() + apply.err());
    assertTrue(apply.err().contains("virtctl: error: virt/pf-p3: " + expected), apply.err());
    assertFalse(apply.out().contains("create ..."), apply.out());
    assertFalse((apply.out() + apply.err()).contains("java."), apply.out() + apply.err());
  }

  @Test
  void anXmlFileThatIsNoXmlIsAnErrorWithItsLineAndColumnAndNothingOnStandardError()
      throws Exception {
    Path config = dir.resolve("virtd.yaml");
    write(config, "owner: pf\nlock_dir: " + dir.resolve("locks") + "\nconnect: test:///default\n");
    write(dir.resolve("t.xml"), "root:*:19000:0:99999:7:::\n");
    Path m = dir.resolve("p4.yaml");
    write(m, "virt: pf-p4\nvirt_type: kvm\nensure: stopped\nxml_file: t.xml\n");
    String expected = m + ":4:11: `xml_file` " + dir.resolve("t.xml") + ":1:1: ";
    var stderr = new java.io.ByteArrayOutputStream();
    var saved = System.err;
    try {
      System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
      for (String command : new String[] {"validate", "plan", "apply"}) {
        Cli c = Cli.run(command, "--config", config.toString(), "-m", m.toString());
        assertEquals(1, c.exit(), command + ": " + c.out() + c.err());
        assertTrue((c.out() + c.err()).contains(expected), command + ": " + c.out() + c.err());
        assertFalse(c.out().contains("create"), command + ": " + c.out());
      }
    } finally {
      System.setErr(saved);
    }
    assertFalse(stderr.toString(java.nio.charset.StandardCharsets.UTF_8).contains("[Fatal Error]"));
  }
}
