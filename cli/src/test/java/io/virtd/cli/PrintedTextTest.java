package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What virtctl prints of a manifest's text cannot steer the terminal that shows it. */
class PrintedTextTest {
  @TempDir Path dir;

  static Path write(Path f, String text) throws Exception {
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    return f;
  }

  static boolean raw(String s) {
    return s.contains("\u001b") || s.contains("\u202e") || s.contains("\u200b");
  }

  @Test
  void validateAndPlanShowEscapesAndBidiOverridesAsQuestionMarks() throws Exception {
    Path config = write(dir.resolve("virtd.yaml"), "owner: pt\nlock_dir: " + dir + "/locks\n");
    Path bad =
        write(
            dir.resolve("bad.yaml"),
            "virt: pt-a\nvirt_type: kvm\nensure: \"\\e[2Jrunning\"\nos_variant: \"deb\u202eian\"\n");
    Cli validate = Cli.run("validate", "--config", config.toString(), "-m", bad.toString());
    assertEquals(1, validate.exit());
    assertFalse(raw(validate.err()), validate.err());
    assertTrue(validate.err().contains("not `?[2Jrunning`"), validate.err());
    assertTrue(validate.err().contains("`deb?ian`"), validate.err());

    Path good =
        write(
            dir.resolve("good.yaml"),
            "virt: pt-b\nvirt_type: kvm\nensure: stopped\nxml_file: \"no\u202efile\u200b.xml\"\n");
    Cli plan =
        Cli.run(
            "plan",
            "--config",
            config.toString(),
            "--connect",
            "test:///default",
            "-m",
            good.toString());
    assertEquals(1, plan.exit(), plan.out() + plan.err());
    assertFalse(raw(plan.out() + plan.err()), plan.out());
    assertTrue(plan.out().contains("no?file?.xml"), plan.out()); // in the plan's error
  }
}
