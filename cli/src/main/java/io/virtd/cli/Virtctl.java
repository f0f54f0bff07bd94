package io.virtd.cli;

import io.virtd.core.config.Config;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code virtctl}: validate, plan and apply manifests; talk to the daemon. */
@Command(
    name = "virtctl",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Declarative desired state for virtual machines: validate, plan and apply virt manifests.",
    subcommands = {
      ValidateCommand.class,
      PlanCommand.class,
      ApplyCommand.class,
      ListCommand.class,
      ExportCommand.class,
      DaemonCommands.Status.class,
      DaemonCommands.Reconcile.class,
      DaemonCommands.Hold.class,
      DaemonCommands.Release.class,
      PushCommand.class,
      FleetCli.class,
      CommandLine.HelpCommand.class
    })
public final class Virtctl implements Runnable {
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

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Virtctl());
    // the spec: a usage error exits 1 with the usage text
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println(ex.getMessage());
          c.usage(c.getErr());
          return 1;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          c.getErr().println("virtctl: " + ex.getMessage());
          return 1;
        });
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
