package io.virtd.libvirt;

import io.virtd.core.manifest.HostSpec;
import io.virtd.core.manifest.NetworkSpec;
import io.virtd.core.manifest.PoolSpec;
import io.virtd.core.plan.HostChange;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.HostResources;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.OwnershipMark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.StoragePool;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * libvirt's networks and storage pools ({@link HostResources}). A network's ownership mark is in
 * its {@code <metadata>}, as a guest's; a pool's is a file ({@link PoolMarks}). They are read by
 * {@link HostObserver}.
 */
final class LibvirtHostResources implements HostResources {
  /** {@code VIR_NETWORK_XML_INACTIVE}. */
  static final int NETWORK_INACTIVE = 1;

  private final Connections connections;
  private final PoolMarks poolMarks;
  private final HostObserver observer;
  private final boolean remote;

  /**
   * libvirt's test driver: it accepts no build flags, and has no devices for {@link
   * PoolXml#BUILD_NO_OVERWRITE} to protect.
   */
  private final boolean testDriver;

  LibvirtHostResources(
      Connections connections, PoolMarks poolMarks, boolean remote, boolean testDriver) {
    this.connections = connections;
    this.poolMarks = poolMarks;
    this.observer = new HostObserver(poolMarks);
    this.remote = remote;
    this.testDriver = testDriver;
  }

  @Override
  public Map<String, ObservedHost> observe(HostSpec.Kind kind) throws DriverException {
    try (ConnectionPool.Lease<Connect> lease = connections.lease()) {
      return observer.observe(lease.connection(), kind);
    } catch (LibvirtException e) {
      throw connections.fail(e, "list " + kind.key() + "s", null);
    }
  }

  @Override
  public Optional<Set<String>> bridges() {
    if (remote) {
      return Optional.empty();
    }
    Set<String> out = new HashSet<>();
    try (var s = Files.list(Path.of("/sys/class/net"))) {
      s.map(p -> p.getFileName().toString()).filter(Host::isLocalBridge).forEach(out::add);
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.of(out);
  }

  // --- act

  @Override
  public void create(HostSpec spec, OwnershipMark mark) throws DriverException {
    try (ConnectionPool.Lease<Connect> lease = connections.lease()) {
      Connect c = lease.connection();
      switch (spec.kind()) {
        case NETWORK -> {
          NetworkSpec n = (NetworkSpec) spec;
          Network net = c.networkDefineXML(withMark(NetworkXml.write(definition(n)), mark));
          try {
            if (n.autostart().isPresent()) {
              net.setAutostart(n.autostart().get());
            }
          } finally {
            net.free();
          }
        }
        case POOL -> {
          PoolSpec p = (PoolSpec) spec;
          PoolXml.Definition d = definition(p);
          StoragePool pool = c.storagePoolDefineXML(PoolXml.write(d), 0);
          try {
            poolMarks.write(p.name(), pool.getUUIDString(), mark);
            if (d.buildFlags().isPresent()) {
              pool.build(testDriver ? 0 : d.buildFlags().getAsInt());
            }
            if (p.autostart().isPresent()) {
              pool.setAutostart(p.autostart().get() ? 1 : 0);
            }
          } finally {
            pool.free();
          }
        }
      }
    } catch (LibvirtException e) {
      throw connections.fail(e, "create " + spec.address(), null);
    } catch (IOException e) {
      throw new DriverException(
          DriverException.Kind.TRANSIENT, "cannot write the mark of " + spec.address() + ": " + e);
    }
  }

  @Override
  public void update(
      HostSpec spec, ObservedHost current, List<HostChange> changes, OwnershipMark mark)
      throws DriverException {
    try (ConnectionPool.Lease<Connect> lease = connections.lease()) {
      Connect c = lease.connection();
      switch (spec.kind()) {
        case NETWORK -> updateNetwork(c, (NetworkSpec) spec, current, changes, mark);
        case POOL -> updatePool(c, (PoolSpec) spec, changes, mark);
      }
    } catch (LibvirtException e) {
      throw connections.fail(e, "update " + spec.address(), null);
    } catch (IOException e) {
      throw new DriverException(
          DriverException.Kind.TRANSIENT, "cannot write the mark of " + spec.address() + ": " + e);
    }
  }

  private void updateNetwork(
      Connect c,
      NetworkSpec spec,
      ObservedHost current,
      List<HostChange> changes,
      OwnershipMark mark)
      throws LibvirtException {
    Network net = c.networkLookupByName(spec.name());
    try {
      boolean active = net.isActive() == 1;
      for (HostChange ch : changes) {
        switch (ch.key()) {
          case "autostart" -> net.setAutostart((Boolean) ch.after());
          case "dhcp.hosts" -> dhcpHosts(net, ch, active);
          default -> {}
        }
      }
      // the saved definition, changed in place: the manifest's keys and the mark
      String saved = net.getXMLDesc(NETWORK_INACTIVE);
      String want = NetworkXml.rewrite(saved, merged(NetworkXml.read(saved), spec));
      c.networkDefineXML(withMark(want, mark)).free();
    } finally {
      net.free();
    }
  }

  /** Adds and deletes single hosts: the running network keeps its dnsmasq and its guests. */
  private static void dhcpHosts(Network net, HostChange ch, boolean active)
      throws LibvirtException {
    List<?> before = ch.before() instanceof List<?> l ? l : List.of();
    List<?> after = (List<?>) ch.after();
    for (Object o : before) {
      if (!after.contains(o)) {
        NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.DELETE, host(o).xml(), active);
      }
    }
    for (Object o : after) {
      if (!before.contains(o)) {
        NetworkUpdate.dhcpHost(net, NetworkUpdate.Command.ADD_LAST, host(o).xml(), active);
      }
    }
  }

  private static NetworkXml.Host host(Object o) {
    NetworkSpec.DhcpHost h = (NetworkSpec.DhcpHost) o;
    return new NetworkXml.Host(h.mac(), h.ip(), h.name());
  }

  private void updatePool(Connect c, PoolSpec spec, List<HostChange> changes, OwnershipMark mark)
      throws LibvirtException, IOException {
    StoragePool pool = c.storagePoolLookupByName(spec.name());
    try {
      for (HostChange ch : changes) {
        switch (ch.key()) {
          case "autostart" -> pool.setAutostart((Boolean) ch.after() ? 1 : 0);
          case "path" -> {
            Document doc = Dom.parse(pool.getXMLDesc(0));
            Element target = Dom.first(doc.getDocumentElement(), "target");
            Dom.setText(target, "path", (String) ch.after());
            c.storagePoolDefineXML(Dom.serialize(doc), 0).free();
          }
          default -> {}
        }
      }
      poolMarks.write(spec.name(), pool.getUUIDString(), mark);
    } finally {
      pool.free();
    }
  }

  @Override
  public void start(HostSpec.Kind kind, String name) throws DriverException {
    act(kind, name, "start", n -> n.create(), p -> p.create(0));
  }

  @Override
  public void stop(HostSpec.Kind kind, String name) throws DriverException {
    act(kind, name, "stop", Network::destroy, StoragePool::destroy);
  }

  @Override
  public void remove(HostSpec.Kind kind, String name) throws DriverException {
    act(
        kind,
        name,
        "remove",
        Network::undefine,
        p -> {
          // volumes are never deleted; a directory pool's own directory is removed when empty
          // (rmdir refuses one that holds anything), nothing else: for logical or zfs pools libvirt
          // would remove the volume group or destroy the ZFS pool
          if (PoolXml.read(p.getXMLDesc(0)).map(d -> d.type() == PoolXml.Type.DIR).orElse(false)) {
            try {
              p.delete(0);
            } catch (LibvirtException e) {
              // not empty: kept
            }
          }
          p.undefine();
          try {
            poolMarks.remove(name);
          } catch (IOException e) {
            // a mark file left behind names a UUID no pool has any more
          }
        });
  }

  private interface NetworkCall {
    void on(Network n) throws LibvirtException;
  }

  private interface PoolCall {
    void on(StoragePool p) throws LibvirtException;
  }

  private void act(
      HostSpec.Kind kind, String name, String action, NetworkCall network, PoolCall pool)
      throws DriverException {
    try (ConnectionPool.Lease<Connect> lease = connections.lease()) {
      Connect c = lease.connection();
      switch (kind) {
        case NETWORK -> {
          Network n = c.networkLookupByName(name);
          try {
            network.on(n);
          } finally {
            n.free();
          }
        }
        case POOL -> {
          StoragePool p = c.storagePoolLookupByName(name);
          try {
            if (action.equals("remove") && p.isActive() == 1) {
              p.destroy();
            }
            pool.on(p);
          } finally {
            p.free();
          }
        }
      }
    } catch (LibvirtException e) {
      throw connections.fail(e, action + " " + kind.key() + "/" + name, null);
    }
  }

  // --- definitions

  static NetworkXml.Definition definition(NetworkSpec n) {
    return new NetworkXml.Definition(
        n.name(),
        NetworkXml.Forward.valueOf(n.forward().name()),
        n.bridge(),
        n.ip().map(ip -> new NetworkXml.Address(ip.address(), ip.prefix())),
        n.range().map(r -> new NetworkXml.Range(r.start(), r.end())),
        n.hosts().orElse(List.of()).stream()
            .map(h -> new NetworkXml.Host(h.mac(), h.ip(), h.name()))
            .toList());
  }

  /** The declared keys over the saved definition: what the manifest leaves out stays as it is. */
  private static NetworkXml.Definition merged(NetworkXml.Definition now, NetworkSpec n) {
    boolean forward = n.keyPos().containsKey("forward");
    NetworkXml.Definition want = definition(n);
    return new NetworkXml.Definition(
        now.name(),
        forward ? want.forward() : now.forward(),
        n.bridge().isPresent() ? want.bridge() : now.bridge(),
        n.ip().isPresent() ? want.ip() : now.ip(),
        n.range().isPresent() ? want.range() : now.range(),
        n.hosts().isPresent() ? want.hosts() : now.hosts());
  }

  static PoolXml.Definition definition(PoolSpec p) {
    return new PoolXml.Definition(
        p.name(), PoolXml.Type.valueOf(p.type().name()), p.path(), p.source());
  }

  /** The network's XML with virtd's mark in its metadata, in place of any mark it had. */
  private static String withMark(String xml, OwnershipMark mark) {
    Document doc = Dom.parse(xml);
    for (Element old : Marks.findAll(doc)) {
      old.getParentNode().removeChild(old);
    }
    Element metadata = Dom.firstOrChild(doc.getDocumentElement(), "metadata");
    Element m = doc.createElementNS(Marks.NAMESPACE, Marks.PREFIX + ":" + Marks.ELEMENT);
    m.setAttribute(Marks.OWNER, mark.owner());
    m.setAttribute(Marks.ORIGIN, mark.origin().key());
    m.setAttribute(Marks.MANIFEST, mark.manifest());
    m.setAttribute(Marks.HASH, mark.hash());
    metadata.appendChild(m);
    return Dom.serialize(doc);
  }
}
