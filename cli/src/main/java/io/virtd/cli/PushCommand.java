package io.virtd.cli;

import io.etcd.jetcd.Client;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.Problem;
import io.virtd.fleet.EtcdClients;
import io.virtd.fleet.FleetKeys;
import io.virtd.fleet.Push;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Make HOST's desired state in etcd exactly these manifest files, in one transaction, after"
            + " validating every one (any problem: exit 1, nothing written). Prints the revision.")
public final class PushCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--host", required = true, paramLabel = "HOST", description = "the fleet host")
  String host;

  @Option(names = "--dry-run", description = "print what would be added, changed and deleted")
  boolean dryRun;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config config = common.loadConfig(err);
    if (config == null) {
      return 1;
    }
    if (config.store().isEmpty()) {
      err.println(common.configFile() + ": no `store` configured: push needs store.etcd");
      return 1;
    }
    if (!host.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
      err.println("--host: must be 1-63 of A-Z a-z 0-9 _ . -, not `" + host + "`");
      return 1;
    }
    Push.Manifests read = Push.read(common.manifestPaths(config));
    for (Problem p : read.problems()) {
      (p.isError() ? err : out).println(p);
    }
    if (!read.ok()) {
      err.println("nothing pushed");
      return 1;
    }
    FleetKeys keys = new FleetKeys(config.store().get().prefix());
    try (Client client = EtcdClients.open(config.store().get())) {
      Push.Diff diff = Push.diff(Push.current(client, keys, host), read.byPath());
      diff.lines().forEach(out::println);
      if (dryRun) {
        out.printf(
            "dry run: %d to add, %d to change, %d to delete for %s%n",
            diff.added().size(), diff.changed().size(), diff.deleted().size(), host);
        return 0;
      }
      long revision = Push.commit(client, keys, host, diff);
      out.printf(
          "pushed %d file(s) to %s (%d added, %d changed, %d deleted): revision %d%n",
          read.byPath().size(),
          host,
          diff.added().size(),
          diff.changed().size(),
          diff.deleted().size(),
          revision);
      return 0;
    } catch (EtcdClients.Refused e) {
      err.println(e.getMessage());
      return 1;
    } catch (Push.TooLarge e) {
      err.println(e.getMessage() + "; nothing pushed");
      return 1;
    } catch (Exception e) {
      err.println("etcd: " + EtcdClients.describe(e) + "; nothing pushed");
      return 1;
    }
  }
}
