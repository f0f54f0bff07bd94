package io.virtd.cli;

import io.etcd.jetcd.Client;
import io.virtd.core.config.Config;
import io.virtd.fleet.EtcdClients;
import io.virtd.fleet.FleetKeys;
import io.virtd.fleet.FleetView;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code virtctl fleet status}. */
@Command(
    name = "fleet",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "The fleet in etcd.",
    subcommands = {FleetCli.Status.class})
public final class FleetCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing sub-command: status");
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description =
          "Every host that has desired state or a host key: up or lost, its guests converged /"
              + " pending / failed / held, its last error.")
  public static final class Status implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "one JSON document")
    boolean json;

    @Option(names = "--guests", description = "a line per guest")
    boolean guests;

    @Option(names = "--config", paramLabel = "FILE", description = "the configuration file")
    Path config;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Path file = Virtctl.configFile(config, spec);
      var r = io.virtd.core.config.ConfigLoader.load(file, file.equals(Config.DEFAULT_FILE));
      r.problems().forEach(err::println);
      if (!r.ok()) {
        return 1;
      }
      if (r.config().store().isEmpty()) {
        err.println(file + ": no `store` configured: fleet status needs store.etcd");
        return 1;
      }
      try (Client client = EtcdClients.open(r.config().store().get())) {
        List<FleetView.HostView> views =
            FleetView.read(client, new FleetKeys(r.config().store().get().prefix()));
        if (json) {
          out.println(FleetView.json(views, guests).toPrettyString());
        } else {
          FleetView.text(views, guests).forEach(out::println);
        }
        return 0;
      } catch (EtcdClients.Refused e) {
        err.println(e.getMessage());
        return 1;
      } catch (Exception e) {
        err.println("etcd: " + EtcdClients.describe(e));
        return 1;
      }
    }
  }
}
