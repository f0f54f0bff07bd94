package io.virtd.cli;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import io.virtd.core.manifest.VmSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What plan and apply share: the configuration and the selected, valid resources. */
final class Session {
  final Config config;
  final List<VmSpec> specs;

  /** The selected networks and pools. */
  final List<io.virtd.core.manifest.HostSpec> hosts;

  /** Every valid resource of the manifests, selected or not. */
  final DesiredState state;

  private Session(
      Config config,
      List<VmSpec> specs,
      List<io.virtd.core.manifest.HostSpec> hosts,
      DesiredState state) {
    this.config = config;
    this.specs = specs;
    this.hosts = hosts;
    this.state = state;
  }

  /**
   * Whether every name in {@code names} is a resource of the manifests; prints each one that is not
   * (a typo in {@code --replace NAME} must not pass silently).
   */
  boolean allDeclared(String option, List<String> names, PrintWriter err) {
    boolean ok = true;
    for (String n : names) {
      if (state.get(n).isEmpty()) {
        err.println("virtctl: " + option + ": no resource named `" + n + "` in the manifests");
        ok = false;
      }
    }
    return ok;
  }

  /** The session, or null after printing why there is none (exit 1). */
  static Session open(
      CommonOptions common,
      String connect,
      List<String> names,
      ManifestLoader.Permissions perms,
      PrintWriter err) {
    Config config = common.loadConfig(err);
    if (config == null) {
      return null;
    }
    Optional<Problem> unsafe = ManifestLoader.permissionProblem(common.configFile(), perms);
    if (unsafe.isPresent()) {
      err.println(unsafe.get());
      if (unsafe.get().isError()) {
        return null;
      }
    }
    if (connect != null) {
      config = config.withConnect(connect);
    }
    DesiredState state = new ManifestLoader(perms).load(common.manifestPaths(config));
    for (Problem p : state.problems()) {
      err.println(p);
    }
    if (state.hasErrors()) {
      err.println("virtctl: fix the manifests first: nothing was planned or changed.");
      return null;
    }
    List<VmSpec> specs = new ArrayList<>();
    List<io.virtd.core.manifest.HostSpec> hosts = new ArrayList<>();
    if (names == null || names.isEmpty()) {
      specs.addAll(state.resources().values());
      hosts.addAll(state.hostResources());
    } else {
      for (String n : names) {
        var host = state.hostResources().stream().filter(h -> h.address().equals(n)).findFirst();
        if (host.isPresent()) { // network/NAME, pool/NAME
          hosts.add(host.get());
          continue;
        }
        var s = state.get(n);
        if (s.isEmpty()) {
          err.println("virtctl: no resource named `" + n + "` in the manifests");
          return null;
        }
        specs.add(s.get());
      }
    }
    return new Session(config, specs, hosts, state);
  }
}
