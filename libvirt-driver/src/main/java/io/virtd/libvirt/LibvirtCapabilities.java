package io.virtd.libvirt;

import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DeviceEdit;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;

/** How each manifest key changes on an existing libvirt guest. */
final class LibvirtCapabilities {
  private LibvirtCapabilities() {}

  static final Capabilities TABLE = build();

  private static Capabilities build() {
    Capabilities.Builder b =
        Capabilities.builder()
            .rule(Field.MEMORY, LibvirtCapabilities::memory)
            .rule(
                Field.CPUS,
                (desired, guest) ->
                    ((Number) desired).intValue() <= guest.maxVcpus()
                        ? Mutability.LIVE
                        : Mutability.RESTART)
            // the description is metadata: libvirt sets the running guest's too
            .set(Mutability.LIVE, Field.AUTOBOOT, Field.DESC)
            .set(
                Mutability.RESTART,
                Field.ON_POWEROFF,
                Field.ON_REBOOT,
                Field.ON_CRASH,
                Field.GRAPHICS,
                Field.CLOCKSYNC,
                Field.INTERFACES,
                Field.NETWORK_MODEL,
                Field.VNC_PASSWORD,
                Field.USER_DATA,
                Field.META_DATA,
                Field.NETWORK_CONFIG,
                Field.GUEST_AGENT);
    return b.defaultsFor(DriverKind.LIBVIRT)
        .rule(Field.DISK_SIZE, LibvirtCapabilities::diskSize) // after the create-time default
        // a new maximum is written into the definition; QEMU fixes it when the guest starts
        .set(Mutability.RESTART, Field.MAX_MEMORY, Field.MAX_CPUS)
        // only a disk virtd made reports its size: a diskless guest's is not compared (docs)
        .absentIsUnknown(Field.DISK_SIZE)
        .rule(Field.DISKS, LibvirtCapabilities::device)
        .rule(Field.NICS, LibvirtCapabilities::device)
        .restUnsupported()
        .build();
  }

  /**
   * Live up to the running guest's maximum, by the balloon. A guest that refused the balloon (no
   * balloon driver) has its whole maximum whatever the balloon says: a restart gives it the
   * manifest's memory only when the saved maximum is that value; otherwise neither a live call nor
   * a restart can, and the planner says so instead of restarting the guest on every pass.
   */
  static Mutability memory(Object desired, ObservedVm guest) {
    long want = ((Number) desired).longValue();
    if (guest.refusedLive().contains(Field.MEMORY)
        && guest.persistent().get(Field.MAX_MEMORY) instanceof Number max
        && max.longValue() != want) {
      return Mutability.UNSUPPORTED;
    }
    return want <= guest.maxMemoryKiB() ? Mutability.LIVE : Mutability.RESTART;
  }

  /**
   * An edit of one disk or NIC: added and removed ones are hot-plugged (and written to the
   * definition), a disk grown by QEMU's block resize, a NIC's link and its network or bridge
   * changed by libvirt's device update; how the guest sees a device needs a restart; where a disk's
   * data comes from, or a smaller disk, a new guest.
   */
  static Mutability device(Object desired, ObservedVm guest) {
    if (!(desired instanceof DeviceEdit e)) {
      return Mutability.LIVE; // the list as a whole: decided item by item
    }
    return switch (e.kind()) {
      case ADD, REMOVE, GROW, LINK -> Mutability.LIVE;
      case SHRINK, SOURCE -> Mutability.REPLACE;
      case SETTING -> Mutability.RESTART;
      case NIC_SOURCE ->
          bridged(e.before()) && bridged(e.after()) ? Mutability.LIVE : Mutability.RESTART;
    };
  }

  private static boolean bridged(Object nic) {
    return nic instanceof NicSpec n && n.type() != NicSpec.Type.DIRECT;
  }

  /**
   * A larger {@code disk_size} grows the disk virtd made: live on a running guest (QEMU's block
   * resize), in the volume otherwise. A smaller one would need shrinking: re-create, as does a
   * {@code disk_size} for a guest with no disk at all (observed as none). Guests whose only disk
   * virtd did not make report nothing, and the planner compares nothing for them.
   */
  static Mutability diskSize(Object desired, ObservedVm guest) {
    Object current = guest.persistent().get(Field.DISK_SIZE);
    if (!(current instanceof Number n) || ((Number) desired).longValue() < n.longValue()) {
      return Mutability.REPLACE;
    }
    return guest.state().isActive() ? Mutability.LIVE : Mutability.CONFIG;
  }
}
