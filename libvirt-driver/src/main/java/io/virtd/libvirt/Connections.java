package io.virtd.libvirt;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections to one libvirt URI: one carries lifecycle events and pings; each guest operation
 * leases one of its own ({@link ConnectionPool}). When a connection is lost the failing call
 * reports a transient error ({@link #fail}) and the next lease connects again.
 */
final class Connections {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  private final String uri;
  private final boolean keepAlive;
  private Connect conn; // guarded by this
  private final ConnectionPool<Connect> pool =
      new ConnectionPool<>(this::open, c -> close(c, false));
  private final boolean pooled;
  private final java.util.List<java.util.function.Consumer<String>> watchers =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Held here: libvirt-java keeps listeners in maps, JNA callbacks must stay reachable. */
  private final org.libvirt.event.LifecycleListener lifecycle =
      (domain, event) -> {
        try {
          String name = domain.getName();
          watchers.forEach(w -> w.accept(name));
        } catch (Throwable t) { // an exception must never reach JNA's callback
          log.debug("lifecycle event dropped: {}", t.toString());
        }
        return 0;
      };

  private boolean listening; // guarded by this
  private volatile boolean lost;
  private boolean reconnected; // guarded by this; since the last ping

  Connections(String uri, boolean keepAlive) {
    this.uri = uri;
    this.keepAlive = keepAlive;
    this.pooled = !uri.startsWith("test:");
  }

  /**
   * A connection for one operation: the pool's (see {@link ConnectionPool}), or on {@code test:}
   * URIs the one connection, since {@code test:///PATH.xml} gives every connection its own copy of
   * the file's guests.
   */
  ConnectionPool.Lease<Connect> lease() throws DriverException {
    Connect primary = connection(); // after a lost connection: connects again and resets the pool
    return pooled ? pool.lease() : ConnectionPool.Lease.unpooled(primary);
  }

  /** Connections open now: the events one and the pool's. For tests. */
  synchronized int openConnections() {
    return (conn != null ? 1 : 0) + pool.size(); // the pool stays empty on test: URIs
  }

  synchronized Connect connection() throws DriverException {
    if (conn != null && !lost) {
      return conn;
    }
    boolean again = conn != null;
    if (again) {
      closeQuietly();
    }
    Connect c = open();
    reconnected |= again;
    lost = false;
    conn = c;
    listening = false;
    listen(c);
    return c;
  }

  /**
   * A new connection with keepalive (a hung libvirtd fails calls instead of blocking them forever).
   */
  private Connect open() throws DriverException {
    Connect c;
    try {
      c = new Connect(uri);
    } catch (LibvirtException e) {
      throw new DriverException(
          Kind.UNAVAILABLE, "libvirt: cannot connect to " + uri + ": " + Errors.message(e), e);
    }
    if (keepAlive) {
      try {
        c.setKeepAlive(5, 3);
      } catch (LibvirtException e) {
        log.debug(
            "{}: no keepalive ({})", uri, Errors.message(e)); // local drivers such as test:///
      }
      try {
        c.registerCloseListener((closed, reason) -> lost = true);
      } catch (LibvirtException e) {
        log.debug("{}: no close listener ({})", uri, Errors.message(e));
      }
    }
    return c;
  }

  synchronized boolean ping() throws DriverException {
    try {
      connection().getLibVersion(); // a round trip to the daemon for remote URIs
    } catch (LibvirtException e) {
      throw fail(e, "ping " + uri, null);
    }
    boolean r = reconnected;
    reconnected = false;
    return r;
  }

  synchronized void watch(java.util.function.Consumer<String> onChange) throws DriverException {
    watchers.add(onChange);
    listen(connection());
  }

  /**
   * Registers the lifecycle listener on {@code c} once, when someone watches and events can flow.
   */
  private void listen(Connect c) {
    if (listening || watchers.isEmpty() || !keepAlive) {
      return;
    }
    try {
      c.addLifecycleListener(lifecycle);
      listening = true;
    } catch (LibvirtException e) {
      log.warn(
          "{}: no lifecycle events ({}); scheduled passes still catch drift",
          uri,
          Errors.message(e));
    }
  }

  /** One operation on a guest, on a leased connection. */
  @FunctionalInterface
  interface DomainCall<T> {
    T apply(Domain d) throws LibvirtException, DriverException;
  }

  <T> T withDomain(String name, String action, DomainCall<T> call) throws DriverException {
    return onDomain(name, action, call, false, null);
  }

  /**
   * As {@link #withDomain}, but a guest that is missing (or vanishes meanwhile) gives {@code
   * whenMissing}.
   */
  <T> T withDomainIfPresent(String name, String action, T whenMissing, DomainCall<T> call)
      throws DriverException {
    return onDomain(name, action, call, true, whenMissing);
  }

  private <T> T onDomain(
      String name, String action, DomainCall<T> call, boolean missingOk, T whenMissing)
      throws DriverException {
    Domain d = null;
    try (ConnectionPool.Lease<Connect> c = lease()) {
      d = c.connection().domainLookupByName(name);
      return call.apply(d);
    } catch (LibvirtException e) {
      if (missingOk && Errors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return whenMissing;
      }
      throw fail(e, action, name);
    } finally {
      Domains.free(d);
    }
  }

  DriverException fail(LibvirtException e, String action, String guest) {
    if (Errors.connectionLost(e)) {
      lost = true;
    }
    return Errors.classify(e, action, guest);
  }

  /** Closes every connection; leased ones are closed when given back. */
  synchronized void closeQuietly() {
    pool.reset();
    Connect c = conn;
    conn = null;
    if (c != null) {
      close(c, listening);
      listening = false;
    }
  }

  private void close(Connect c, boolean withListener) {
    if (withListener) {
      try {
        c.removeLifecycleListener(lifecycle);
      } catch (LibvirtException e) {
        log.debug("{}: removing the lifecycle listener failed: {}", uri, Errors.message(e));
      }
    }
    try {
      c.unregisterCloseListener();
    } catch (LibvirtException e) {
      log.debug("{}: unregistering the close listener failed: {}", uri, Errors.message(e));
    }
    try {
      int refs = c.close();
      if (refs > 0) {
        log.debug("{}: closed with {} references still held", uri, refs);
      }
    } catch (LibvirtException e) {
      log.debug("{}: close failed: {}", uri, Errors.message(e));
    }
  }
}
