package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VirtctlSubcommandsTest {
  @Test
  void everySubcommandIsListedUnderItsOwnName() {
    Virtctl.SUBCOMMANDS.forEach(
        (name, cls) -> assertEquals(name, cls.getAnnotation(CommandLine.Command.class).name()));
  }

  @Test
  void aRunNamingASubcommandBuildsOnlyThatOne() {
    assertEquals(
        Set.of("plan"),
        Virtctl.commandLine(new String[] {"plan", "-m", "x"}).getSubcommands().keySet());
    assertEquals(
        Set.of("fleet"),
        Virtctl.commandLine(new String[] {"--config", "c.yaml", "fleet", "status"})
            .getSubcommands()
            .keySet());
    assertEquals(
        Set.of("status"),
        Virtctl.commandLine(new String[] {"--config=c.yaml", "status"}).getSubcommands().keySet());
  }

  @Test
  void helpVersionAndUnknownWordsSeeEverySubcommand() {
    for (String[] args :
        List.of(
            new String[] {},
            new String[] {"--help"},
            new String[] {"help", "plan"},
            new String[] {"--version"},
            new String[] {"--help", "plan"},
            new String[] {"pln"},
            new String[] {"--config"})) {
      assertEquals(
          Virtctl.SUBCOMMANDS.keySet(),
          Virtctl.commandLine(args).getSubcommands().keySet(),
          String.join(" ", args));
    }
  }

  @Test
  void theUsageListsEverySubcommand() {
    var out = new java.io.StringWriter();
    var cl = Virtctl.commandLine(new String[] {"--help"});
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.execute("--help");
    Virtctl.SUBCOMMANDS.keySet().forEach(n -> assertTrue(out.toString().contains("  " + n), n));
  }
}
