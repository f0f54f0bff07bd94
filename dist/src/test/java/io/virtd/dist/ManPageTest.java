package io.virtd.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.cli.Virtctl;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class ManPageTest {
  @Command(name = "tool", description = "Does things. More words here.")
  static final class Tool implements Runnable {
    @Option(
        names = {"-f", "--file"},
        paramLabel = "FILE",
        description = "read `FILE` (default: ${DEFAULT-VALUE})")
    String file = "/etc/a-b";

    @Option(names = "--dry-run", description = "change nothing")
    boolean dryRun;

    @Option(names = "--secret", hidden = true)
    String secret;

    @Override
    public void run() {}
  }

  @Test
  void aPageHasTheSectionsAndOptionsOfTheModel() {
    String page =
        ManPage.render(
            new CommandLine(new Tool()).getCommandSpec(),
            1,
            "2026-01-02",
            "virtd 1",
            List.of(ManPage.Section.items("Exit status", new ManPage.Item("0", "done."))));
    assertTrue(
        page.startsWith(".TH \"TOOL\" 1 \"2026\\-01\\-02\" \"virtd 1\" \"virtd manual\"\n"), page);
    assertTrue(page.contains(".SH NAME\ntool \\- Does things\n"), page);
    assertTrue(page.contains("[\\fB\\-f\\fR \\fIFILE\\fR]\n[\\fB\\-\\-dry\\-run\\fR]\n"), page);
    assertTrue(
        page.contains(
            ".TP\n\\fB\\-f\\fR, \\fB\\-\\-file\\fR=\\fIFILE\\fR\nread \\fBFILE\\fR (default: /etc/a\\-b)\n"),
        page);
    assertTrue(page.contains(".SH EXIT STATUS\n.TP\n\\fB0\\fR\ndone.\n"), page);
    assertFalse(page.contains("secret"), "hidden options stay hidden");
  }

  @Test
  void textCannotIssueRequests() {
    assertEquals("\\&.TH x", ManPage.escape(".TH x"));
    assertEquals("\\&'x", ManPage.escape("'x"));
    assertEquals("a\n\\&.SH b", ManPage.escape("a\n.SH b"));
    assertEquals("C:\\eWindows", ManPage.escape("C:\\Windows"));
  }

  @Test
  void virtctlHasAPagePerSubCommandButHelp() {
    CommandLine cl = Virtctl.commandLine();
    List<String> pages =
        cl.getSubcommands().values().stream()
            .filter(ManPage::hasOwnPage)
            .map(c -> ManPage.pageName(c.getCommandSpec()))
            .toList();
    assertEquals(
        List.of(
            "virtctl-validate",
            "virtctl-plan",
            "virtctl-apply",
            "virtctl-list",
            "virtctl-export",
            "virtctl-status",
            "virtctl-reconcile",
            "virtctl-hold",
            "virtctl-release",
            "virtctl-push",
            "virtctl-fleet"),
        pages);
  }

  @Test
  void debianVersions() {
    assertEquals("0.1.0~SNAPSHOT-1", Generate.debianVersion("0.1.0-SNAPSHOT", "1"));
    assertEquals("1.2.3-2", Generate.debianVersion("1.2.3", "2"));
  }

  @Test
  void gzipIsReadableAndMarkedMaxCompression() throws IOException {
    byte[] z = Generate.gzip("hello, troff\n");
    assertEquals(2, z[8], "XFL: maximum compression");
    assertArrayEquals(
        new byte[] {0, 0, 0, 0}, new byte[] {z[4], z[5], z[6], z[7]}, "no time stamp");
    try (var in = new GZIPInputStream(new ByteArrayInputStream(z))) {
      assertEquals("hello, troff\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
