package io.virtd.core.spi;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.VmSpec;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The drivers found on the class path, opened lazily, one per (driver, target). A driver that
 * cannot load or connect is remembered as unavailable and never affects the others.
 */
public final class Drivers implements AutoCloseable {
  /** One driver and the place it manages, e.g. libvirt at {@code qemu:///system}. */
  public record Target(DriverKind kind, String uri) {
    public String label() {
      return kind + " " + uri;
    }
  }

  private final Config config;
  private final Map<DriverKind, DriverFactory> factories = new EnumMap<>(DriverKind.class);

  /** Providers that failed to load; which kind they were cannot be known, so all are named. */
  private final java.util.List<String> loadErrors = new java.util.ArrayList<>();

  private final Map<Target, VmDriver> open = new LinkedHashMap<>();
  private final Map<Target, DriverException> failed = new LinkedHashMap<>();
  private final java.util.List<java.util.function.Consumer<VmDriver>> openHooks =
      new java.util.ArrayList<>();

  public Drivers(Config config) {
    this(config, ServiceLoader.load(DriverFactory.class));
  }

  public Drivers(Config config, Iterable<DriverFactory> found) {
    this.config = config;
    var it = found.iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        DriverFactory f = it.next();
        factories.putIfAbsent(f.kind(), f);
      } catch (ServiceConfigurationError | LinkageError e) {
        // one broken provider must not hide the others
        loadErrors.add(e.toString());
      }
    }
  }

  /** Runs {@code hook} on every driver when it is opened (the daemon subscribes to events). */
  public synchronized void onOpen(java.util.function.Consumer<VmDriver> hook) {
    openHooks.add(hook);
    open.values().forEach(hook);
  }

  /** Where {@code spec} lives: its own {@code connect:} first, then the configuration. */
  public Target targetOf(VmSpec spec) {
    if (spec.driver() == DriverKind.OPENVZ) {
      return new Target(DriverKind.OPENVZ, "local");
    }
    String uri =
        spec.connect().orElse(spec.virtType().isXen() ? config.connectXen() : config.connect());
    return new Target(DriverKind.LIBVIRT, uri);
  }

  /** Where a network or pool lives: its own {@code connect:} first, then the configuration. */
  public Target targetOf(io.virtd.core.manifest.HostSpec spec) {
    return new Target(DriverKind.LIBVIRT, spec.connect().orElse(config.connect()));
  }

  /** The open driver for {@code target}, opening it on first use. */
  public synchronized VmDriver get(Target target) throws DriverException {
    VmDriver d = open.get(target);
    if (d != null) {
      return d;
    }
    DriverException before = failed.get(target);
    if (before != null) {
      throw before;
    }
    DriverFactory f = factories.get(target.kind());
    try {
      if (f == null) {
        throw new DriverException(
            DriverException.Kind.UNAVAILABLE,
            "the "
                + target.kind()
                + " driver is not available"
                + (loadErrors.isEmpty()
                    ? ""
                    : " (a driver failed to load: " + String.join("; ", loadErrors) + ")"));
      }
      d = f.open(target.uri(), config);
      open.put(target, d);
      for (var hook : openHooks) {
        hook.accept(d);
      }
      return d;
    } catch (DriverException e) {
      failed.put(target, e);
      throw e;
    } catch (RuntimeException | LinkageError e) {
      DriverException de =
          new DriverException(DriverException.Kind.UNAVAILABLE, target.label() + ": " + e, e);
      failed.put(target, de);
      throw de;
    }
  }

  /** Forgets a driver (after its connection broke) so the next {@link #get} opens it again. */
  public synchronized void drop(Target target) {
    VmDriver d = open.remove(target);
    failed.remove(target);
    if (d != null) {
      d.close();
    }
  }

  @Override
  public synchronized void close() {
    open.values().forEach(VmDriver::close);
    open.clear();
  }
}
