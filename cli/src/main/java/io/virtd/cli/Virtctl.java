package io.virtd.cli;

import io.virtd.core.config.Config;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code virtctl}: validate, plan and apply manifests; talk to the daemon. */
@Command(
    name = "virtctl",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    // the sub-commands are added in commandLine(), from SUBCOMMANDS
    description =
        "Declarative desired state for virtual machines: validate, plan and apply virt manifests.")
public final class Virtctl implements Runnable {
  /**
   * The sub-commands, by name, in the order the usage lists them. main() builds only the one a run
   * names: picocli reads every registered command's annotations (and loads the classes they name)
   * up front, which for the others is start-up time spent for nothing.
   */
  static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

  private static Map<String, Class<?>> subcommands() {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    m.put("validate", ValidateCommand.class);
    m.put("plan", PlanCommand.class);
    m.put("apply", ApplyCommand.class);
    m.put("list", ListCommand.class);
    m.put("export", ExportCommand.class);
    m.put("status", DaemonCommands.Status.class);
    m.put("reconcile", DaemonCommands.Reconcile.class);
    m.put("hold", DaemonCommands.Hold.class);
    m.put("release", DaemonCommands.Release.class);
    m.put("push", PushCommand.class);
    m.put("fleet", FleetCli.class);
    m.put("help", CommandLine.HelpCommand.class);
    return Collections.unmodifiableMap(m);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "the daemon's configuration file, for every sub-command (also accepted after it)")
  Path config;

  /**
   * The configuration file a sub-command reads: its own {@code --config}, else one given before the
   * sub-command, else {@code /etc/virtd/virtd.yaml}.
   */
  static Path configFile(Path own, CommandLine.Model.CommandSpec sub) {
    if (own != null) {
      return own;
    }
    CommandLine.Model.CommandSpec parent = sub.parent();
    if (parent != null && parent.userObject() instanceof Virtctl top && top.config != null) {
      return top.config;
    }
    return Config.DEFAULT_FILE;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a sub-command is required");
  }

  /** virtctl with every sub-command (usage, manual pages, completion). */
  public static CommandLine commandLine() {
    return commandLine(SUBCOMMANDS.values());
  }

  /**
   * virtctl for these arguments: with only the sub-command they name when nothing but {@code
   * --config} comes before it, else with every sub-command (help, version, a usage error).
   */
  static CommandLine commandLine(String[] args) {
    int i = 0;
    while (i < args.length && (args[i].equals("--config") || args[i].startsWith("--config="))) {
      i += args[i].equals("--config") ? 2 : 1;
    }
    if (i < args.length && !args[i].equals("help") && SUBCOMMANDS.containsKey(args[i])) {
      return commandLine(List.of(SUBCOMMANDS.get(args[i])));
    }
    return commandLine();
  }

  private static CommandLine commandLine(Collection<Class<?>> subcommands) {
    CommandLine cl = new CommandLine(new Virtctl());
    for (Class<?> sub : subcommands) {
      cl.addSubcommand(sub);
    }
    cl.setParameterExceptionHandler(new UsageError());
    cl.setExecutionExceptionHandler(new Failure());
    return cl;
  }

  // Classes rather than lambdas: a lambda for a picocli interface keeps picocli's CommandLine (a
  // class file older than Java 6) out of the class-data archive, and its own class is then made
  // at run time, on every start.

  /** The spec: a usage error exits 1 with the usage text. */
  private static final class UsageError implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
      CommandLine c = ex.getCommandLine();
      c.getErr().println(ex.getMessage());
      c.usage(c.getErr());
      return 1;
    }
  }

  private static final class Failure implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception ex, CommandLine c, CommandLine.ParseResult parsed) {
      c.getErr().println("virtctl: " + ex.getMessage());
      return 1;
    }
  }

  public static void main(String[] args) {
    System.exit(commandLine(args).execute(args));
  }
}
