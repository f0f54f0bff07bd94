package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.apply.ApplyEvent;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.config.Config;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.ResourcePlan;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.VmDriver;
import io.virtd.core.testing.DriverContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;

/** Helpers the storage tests share: a configuration, apply as virtctl does, and pool clean-up. */
final class StorageFlows {
  private StorageFlows() {}

  static Config withStorageDir(Path dir) {
    Config d = Config.defaults();
    return new Config(
        d.manifests(),
        d.connect(),
        d.connectXen(),
        d.owner(),
        d.schedule(),
        d.maintenanceWindow(),
        d.workers(),
        d.socket(),
        d.prune(),
        d.pruneGrace(),
        d.logLevel(),
        d.vzctl(),
        d.vzlist(),
        d.vzConfDir(),
        dir,
        d.lockDir(),
        d.formerOwners(),
        d.http(),
        d.host(),
        d.store());
  }

  /** Plans {@code spec} against the guest as it is and carries the plan out; fails on an error. */
  static ResourcePlan apply(VmDriver driver, VmSpec spec, Path lockDir) throws DriverException {
    ResourcePlan plan = DriverContract.plan(driver, spec, driver.observe(spec.name()));
    List<ApplyEvent> events = new ArrayList<>();
    Executor.Outcome out =
        new Executor(DriverContract.OWNER, new GuestLocks(lockDir), Duration.ofSeconds(5))
            .run(plan, driver, events::add);
    assertTrue(out.ok(), "apply failed: " + events);
    return plan;
  }

  /** After apply, a second plan must be empty: nothing flaps. */
  static void assertConverged(VmDriver driver, VmSpec spec) throws DriverException {
    ResourcePlan again = DriverContract.plan(driver, spec, driver.observe(spec.name()));
    assertEquals(List.of(), again.steps(), again.toString());
    assertEquals(List.of(), again.recreateRequired(), again.toString());
  }

  /** Whether libvirt at {@code uri} knows a volume at {@code path}. */
  static boolean volumeExists(String uri, String path) throws LibvirtException {
    Connect c = new Connect(uri);
    try {
      c.storageVolLookupByPath(path).free();
      return true;
    } catch (LibvirtException e) {
      return false;
    } finally {
      c.close();
    }
  }

  /** Stops and undefines every pool whose directory is {@code root} or below it. */
  static void removePoolsUnder(String uri, Path root) throws LibvirtException {
    Connect c = new Connect(uri);
    try {
      List<String> names = new ArrayList<>(List.of(c.listStoragePools()));
      names.addAll(List.of(c.listDefinedStoragePools()));
      for (String n : names) {
        StoragePool p = c.storagePoolLookupByName(n);
        try {
          String target = StorageXml.targetPath(p.getXMLDesc(0));
          if (!target.isEmpty() && Path.of(target).startsWith(root)) {
            if (p.isActive() == 1) {
              p.destroy();
            }
            p.undefine();
          }
        } finally {
          p.free();
        }
      }
    } finally {
      c.close();
    }
  }
}
