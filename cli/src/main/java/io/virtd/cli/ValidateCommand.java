package io.virtd.cli;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Parse and check manifests; print every problem as FILE:LINE:COL: message. Exit 0 when all are valid, 1 otherwise.")
public final class ValidateCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config config = common.loadConfig(err);
    if (config == null) {
      return 1;
    }
    DesiredState state =
        new ManifestLoader(ManifestLoader.Permissions.WARN).load(common.manifestPaths(config));
    for (Problem p : state.problems()) {
      (p.isError() ? err : out).println(p);
    }
    if (state.hasErrors()) {
      err.printf(
          "%d error(s); %d resource(s) valid.%n",
          state.errors().size(), state.resources().size() + state.hostResources().size());
      return 1;
    }
    out.printf("%d resource(s) valid.%n", state.resources().size() + state.hostResources().size());
    return 0;
  }
}
