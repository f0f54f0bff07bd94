package io.virtd.cli;

import io.virtd.core.config.Config;
import io.virtd.core.control.ControlCommand;
import io.virtd.core.control.ControlReply;
import io.virtd.core.control.ControlRequest;
import io.virtd.core.control.DriverState;
import io.virtd.core.control.GuestState;
import io.virtd.core.control.ManifestProblem;
import io.virtd.core.control.StoreState;
import io.virtd.core.manifest.SafeText;
import io.virtd.core.spi.GuestAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The sub-commands that talk to the running daemon over its socket. */
final class DaemonCommands {
  private DaemonCommands() {}

  abstract static class Base implements Callable<Integer> {
    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "the daemon's configuration file, for its socket (default: /etc/virtd/virtd.yaml)")
    Path config;

    @Option(
        names = "--socket",
        paramLabel = "PATH",
        description = "the daemon's socket (default: the configuration's `socket`)")
    Path socket;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    abstract ControlCommand cmd();

    List<String> names() {
      return List.of();
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Path sock = socket;
      if (sock == null) {
        Path file = Virtctl.configFile(config, spec);
        var r = io.virtd.core.config.ConfigLoader.load(file, file.equals(Config.DEFAULT_FILE));
        r.problems().forEach(err::println);
        if (!r.ok()) {
          return 1;
        }
        sock = r.config().socket();
      }
      ControlReply reply;
      try {
        reply = ControlClient.ask(sock, new ControlRequest(cmd(), names()));
      } catch (IOException e) {
        err.println("virtctl: no daemon answers on " + sock + " (" + e.getMessage() + ")");
        return 1;
      }
      if (reply instanceof ControlReply.Refused r) {
        err.println("virtctl: " + r.error());
        return 1;
      }
      return print(reply, out);
    }

    /** Prints the daemon's answer (what it did, unless overridden); returns the exit status. */
    int print(ControlReply reply, PrintWriter out) {
      out.println(((ControlReply.Done) reply).message());
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description =
          "Ask the daemon for every managed resource: desired vs observed, last result and time, restart pending, last error, retries, held.")
  static final class Status extends Base {
    @Option(names = "--json", description = "print the daemon's answer as JSON")
    boolean json;

    @Option(
        names = "--check",
        description =
            "for monitoring: exit 0 when every guest is in sync, 2 when anything is pending, failed,"
                + " held, on a driver that is down, or a manifest has a problem (1: no daemon)")
    boolean check;

    @Override
    ControlCommand cmd() {
      return ControlCommand.STATUS;
    }

    @Override
    int print(ControlReply reply, PrintWriter out) {
      var status = (ControlReply.Status) reply;
      int exit = check ? StatusCheck.exitCode(status) : 0;
      if (json) {
        out.println(status.toPrettyJson());
        return exit;
      }
      StoreState store = status.store();
      if (store != null) {
        out.printf(
            "store %s: %s since %s%s%n",
            store.name(),
            store.up() ? "up" : "DOWN",
            store.since(),
            store.error() != null ? " (" + SafeText.of(store.error()) + ")" : "");
      }
      for (DriverState d : status.drivers()) {
        out.printf(
            "driver %s %s: %s since %s%s%n",
            d.driver(),
            d.target(),
            d.up() ? "up" : "DOWN",
            d.since(),
            d.error() != null ? " (" + SafeText.of(d.error()) + ")" : "");
      }
      for (ManifestProblem p : status.manifestProblems()) {
        out.printf("%s: %s%n", p.severity(), SafeText.of(p.problem()));
      }
      out.printf(
          "%-24s %-10s %-20s %-9s %-20s %-7s %-5s %-28s %s%n",
          "NAME",
          "DESIRED",
          "OBSERVED",
          "RESULT",
          "AT",
          "RETRIES",
          "HELD",
          "ADDRESSES",
          "PENDING / ERROR");
      for (GuestState g : status.guests()) {
        String extra =
            g.restartPending().isEmpty()
                ? ""
                : "restart pending: " + String.join(", ", g.restartPending());
        if (g.failed()) {
          extra = (extra.isEmpty() ? "" : extra + "; ") + g.lastError();
        }
        out.printf(
            "%-24s %-10s %-20s %-9s %-20s %-7d %-5s %-28s %s%n",
            g.name(),
            g.desired(),
            g.state().equals("unknown") ? g.observed() : g.state() + ", " + g.observed(),
            g.lastResult(),
            g.at(),
            g.retries(),
            g.held() ? "yes" : "no",
            g.addresses() == null ? "unknown" : GuestAddress.text(g.addresses()),
            SafeText.of(extra));
      }
      return exit;
    }
  }

  abstract static class Named extends Base {
    @Parameters(paramLabel = "NAME", arity = "0..*")
    List<String> names = new ArrayList<>();

    @Override
    List<String> names() {
      return names;
    }
  }

  @Command(
      name = "reconcile",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description =
          "Ask the running daemon to reconcile these resources (all when none is named) now.")
  static final class Reconcile extends Named {
    @Override
    ControlCommand cmd() {
      return ControlCommand.RECONCILE;
    }
  }

  @Command(
      name = "hold",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description =
          "Ask the daemon to stop reconciling these guests (left exactly as they are until released).")
  static final class Hold extends Named {
    @Override
    ControlCommand cmd() {
      return ControlCommand.HOLD;
    }
  }

  @Command(
      name = "release",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Ask the daemon to resume reconciling these guests.")
  static final class Release extends Named {
    @Override
    ControlCommand cmd() {
      return ControlCommand.RELEASE;
    }
  }
}
