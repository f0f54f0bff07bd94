package io.virtd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.SafeText;
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

    abstract String cmd();

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
      JsonNode reply;
      try {
        reply = ControlClient.ask(sock, cmd(), names());
      } catch (IOException e) {
        err.println("virtctl: no daemon answers on " + sock + " (" + e.getMessage() + ")");
        return 1;
      }
      if (!reply.path("ok").asBoolean()) {
        err.println("virtctl: " + reply.path("error").asText("the daemon refused"));
        return 1;
      }
      return print(reply, out);
    }

    /** Prints the daemon's answer; returns the exit status. */
    int print(JsonNode reply, PrintWriter out) {
      out.println(reply.path("message").asText("done"));
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
    String cmd() {
      return "status";
    }

    @Override
    int print(JsonNode reply, PrintWriter out) {
      int exit = check ? StatusCheck.exitCode(reply) : 0;
      if (json) {
        out.println(reply.toPrettyString());
        return exit;
      }
      JsonNode store = reply.path("store");
      if (store.isObject()) {
        out.printf(
            "store %s: %s since %s%s%n",
            store.path("name").asText(),
            store.path("up").asBoolean() ? "up" : "DOWN",
            store.path("since").asText(),
            store.path("error").isTextual()
                ? " (" + SafeText.of(store.path("error").asText()) + ")"
                : "");
      }
      for (JsonNode d : reply.path("drivers")) {
        out.printf(
            "driver %s %s: %s since %s%s%n",
            d.path("driver").asText(),
            d.path("target").asText(),
            d.path("up").asBoolean() ? "up" : "DOWN",
            d.path("since").asText(),
            d.path("error").isTextual() ? " (" + SafeText.of(d.path("error").asText()) + ")" : "");
      }
      for (JsonNode p : reply.path("manifest_problems")) {
        out.printf(
            "%s: %s%n", p.path("severity").asText(), SafeText.of(p.path("problem").asText()));
      }
      out.printf(
          "%-24s %-10s %-20s %-9s %-20s %-7s %-5s %s%n",
          "NAME", "DESIRED", "OBSERVED", "RESULT", "AT", "RETRIES", "HELD", "PENDING / ERROR");
      for (JsonNode g : reply.path("guests")) {
        String extra =
            g.path("restart_pending").size() > 0
                ? "restart pending: " + join(g.path("restart_pending"))
                : "";
        if (!g.path("last_error").isNull() && !g.path("last_error").asText("").isEmpty()) {
          extra = (extra.isEmpty() ? "" : extra + "; ") + g.path("last_error").asText();
        }
        String state = g.path("state").asText("unknown");
        out.printf(
            "%-24s %-10s %-20s %-9s %-20s %-7d %-5s %s%n",
            g.path("name").asText(),
            g.path("desired").asText(),
            state.equals("unknown")
                ? g.path("observed").asText()
                : state + ", " + g.path("observed").asText(),
            g.path("last_result").asText(),
            g.path("at").asText(),
            g.path("retries").asInt(),
            g.path("held").asBoolean() ? "yes" : "no",
            SafeText.of(extra));
      }
      return exit;
    }

    private static String join(JsonNode arr) {
      List<String> s = new ArrayList<>();
      arr.forEach(a -> s.add(a.asText()));
      return String.join(", ", s);
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
    String cmd() {
      return "reconcile";
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
    String cmd() {
      return "hold";
    }
  }

  @Command(
      name = "release",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description = "Ask the daemon to resume reconciling these guests.")
  static final class Release extends Named {
    @Override
    String cmd() {
      return "release";
    }
  }
}
