package io.virtd.core.manifest;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A valid {@code network:} document: a libvirt virtual network as declared, with where each key was
 * written (for errors at FILE:LINE:COL). Keys left out are not managed.
 */
public record NetworkSpec(
    String name,
    Forward forward,
    Optional<String> bridge,
    Optional<Ip> ip,
    Optional<Range> range,
    Optional<List<DhcpHost>> hosts,
    Optional<Boolean> autostart,
    HostState ensure,
    Optional<String> connect,
    boolean restartOnChange,
    Path file,
    Pos pos,
    Map<String, Pos> keyPos)
    implements HostSpec {

  public NetworkSpec {
    hosts = hosts.map(List::copyOf);
    keyPos = Map.copyOf(keyPos);
  }

  @Override
  public Kind kind() {
    return Kind.NETWORK;
  }

  @Override
  public Map<String, Object> managed() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (keyPos.containsKey(Key.FORWARD.key())) {
      m.put(Key.FORWARD.key(), forward);
    }
    bridge.ifPresent(v -> m.put(Key.BRIDGE.key(), v));
    ip.ifPresent(v -> m.put(Key.IP.key(), v));
    range.ifPresent(v -> m.put(Key.DHCP_RANGE.key(), v));
    hosts.ifPresent(v -> m.put(Key.DHCP_HOSTS.key(), v));
    autostart.ifPresent(v -> m.put(Key.AUTOSTART.key(), v));
    return m;
  }

  public enum Forward {
    NAT,
    ROUTE,
    BRIDGE,
    ISOLATED;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The network's own IPv4 address and prefix length ({@code 192.168.50.1/24}). */
  public record Ip(String address, int prefix) {
    @Override
    public String toString() {
      return address + "/" + prefix;
    }
  }

  /** The DHCP range ({@code 192.168.50.100-192.168.50.200}). */
  public record Range(String start, String end) {
    @Override
    public String toString() {
      return start + "-" + end;
    }
  }

  /** A fixed DHCP address (and host name) for one MAC. */
  public record DhcpHost(String mac, String ip, Optional<String> name) {}

  /** How a change of each key reaches a network. */
  public enum Change {
    /** Applied to the running network and its definition (DHCP hosts, autostart). */
    LIVE,
    /**
     * Written to the definition; takes effect when the network restarts, cutting its guests off.
     */
    RESTART,
    /** The run state. */
    ENSURE,
    /** Steers how virtd acts. */
    POLICY
  }

  /** The keys of a {@code network} document, in the order the docs list them. */
  public enum Key {
    FORWARD("forward", Change.RESTART),
    BRIDGE("bridge", Change.RESTART),
    IP("ip", Change.RESTART),
    DHCP("dhcp", Change.RESTART),
    DHCP_RANGE("dhcp.range", Change.RESTART),
    DHCP_HOSTS("dhcp.hosts", Change.LIVE),
    AUTOSTART("autostart", Change.LIVE),
    ENSURE("ensure", Change.ENSURE),
    CONNECT("connect", Change.POLICY),
    RESTART("restart", Change.POLICY);

    private final String key;
    private final Change change;

    Key(String key, Change change) {
      this.key = key;
      this.change = change;
    }

    public String key() {
      return key;
    }

    public Change change() {
      return change;
    }
  }
}
