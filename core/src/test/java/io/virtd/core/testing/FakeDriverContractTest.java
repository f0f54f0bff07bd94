package io.virtd.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.LifecycleAction;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.VmDriver;
import java.util.Map;

/**
 * The driver contract on the in-memory driver the planner, executor and daemon tests stand on: what
 * those tests prove holds only as far as it behaves like the real drivers.
 */
class FakeDriverContractTest extends DriverContract {
  private FakeDriver fake;

  @Override
  protected VmDriver openDriver() {
    fake = new FakeDriver();
    return fake;
  }

  @Override
  protected void removeLeftovers(String prefix) {
    // nothing outlives the test's driver
  }

  @Override
  protected VirtType virtType() {
    return VirtType.KVM;
  }

  @Override
  protected Object[] declaredAtCreation() {
    return new Object[] {
      Field.ON_CRASH,
      LifecycleAction.RESTART,
      Field.ON_REBOOT,
      LifecycleAction.DESTROY,
      Field.GRAPHICS,
      "enable",
      Field.CLOCKSYNC,
      "localtime"
    };
  }

  @Override
  protected Map<Field, Object> creationDefaults() {
    return Map.of(Field.VIRT_TYPE, VirtType.KVM);
  }

  @Override
  protected Map<Field, Object> liveDefaults() {
    return Map.of();
  }

  @Override
  protected RestartOnly restartOnlyChange() {
    return new RestartOnly(Field.ON_CRASH, LifecycleAction.DESTROY, LifecycleAction.RESTART);
  }

  /** A new maximum is written into the definition; QEMU fixes it when the guest starts. */
  @Override
  protected Map<Field, Mutability> createTimeButChangeable() {
    return Map.of(Field.MAX_MEMORY, Mutability.RESTART, Field.MAX_CPUS, Mutability.RESTART);
  }

  @Override
  protected boolean ignoresAcpi() {
    return false;
  }

  @Override
  protected boolean followsBalloon() {
    return true;
  }

  @Override
  protected boolean followsVcpuUnplug() {
    return true;
  }

  @Override
  protected VmSpec unpreparedSpec(VmSpec base) {
    return with(base, Field.IMAGE, "/nonexistent/virtd-contract/" + base.name() + ".qcow2");
  }

  /** The spec's values, plus a graphics setting the manifest does not manage. */
  @Override
  protected void defineUnmarked(VmSpec spec) {
    FakeDriver.Guest g = fake.add(spec.name(), RunState.SHUTOFF);
    g.persistent.putAll(spec.managed());
    g.persistent.put(Field.VIRT_TYPE, spec.virtType());
    g.persistent.put(Field.GRAPHICS, "enable");
    g.maxMemoryKiB = spec.memoryKiB();
    g.maxVcpus = spec.cpus();
  }

  @Override
  protected void assertAdoptionKeptTheRest(VmSpec spec, ObservedVm before, ObservedVm after) {
    assertEquals(before.persistent(), after.persistent());
    assertEquals("enable", after.persistent().get(Field.GRAPHICS));
  }
}
