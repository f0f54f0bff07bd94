package io.virtd.libvirt;

import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.Mutability;

/** How each manifest key changes on an existing libvirt guest. */
final class LibvirtCapabilities {
  private LibvirtCapabilities() {}

  static final Capabilities TABLE = build();

  private static Capabilities build() {
    Capabilities.Builder b =
        Capabilities.builder()
            .rule(
                Field.MEMORY,
                (desired, guest) ->
                    ((Number) desired).longValue() <= guest.maxMemoryKiB()
                        ? Mutability.LIVE
                        : Mutability.RESTART)
            .rule(
                Field.CPUS,
                (desired, guest) ->
                    ((Number) desired).intValue() <= guest.maxVcpus()
                        ? Mutability.LIVE
                        : Mutability.RESTART)
            .set(Mutability.LIVE, Field.AUTOBOOT)
            .set(Mutability.CONFIG, Field.DESC)
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
                Field.NETWORK_CONFIG);
    return b.defaultsFor(DriverKind.LIBVIRT).restUnsupported().build();
  }
}
