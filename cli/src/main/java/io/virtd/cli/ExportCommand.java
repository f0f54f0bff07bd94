package io.virtd.cli;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.ManifestExport;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.HostResources;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.ObservedVm;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Print a manifest (one YAML document each) of existing guests: every key virtd manages, read"
          + " from the guest, never a secret. Applying it to the same guest plans nothing but"
          + " adopt. network/NAME and pool/NAME name a libvirt network or storage pool.",
      "Exit 0; 1 when a guest, network or pool is missing or its hypervisor could not be read."
    })
public final class ExportCommand implements Callable<Integer> {
  @Option(
      names = "--connect",
      paramLabel = "URI",
      description = "libvirt URI of the guests (default: the configuration's connect)")
  String connect;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "the daemon's configuration file (default: /etc/virtd/virtd.yaml)")
  java.nio.file.Path config;

  @Parameters(
      paramLabel = "NAME",
      arity = "1..*",
      description = "the guests to export; network/NAME, pool/NAME for a network or a pool")
  List<String> names = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    java.nio.file.Path file = Virtctl.configFile(config, spec);
    var loaded = io.virtd.core.config.ConfigLoader.load(file, file.equals(Config.DEFAULT_FILE));
    loaded.problems().forEach(err::println);
    if (!loaded.ok()) {
      return 1;
    }
    Config cfg = connect == null ? loaded.config() : loaded.config().withConnect(connect);
    Drivers.Target target = new Drivers.Target(DriverKind.LIBVIRT, cfg.connect());
    int exit = 0;
    List<String> documents = new ArrayList<>();
    try (Drivers drivers = new Drivers(cfg)) {
      for (String name : names) {
        Optional<HostSpec.Kind> kind = hostKind(name);
        if (kind.isPresent()) {
          String bare = name.substring(name.indexOf('/') + 1);
          Optional<ObservedHost> found;
          try {
            Optional<HostResources> resources = drivers.get(target).hostResources();
            found =
                resources.isEmpty()
                    ? Optional.empty()
                    : Optional.ofNullable(resources.get().observe(kind.get()).get(bare));
          } catch (DriverException e) {
            err.println("virtctl: " + target.label() + ": " + e.getMessage());
            return 1;
          }
          if (found.isEmpty()) {
            err.println("virtctl: no " + kind.get().key() + " `" + bare + "` on " + target.uri());
            exit = 1;
            continue;
          }
          documents.add(
              ManifestExport.yaml(
                  found.get(), connect == null ? Optional.empty() : Optional.of(connect)));
          continue;
        }
        Optional<ObservedVm> vm;
        try {
          vm = drivers.get(target).observe(name);
        } catch (DriverException e) {
          err.println("virtctl: " + target.label() + ": " + e.getMessage());
          return 1;
        }
        if (vm.isEmpty()) {
          err.println("virtctl: no guest `" + name + "` on " + target.uri());
          exit = 1;
          continue;
        }
        documents.add(
            ManifestExport.yaml(
                vm.get(),
                DriverKind.LIBVIRT,
                connect == null ? Optional.empty() : Optional.of(connect),
                Optional.of(cfg.storageDir())));
      }
    }
    out.print(String.join("---\n", documents));
    out.flush();
    return exit;
  }

  /** {@code network/NAME} and {@code pool/NAME} name a network or a pool; anything else a guest. */
  private static Optional<HostSpec.Kind> hostKind(String name) {
    for (HostSpec.Kind k : HostSpec.Kind.values()) {
      if (name.startsWith(k.key() + "/")) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
