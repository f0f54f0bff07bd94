package io.virtd.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.apply.Apply;
import io.virtd.core.apply.ApplyEvent;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.apply.Planning;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.SafeText;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanJson;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.plan.PlanText;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.VmDriver;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Compute the plan and carry it out, printing each step as it happens; then read every guest back.",
      "Exit 0: converged; 1: a step failed or the result is inconsistent; 3: restart pending or re-create required."
    })
public final class ApplyCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin TargetOptions target;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--replace",
      paramLabel = "NAME",
      description =
          "allow re-creating this guest to settle create-time differences, or removing it with"
              + " `ensure: absent` though virtd does not manage it (repeatable)")
  List<String> replace = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Session s =
        Session.open(common, target.connect, target.names, ManifestLoader.Permissions.REFUSE, err);
    if (s == null || !s.allDeclared("--replace", replace, err)) {
      return 1;
    }
    PlanPolicy policy =
        new PlanPolicy(
            s.config.owner(), Set.copyOf(replace), true, Set.copyOf(s.config.formerOwners()));
    try (Drivers drivers = new Drivers(s.config)) {
      drivers.onOpen(VmDriver::finishInterrupted); // before planning sees what a killed run left
      Plan plan = Planning.plan(s.specs, s.hosts, drivers, policy);
      if (!target.json) {
        out.print(PlanText.render(PlanJson.of(plan)));
        out.flush();
      }
      for (var h : plan.hosts()) {
        h.error()
            .ifPresent(
                e -> err.println("virtctl: error: " + h.spec().address() + ": " + SafeText.of(e)));
      }
      for (var r : plan.resources()) {
        r.warnings()
            .forEach(
                w -> err.println("virtctl: warning: virt/" + r.name() + ": " + SafeText.of(w)));
        r.error()
            .ifPresent(
                e -> err.println("virtctl: error: virt/" + r.name() + ": " + SafeText.of(e)));
      }
      Executor executor =
          new Executor(
              s.config.owner(), new GuestLocks(s.config.lockDir()), Duration.ofSeconds(30));
      // the configuration's `workers`: guests converge in parallel, each guest's steps in order
      Apply.Result result;
      try (Interrupts interrupts = Interrupts.install(err)) {
        result =
            Apply.run(
                plan,
                drivers,
                executor,
                policy,
                e -> {
                  synchronized (out) {
                    print(e, out);
                  }
                },
                s.config.workers(),
                interrupts,
                name -> {
                  synchronized (err) {
                    err.println(
                        "virtctl: virt/"
                            + name
                            + ": waiting for its lock (the daemon or another virtctl is acting on"
                            + " it); it is planned again then");
                    err.flush();
                  }
                });
      }
      if (!result.halted().isEmpty()) {
        err.println(
            "virtctl: interrupted: not finished, run apply again: virt/"
                + String.join(", virt/", result.halted()));
      }
      for (String inc : result.inconsistent()) {
        err.println("virtctl: error: driver produced an inconsistent result: virt/" + inc);
      }
      var after = PlanJson.of(result.after());
      if (target.json) {
        ObjectNode sum = PlanJson.mapper().createObjectNode();
        sum.put("type", "summary");
        sum.put("exit_code", result.exitCode());
        sum.set("failed", PlanJson.mapper().valueToTree(result.failed()));
        sum.set("inconsistent", PlanJson.mapper().valueToTree(result.inconsistent()));
        sum.set("interrupted", PlanJson.mapper().valueToTree(result.halted()));
        sum.set("after", after);
        out.println(PlanJson.mapper().writeValueAsString(sum));
      } else {
        out.println(
            (result.halted().isEmpty() ? "Apply complete: " : "Apply interrupted: ")
                + result.failed().size()
                + " failed, "
                + result.inconsistent().size()
                + " inconsistent"
                + (result.halted().isEmpty() ? "" : ", " + result.halted().size() + " not finished")
                + ". After apply: "
                + PlanText.render(after).lines().reduce((a, b) -> b).orElse(""));
      }
      out.flush();
      return result.exitCode();
    }
  }

  /** A guest's events carry its name, a network's or pool's its address ({@code pool/fast}). */
  private static String address(ApplyEvent e) {
    return e.name().contains("/") ? e.name() : "virt/" + e.name();
  }

  private void print(ApplyEvent e, PrintWriter out) {
    if (target.json) {
      ObjectNode n = PlanJson.mapper().createObjectNode();
      n.put("type", "step");
      n.put("address", address(e));
      n.put("driver", e.driver());
      n.put("step", e.step());
      n.put("result", e.ok() ? "ok" : "failed");
      n.put("duration_ms", e.took().toMillis());
      e.detail().ifPresent(d -> n.put("detail", d));
      e.error().ifPresent(d -> n.put("error", d));
      try {
        out.println(PlanJson.mapper().writeValueAsString(n));
      } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
        throw new IllegalStateException(ex);
      }
    } else {
      out.printf(
          "%s: %s ... %s (%d ms)%s%n",
          address(e),
          e.step(),
          e.ok() ? "ok" : "FAILED",
          e.took().toMillis(),
          SafeText.of(
              e.error().map(x -> ": " + x).or(() -> e.detail().map(x -> ": " + x)).orElse("")));
    }
    out.flush();
  }
}
