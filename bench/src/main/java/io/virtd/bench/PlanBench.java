package io.virtd.bench;

import io.virtd.core.apply.Apply;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.apply.Planning;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.Plan;
import io.virtd.core.plan.PlanPolicy;
import io.virtd.core.spi.Drivers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;

/**
 * The plan benchmark: a no-op plan of N guests on libvirt's {@code test:///default} against the
 * floor — one loop on one connection doing, per guest, lookup + getInfo + getXMLDesc(0) +
 * getXMLDesc(2) + getAutostart, the reads the driver needs. Prints both and the ratio.
 *
 * <p>Run: {@code bench/run} (or {@code java -cp ... io.virtd.bench.PlanBench [N] [ROUNDS]
 * [devices]}); {@code devices} gives every guest three disks and two NICs.
 */
public final class PlanBench {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    Path dir = Files.createTempDirectory("virtd-bench");
    Path manifests = Files.createDirectories(dir.resolve("manifests"));
    StringBuilder all = new StringBuilder();
    boolean devices = args.length > 2 && args[2].equals("devices");
    for (int i = 0; i < n; i++) {
      all.append(
          "---\nvirt: bench%04d\nvirt_type: kvm\nmemory: 64\ncpus: 1\non_crash: restart\ndesc: guest %d\n"
              .formatted(i, i));
      if (devices) { // three disks and two NICs each
        all.append(
            ("disks:\n  - size: 1\n  - size: 2\n    cache: none\n  - size: 1\n    bus: scsi\n"
                    + "nics:\n  - network: default\n    mac: \"52:54:00:00:%02x:%02x\"\n"
                    + "  - bridge: br0\n")
                .formatted(i / 256, i % 256));
      }
    }
    Files.writeString(manifests.resolve("bench.yaml"), all);
    Config config =
        Config.defaults().withConnect("test:///default").withLockDir(dir.resolve("locks"));
    DesiredState desired = new ManifestLoader().load(manifests);
    Collection<VmSpec> specs = desired.resources().values();
    PlanPolicy policy = PlanPolicy.of(config.owner());

    try (Drivers drivers = new Drivers(config)) {
      long t0 = System.nanoTime();
      Plan initial = Planning.plan(specs, drivers, policy);
      Apply.Result created =
          Apply.run(
              initial,
              drivers,
              new Executor(config.owner(), new GuestLocks(config.lockDir()), Duration.ofSeconds(5)),
              policy,
              e -> {});
      System.out.printf(
          "setup: converged %d guests on test:///default in %.0f ms (exit %d)%n",
          n, ms(t0), created.exitCode());
      if (created.exitCode() != 0) {
        throw new IllegalStateException(
            "setup did not converge: " + created.failed() + created.inconsistent());
      }

      Connect floorConn = new Connect("test:///default");
      List<String> names = specs.stream().map(VmSpec::name).toList();
      double[] plan = new double[rounds];
      double[] floor = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long a = System.nanoTime();
        Plan p = Planning.plan(specs, drivers, policy);
        plan[r] = ms(a);
        if (p.hasChanges() || p.hasErrors()) {
          throw new IllegalStateException("the no-op plan is not empty");
        }
        long b = System.nanoTime();
        floor(floorConn, names);
        floor[r] = ms(b);
      }
      floorConn.close();
      double pm = median(plan);
      double fm = median(floor);
      System.out.printf(
          "no-op plan of %d guests:  median %.1f ms  (min %.1f) over %d rounds%n",
          n, pm, min(plan), rounds);
      System.out.printf(
          "floor (raw libvirt-java reads): median %.1f ms  (min %.1f)%n", fm, min(floor));
      System.out.printf("ratio plan/floor: %.2f  (goal <= %s)%n", pm / fm, devices ? "1.3" : "1.5");
    }
  }

  static void floor(Connect c, List<String> names) throws Exception {
    long sink = 0;
    for (String name : names) {
      Domain d = c.domainLookupByName(name);
      sink += d.getInfo().memory;
      sink += d.getXMLDesc(0).length();
      sink += d.getXMLDesc(2).length();
      sink += d.getAutostart() ? 1 : 0;
      d.free();
    }
    if (sink == 42) {
      System.out.print("");
    }
  }

  static double ms(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }

  static double min(double[] xs) {
    return java.util.Arrays.stream(xs).min().orElse(0);
  }

  private PlanBench() {}
}
