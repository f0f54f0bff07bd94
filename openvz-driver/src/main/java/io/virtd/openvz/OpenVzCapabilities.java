package io.virtd.openvz;

import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.Mutability;

/**
 * How each manifest key changes on an existing container, by vzctl's own rules ({@code
 * src/vzctl-actions.c:check_set_mode()}, {@code src/lib/res.c}): memory and beancounters, CPU, I/O
 * priority, addresses, host name, DNS, disk quota limits, devices, veth interfaces and the password
 * apply to a running container; capabilities, features, iptables modules and turning the
 * second-level quota ({@code quotaugidlimit}) on or off wait for a restart. The boot flags and the
 * description are configuration only. Keys only libvirt knows are unsupported.
 */
final class OpenVzCapabilities {
  private OpenVzCapabilities() {}

  static final Capabilities TABLE = build();

  private static Capabilities build() {
    Capabilities.Builder b =
        Capabilities.builder()
            .set(
                Mutability.LIVE,
                Field.MEMORY,
                Field.CPUS,
                Field.CPUUNITS,
                Field.CPULIMIT,
                Field.IOPRIO,
                Field.IPADDR,
                Field.HOSTNAME,
                Field.NAMESERVER,
                Field.SEARCHDOMAIN,
                Field.DISKSPACE,
                Field.DISKINODES,
                Field.QUOTATIME,
                Field.DEVICES,
                Field.RESOURCES_PARAMETERS,
                Field.USER,
                Field.INTERFACES,
                Field.NOATIME)
            .set(Mutability.CONFIG, Field.DESC, Field.AUTOBOOT, Field.DISABLED)
            .set(Mutability.RESTART, Field.CAPABILITY, Field.FEATURES, Field.IPTABLES)
            .rule(
                Field.QUOTAUGIDLIMIT,
                // what the running container has decides whether it can take the value live
                (desired, guest) ->
                    quotaUgid(
                        desired,
                        guest
                            .live()
                            .getOrDefault(
                                Field.QUOTAUGIDLIMIT,
                                guest.persistent().get(Field.QUOTAUGIDLIMIT))));
    return b.defaultsFor(DriverKind.OPENVZ).restUnsupported().build();
  }

  /** A new limit applies live; switching the second-level quota on or off needs a restart. */
  static Mutability quotaUgid(Object desired, Object current) {
    boolean on = desired instanceof Number n && n.longValue() != 0;
    boolean wasOn = current instanceof Number n && n.longValue() != 0;
    return on == wasOn ? Mutability.LIVE : Mutability.RESTART;
  }
}
