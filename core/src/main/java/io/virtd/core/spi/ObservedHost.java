package io.virtd.core.spi;

import io.virtd.core.manifest.HostSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A network or a pool as the driver read it.
 *
 * @param values what a manifest could declare, by the manifest's key ({@code forward}, {@code
 *     dhcp.hosts}, {@code type}, {@code path}, {@code autostart}, …) in the manifest's types
 *     ({@link io.virtd.core.manifest.NetworkSpec.Forward}, {@link
 *     io.virtd.core.manifest.NetworkSpec.Ip}, …); a key it does not have is left out
 * @param mark virtd's ownership mark, empty when the resource carries none
 * @param users the guests that depend on it: for a network, the running guests with an interface on
 *     it (restarting or removing it cuts them off); for a pool, every guest with a disk in it
 */
public record ObservedHost(
    HostSpec.Kind kind,
    String name,
    boolean active,
    Map<String, Object> values,
    Optional<OwnershipMark> mark,
    List<String> users) {
  public ObservedHost {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    users = List.copyOf(users);
  }
}
