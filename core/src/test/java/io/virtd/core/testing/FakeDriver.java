package io.virtd.core.testing;

import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.VmDriver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An in-memory driver for planner and executor tests. It keeps a persistent definition and a live
 * copy like libvirt does; {@code honoursBalloon = false} makes live memory changes silently
 * ignored, like a guest without a balloon driver. Every call is recorded in {@link #calls}.
 */
public final class FakeDriver implements VmDriver {
  public static final class Guest {
    public RunState state = RunState.SHUTOFF;
    public final Map<Field, Object> persistent = new EnumMap<>(Field.class);
    public final Map<Field, Object> live = new EnumMap<>(Field.class);
    public OwnershipMark mark;
    public long maxMemoryKiB;
    public int maxVcpus;
    public boolean ignoresAcpi;

    /** Live changes the running guest refused since it started. */
    public final Set<Field> refused = new LinkedHashSet<>();
  }

  public final Map<String, Guest> guests = new LinkedHashMap<>();
  public final List<String> calls = new ArrayList<>();
  public boolean honoursBalloon = true;

  /** A broken driver: update reports success and changes nothing. */
  public boolean ignoresUpdates;

  /**
   * libvirt's table, rule for rule, so that what the planner decides against this driver is what it
   * decides against libvirt ({@code FakeDriverCapabilitiesTest} in the libvirt driver's tests
   * compares the two).
   */
  public static Capabilities capabilities(boolean honourLimits) {
    return Capabilities.builder()
        .rule(Field.MEMORY, FakeDriver::memory)
        .rule(
            Field.CPUS,
            (d, g) ->
                ((Number) d).intValue() <= g.maxVcpus() ? Mutability.LIVE : Mutability.RESTART)
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
            Field.GUEST_AGENT)
        .defaultsFor(DriverKind.LIBVIRT)
        .rule(Field.DISK_SIZE, FakeDriver::diskSize)
        .set(Mutability.RESTART, Field.MAX_MEMORY, Field.MAX_CPUS)
        .absentIsUnknown(Field.DISK_SIZE)
        .rule(Field.DISKS, FakeDriver::device)
        .rule(Field.NICS, FakeDriver::device)
        .restUnsupported()
        .build();
  }

  /** Live up to the maximum; a guest that refused the balloon gets only its saved maximum. */
  private static Mutability memory(Object desired, ObservedVm guest) {
    long want = ((Number) desired).longValue();
    if (guest.refusedLive().contains(Field.MEMORY)
        && guest.persistent().get(Field.MAX_MEMORY) instanceof Number max
        && max.longValue() != want) {
      return Mutability.UNSUPPORTED;
    }
    return want <= guest.maxMemoryKiB() ? Mutability.LIVE : Mutability.RESTART;
  }

  /** Devices hot-plugged, grown and relinked live; settings at restart; sources by re-creating. */
  private static Mutability device(Object desired, ObservedVm guest) {
    if (!(desired instanceof io.virtd.core.spi.DeviceEdit e)) {
      return Mutability.LIVE;
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
    return nic instanceof io.virtd.core.manifest.NicSpec n
        && n.type() != io.virtd.core.manifest.NicSpec.Type.DIRECT;
  }

  /** Grows a disk virtd made; shrinking it, or a disk for a guest without one, re-creates. */
  private static Mutability diskSize(Object desired, ObservedVm guest) {
    Object current = guest.persistent().get(Field.DISK_SIZE);
    if (!(current instanceof Number n) || ((Number) desired).longValue() < n.longValue()) {
      return Mutability.REPLACE;
    }
    return guest.state().isActive() ? Mutability.LIVE : Mutability.CONFIG;
  }

  private int macs;

  /** A MAC as libvirt's driver generates one: locally administered, unique in this fake. */
  private String newMac() {
    macs++;
    return String.format("52:54:00:%02x:%02x:%02x", macs >> 16 & 255, macs >> 8 & 255, macs & 255);
  }

  /** A factory that hands out this driver for every libvirt target. */
  public io.virtd.core.spi.DriverFactory factory() {
    FakeDriver self = this;
    return new io.virtd.core.spi.DriverFactory() {
      @Override
      public DriverKind kind() {
        return DriverKind.LIBVIRT;
      }

      @Override
      public VmDriver open(String target, io.virtd.core.config.Config config) {
        return self;
      }
    };
  }

  /** When set, {@link #ping} fails with it: the hypervisor is unreachable. */
  public volatile DriverException down;

  /** What the next successful {@link #ping} reports: that the driver had to reconnect. */
  public volatile boolean reconnected;

  /** Run at the start of every call that {@link #calls} records, with its entry. */
  public volatile java.util.function.Consumer<String> onCall = c -> {};

  private void called(String call) {
    calls.add(call);
    onCall.accept(call);
  }

  /** When set, {@link #ping} waits for it: the hypervisor is frozen. */
  public volatile java.util.concurrent.CountDownLatch frozen;

  @Override
  public boolean ping() throws DriverException {
    java.util.concurrent.CountDownLatch f = frozen;
    if (f != null) {
      try {
        f.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (down != null) {
      throw down;
    }
    boolean r = reconnected;
    reconnected = false;
    return r;
  }

  @Override
  public DriverKind kind() {
    return DriverKind.LIBVIRT;
  }

  @Override
  public String target() {
    return "fake:///";
  }

  @Override
  public Capabilities capabilities() {
    return capabilities(true);
  }

  public Guest add(String name, RunState state) {
    Guest g = new Guest();
    g.state = state;
    g.maxMemoryKiB = 1024 * 1024;
    g.maxVcpus = 2;
    g.persistent.put(Field.MEMORY, 1024L * 1024);
    g.persistent.put(Field.CPUS, 1);
    g.persistent.put(Field.AUTOBOOT, true);
    if (state.isActive()) {
      g.live.putAll(g.persistent);
    }
    guests.put(name, g);
    return g;
  }

  @Override
  public Optional<ObservedVm> observe(String name) {
    Guest g = guests.get(name);
    if (g == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ObservedVm(
            name,
            g.state,
            g.persistent,
            g.state.isActive() ? g.live : Map.of(),
            Optional.ofNullable(g.mark),
            g.maxMemoryKiB,
            g.maxVcpus,
            g.state.isActive() ? g.refused : Set.of()));
  }

  @Override
  public Map<String, ObservedVm> observeAll() {
    Map<String, ObservedVm> all = new LinkedHashMap<>();
    guests.keySet().forEach(n -> all.put(n, observe(n).orElseThrow()));
    return all;
  }

  /** A base {@code image} that does not exist, as libvirt's driver checks it. */
  @Override
  public List<String> preflight(VmSpec spec) {
    return spec
        .string(Field.IMAGE)
        .filter(p -> !java.nio.file.Files.exists(java.nio.file.Path.of(p)))
        .map(p -> spec.origin(Field.IMAGE) + ": base image " + p + " does not exist")
        .stream()
        .toList();
  }

  @Override
  public void create(VmSpec spec, OwnershipMark mark) throws DriverException {
    called("create " + spec.name());
    if (guests.containsKey(spec.name())) {
      throw new DriverException(DriverException.Kind.CONFLICT, "exists");
    }
    List<String> problems = preflight(spec);
    if (!problems.isEmpty()) {
      throw new DriverException(DriverException.Kind.TERMINAL, problems.get(0));
    }
    Guest g = new Guest();
    g.persistent.put(Field.VIRT_TYPE, spec.virtType());
    g.persistent.put(Field.MEMORY, spec.memoryKiB());
    g.persistent.put(Field.CPUS, spec.cpus());
    g.persistent.put(Field.AUTOBOOT, spec.managed().getOrDefault(Field.AUTOBOOT, false));
    spec.managed().forEach((f, v) -> g.persistent.putIfAbsent(f, v));
    spec.get(Field.NICS)
        .ifPresent(
            nics -> {
              List<Object> made = new ArrayList<>();
              for (Object o : (List<?>) nics) {
                var n = (io.virtd.core.manifest.NicSpec) o;
                made.add(
                    new io.virtd.core.manifest.NicSpec(
                        n.type(),
                        n.source(),
                        n.mac() != null ? n.mac() : newMac(),
                        io.virtd.core.plan.DeviceItems.model(n, spec),
                        n.link()));
              }
              g.persistent.put(Field.NICS, List.copyOf(made));
            });
    g.maxMemoryKiB = spec.memoryKiB();
    g.maxVcpus = spec.cpus();
    g.mark = mark;
    guests.put(spec.name(), g);
  }

  @Override
  public Set<Field> update(
      VmSpec spec, ObservedVm current, List<FieldChange> changes, OwnershipMark mark)
      throws DriverException {
    called(
        "update "
            + spec.name()
            + " "
            + changes.stream().map(c -> c.field().key() + ":" + c.mutability()).toList());
    Guest g = guest(spec.name());
    Set<Field> missed = new LinkedHashSet<>();
    if (ignoresUpdates) {
      return missed;
    }
    for (FieldChange c : changes) {
      if (io.virtd.core.plan.DeviceItems.isDeviceList(c.field())) {
        FieldChange made = c;
        if (c.after() instanceof io.virtd.core.manifest.NicSpec n && n.mac() == null) {
          made = new FieldChange(c.field(), c.before(), n.withMac(newMac()), c.mutability());
        }
        g.persistent.put(
            c.field(),
            io.virtd.core.plan.DeviceItems.applied(
                (List<?>) g.persistent.getOrDefault(c.field(), List.of()), made));
        if (c.mutability() == Mutability.LIVE && g.state.isActive()) {
          g.live.put(
              c.field(),
              io.virtd.core.plan.DeviceItems.applied(
                  (List<?>) g.live.getOrDefault(c.field(), List.of()), made));
        }
        continue;
      }
      g.persistent.put(c.field(), c.after());
      if (c.mutability() == Mutability.LIVE && g.state.isActive()) {
        if (c.field() == Field.MEMORY && !honoursBalloon) {
          missed.add(c.field());
        } else {
          g.live.put(c.field(), c.after());
        }
      }
    }
    g.mark = mark;
    g.refused.addAll(missed);
    return missed;
  }

  @Override
  public void start(String name) throws DriverException {
    called("start " + name);
    Guest g = guest(name);
    if (g.state.isActive()) {
      return; // already running: as asked
    }
    g.state = RunState.RUNNING;
    g.refused.clear();
    g.live.clear();
    g.live.putAll(g.persistent);
    g.maxMemoryKiB = (Long) g.persistent.getOrDefault(Field.MEMORY, g.maxMemoryKiB);
    g.maxVcpus = (Integer) g.persistent.getOrDefault(Field.CPUS, g.maxVcpus);
  }

  @Override
  public void resume(String name) throws DriverException {
    called("resume " + name);
    guest(name).state = RunState.RUNNING;
  }

  @Override
  public boolean stop(String name, Duration timeout) throws DriverException {
    called("stop " + name);
    Guest g = guests.get(name);
    if (g == null || !g.state.isActive() && g.state != RunState.CRASHED) {
      return false;
    }
    g.state = RunState.SHUTOFF;
    g.live.clear();
    return g.ignoresAcpi;
  }

  @Override
  public void destroy(String name) throws DriverException {
    called("destroy " + name);
    Guest g = guests.get(name);
    if (g != null) {
      g.state = RunState.SHUTOFF;
      g.live.clear();
    }
  }

  @Override
  public void unmark(String name) {
    called("unmark " + name);
    Guest g = guests.get(name);
    if (g != null) {
      g.mark = null;
    }
  }

  @Override
  public void remove(String name) {
    called("remove " + name);
    guests.remove(name);
  }

  @Override
  public void close() {}

  private Guest guest(String name) throws DriverException {
    Guest g = guests.get(name);
    if (g == null) {
      throw new DriverException(DriverException.Kind.NOT_FOUND, "no guest " + name);
    }
    return g;
  }
}
