package io.virtd.cli;

import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.PlanText;
import io.virtd.core.spi.Drivers;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Read live state and print what apply would do; change nothing.",
      "Exit 0: nothing to do; 1: error; 2: changes pending."
    })
public final class PlanCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin TargetOptions target;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Session s =
        Session.open(common, target.connect, target.names, ManifestLoader.Permissions.WARN, err);
    if (s == null) {
      return 1;
    }
    try (Drivers drivers = new Drivers(s.config)) {
      Plan plan =
          Planning.plan(
              s.specs,
              s.hosts,
              drivers,
              PlanPolicy.of(s.config.owner()).withFormerOwners(s.config.formerOwners()),
              target.json);
      var doc = PlanJson.of(plan);
      out.print(
          target.json
              ? PlanJson.prettyWriter().writeValueAsString(doc) + "\n"
              : PlanText.render(doc));
      out.flush();
      if (plan.hasErrors()) {
        return 1;
      }
      return plan.hasChanges() ? 2 : 0;
    }
  }
}
