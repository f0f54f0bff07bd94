package io.virtd.cli;

import io.virtd.core.config.Config;
import io.virtd.core.config.ConfigLoader;
import io.virtd.core.manifest.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every manifest-reading sub-command shares. */
public final class CommonOptions {
  @Option(
      names = {"-m", "--manifests"},
      paramLabel = "PATH",
      description =
          "a manifest file or directory (repeatable; default: `manifests` from the configuration)")
  List<Path> manifests = new ArrayList<>();

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "the daemon's configuration file (default: /etc/virtd/virtd.yaml; a missing default means all defaults)")
  Path config;

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  /**
   * The configuration file: {@code --config} after the sub-command, or before it, or the default.
   */
  Path configFile() {
    return Virtctl.configFile(config, mixee);
  }

  /** The configuration, or null after printing its problems. */
  Config loadConfig(PrintWriter err) {
    Path file = configFile();
    ConfigLoader.Result r = ConfigLoader.load(file, file.equals(Config.DEFAULT_FILE));
    for (Problem p : r.problems()) {
      err.println(p);
    }
    return r.ok() ? r.config() : null;
  }

  List<Path> manifestPaths(Config config) {
    return manifests.isEmpty() ? List.of(config.manifests()) : manifests;
  }
}
