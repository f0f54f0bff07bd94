package io.virtd.cli;

import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.HostResources;
import io.virtd.core.spi.ObservedHost;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "One line per guest of the manifests, read from the hypervisors (no daemon needed): desired"
          + " and observed state, in sync or the number of pending changes, restart pending, and"
          + " each NIC's addresses with their source (lease, agent, arp).",
      "Exit 0; 1 when a hypervisor could not be read."
    })
public final class ListCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(
      names = "--connect",
      paramLabel = "URI",
      description = "libvirt URI replacing the configuration's connect and connect_xen")
  String connect;

  @Option(
      names = "--all",
      description =
          "also every guest those hypervisors have that no manifest names (shown `unmanaged`)")
  boolean all;

  @Option(names = "--json", description = "print one JSON document (format_version 1)")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Session s = Session.open(common, connect, List.of(), ManifestLoader.Permissions.WARN, err);
    if (s == null) {
      return 1;
    }
    List<Drivers.Target> alsoRead = new ArrayList<>();
    if (all && (connect != null || s.specs.isEmpty())) {
      alsoRead.add(new Drivers.Target(DriverKind.LIBVIRT, s.config.connect()));
    }
    try (Drivers drivers = new Drivers(s.config)) {
      PlanPolicy policy = PlanPolicy.of(s.config.owner()).withFormerOwners(s.config.formerOwners());
      List<Planning.Survey> surveys = Planning.survey(s.specs, alsoRead, drivers, policy);
      List<String> unreadable = new ArrayList<>();
      for (Planning.Survey survey : surveys) {
        survey
            .failure()
            .ifPresent(
                e -> {
                  unreadable.add(survey.target().label());
                  err.println("virtctl: " + survey.target().label() + ": " + e.getMessage());
                });
      }
      List<GuestList.Row> rows = new ArrayList<>(GuestList.rows(surveys, all));
      if (all) {
        for (Planning.Survey survey : surveys) {
          if (survey.failure().isEmpty()) {
            rows.addAll(hostRows(drivers, survey.target(), s.hosts, policy, err, unreadable));
          }
        }
      }
      out.print(
          json
              ? PlanJson.prettyWriter().writeValueAsString(GuestList.json(rows, unreadable)) + "\n"
              : GuestList.text(rows));
      out.flush();
      return unreadable.isEmpty() ? 0 : 1;
    }
  }

  /** The networks and pools of {@code target}, when its driver has them. */
  private static List<GuestList.Row> hostRows(
      Drivers drivers,
      Drivers.Target target,
      List<HostSpec> hosts,
      PlanPolicy policy,
      PrintWriter err,
      List<String> unreadable) {
    try {
      Optional<HostResources> resources = drivers.get(target).hostResources();
      if (resources.isEmpty()) {
        return List.of();
      }
      Map<HostSpec.Kind, Map<String, ObservedHost>> observed = new EnumMap<>(HostSpec.Kind.class);
      for (HostSpec.Kind kind : HostSpec.Kind.values()) {
        observed.put(kind, resources.get().observe(kind));
      }
      List<HostSpec> declared =
          hosts.stream().filter(h -> drivers.targetOf(h).equals(target)).toList();
      return GuestList.hostRows(target.label(), observed, declared, policy);
    } catch (DriverException e) {
      unreadable.add(target.label());
      err.println("virtctl: " + target.label() + ": " + e.getMessage());
      return List.of();
    }
  }
}
