package io.virtd.libvirt;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.manifest.XmlFile;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import io.virtd.core.spi.VmDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guests of one libvirt URI ({@code qemu:///system}, {@code xen:///system}, {@code
 * test:///default}). Everything it reports is read from the domain XML, {@code getInfo} and {@code
 * getAutostart}. One connection carries lifecycle events and pings; each guest operation leases a
 * connection of its own ({@link ConnectionPool}). When a connection is lost the failing call
 * reports a transient error and the next call connects again.
 */
public final class LibvirtDriver implements VmDriver {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  static final int XML_SECURE = 1;
  static final int XML_INACTIVE = 2;
  static final int UNDEFINE_MANAGED_SAVE = 1;
  static final int UNDEFINE_SNAPSHOTS_METADATA = 2;
  static final int UNDEFINE_NVRAM = 4;
  static final int METADATA_DESCRIPTION = 0;
  static final int METADATA_ELEMENT = 2;
  static final int AFFECT_LIVE = 1;

  /**
   * How long a live change may take to show: libvirt learns a balloon's size from QEMU's
   * BALLOON_CHANGE events, which QEMU sends at most once a second, so the final size can come a
   * second after the first change and more under load.
   */
  private static final Duration READ_BACK = Duration.ofSeconds(3);

  private static final long POLL_MS = 100;

  private final String uri;

  /** The hypervisor is another machine: its files are reached through libvirt only. */
  private final boolean remote;

  private final boolean keepAlive;
  private final DomainWriter.Host host;
  private final Path storageDir;
  private final Intents intents;

  /**
   * Where virtd writes cloud-init seeds itself: {@code storage_dir}; for libvirt's in-process
   * {@code test:} hypervisor a scratch directory made on first use and removed on close: its guests
   * and volumes are make-believe, but seed images are real files and must never overwrite a real
   * guest's.
   */
  private volatile Path seedDir;

  private final Object seedLock = new Object();

  private final FactsCache parsed = new FactsCache();
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

  private LibvirtDriver(
      String uri, boolean keepAlive, DomainWriter.Host host, Path storageDir, String owner) {
    this.uri = uri;
    this.remote = isRemote(uri);
    this.keepAlive = keepAlive;
    this.host = host;
    this.storageDir = storageDir;
    this.intents =
        uri.startsWith("test:")
            ? Intents.none(owner, uri)
            : new Intents(storageDir.resolve(Intents.DIRECTORY), owner, uri);
    this.seedDir = uri.startsWith("test:") ? null : storageDir;
    this.pooled = !uri.startsWith("test:");
  }

  /** Connects to {@code uri}; a hypervisor that cannot be reached makes the driver unavailable. */
  static LibvirtDriver open(String uri, Config config) throws DriverException {
    boolean loop;
    try {
      loop = EventLoop.ensureStarted();
    } catch (LibvirtException e) {
      throw new DriverException(
          Kind.UNAVAILABLE, "libvirt: cannot initialise the library: " + Errors.message(e), e);
    }
    LibvirtDriver d =
        new LibvirtDriver(
            uri,
            loop,
            DomainWriter.Host.local(),
            config.storageDir().toAbsolutePath().normalize(),
            config.owner());
    d.connection();
    return d;
  }

  /**
   * Rolls back or finishes the creates and removes that processes of this owner, now gone, left
   * half-done ({@link Intents}).
   */
  @Override
  public void finishInterrupted() {
    try (ConnectionPool.Lease<Connect> c = lease()) {
      intents.recover(c.connection(), Optional.empty());
    } catch (DriverException | RuntimeException e) {
      log.warn("{}: interrupted creates and removes not finished now: {}", uri, e.getMessage());
    }
  }

  private Path seedDir() throws IOException {
    synchronized (seedLock) {
      if (seedDir == null) {
        seedDir = Files.createTempDirectory("virtd-test-seeds-");
      }
      return seedDir;
    }
  }

  @Override
  public DriverKind kind() {
    return DriverKind.LIBVIRT;
  }

  @Override
  public String target() {
    return uri;
  }

  @Override
  public Capabilities capabilities() {
    return LibvirtCapabilities.TABLE;
  }

  @Override
  public List<String> preflight(VmSpec spec) {
    List<String> out = new ArrayList<>(CreatePreflight.problems(spec, uri));
    if (remote) {
      try (ConnectionPool.Lease<Connect> c = lease()) {
        out.addAll(RemotePreflight.problems(spec, uri, c.connection()));
      } catch (LibvirtException e) {
        out.add(spec.name() + ": the hypervisor's files cannot be checked: " + Errors.message(e));
      } catch (DriverException e) {
        // the hypervisor cannot be reached: observing the guest reports that itself
      }
    }
    Optional<String> base = spec.string(Field.CLONE_FROM);
    if (base.isPresent()) {
      cloneBaseProblem(base.get())
          .ifPresent(m -> out.add(CreatePreflight.at(spec, Field.CLONE_FROM, m)));
    }
    return out;
  }

  /** A {@code clone_from} base must exist and be shut off: its disks are copied as they are. */
  private Optional<String> cloneBaseProblem(String base) {
    Domain d = null;
    try (ConnectionPool.Lease<Connect> c = lease()) {
      d = c.connection().domainLookupByName(base);
      return isActive(d)
          ? Optional.of("the `clone_from` base `" + base + "` is running: shut it off first")
          : Optional.empty();
    } catch (LibvirtException e) {
      return Errors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)
          ? Optional.of("no guest `" + base + "` to clone at `clone_from`")
          : Optional.empty(); // anything else: the create reports it
    } catch (DriverException e) {
      return Optional.empty(); // the hypervisor's own error comes with the plan or the create
    } finally {
      free(d);
    }
  }

  // --- observe

  @Override
  public Optional<ObservedVm> observe(String name) throws DriverException {
    Domain d = null;
    try (ConnectionPool.Lease<Connect> c = lease()) {
      d = c.connection().domainLookupByName(name);
      return Optional.of(read(d));
    } catch (LibvirtException e) {
      if (Errors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return Optional.empty();
      }
      throw fail(e, "observe", name);
    } finally {
      free(d);
    }
  }

  @Override
  public Map<String, ObservedVm> observeAll() throws DriverException {
    try (ConnectionPool.Lease<Connect> c = lease()) {
      return observeAll(c.connection());
    }
  }

  private Map<String, ObservedVm> observeAll(Connect c) throws DriverException {
    Domain[] all;
    parsed.nextGeneration();
    try {
      all = c.listAllDomains(0);
    } catch (LibvirtException e) {
      throw fail(e, "list domains", null);
    }
    Map<String, ObservedVm> out = new LinkedHashMap<>();
    try {
      for (Domain d : all) {
        try {
          ObservedVm vm = read(d);
          out.put(vm.name(), vm);
        } catch (LibvirtException e) {
          if (!Errors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) { // gone since the listing
            throw fail(e, "observe", null);
          }
        }
      }
    } finally {
      for (Domain d : all) {
        free(d);
      }
    }
    return out;
  }

  /**
   * Four calls: getInfo, the persistent XML, the live XML if it runs, getAutostart; and for a guest
   * with a disk virtd made, that volume's capacity ({@code disk_size}, in whole GiB).
   */
  private ObservedVm read(Domain d) throws LibvirtException, DriverException {
    DomainInfo info = d.getInfo();
    RunState state = state(info.state);
    DomainReader.Facts persistent = parse(d.getXMLDesc(XML_INACTIVE | XML_SECURE));
    DomainReader.Facts live = state.isActive() ? parse(d.getXMLDesc(0)) : null;
    boolean autostart = d.getAutostart();
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.putAll(persistent.fields());
    p.put(Field.AUTOBOOT, autostart);
    if (persistent.disk().isPresent()) {
      new Storage(d.getConnect())
          .capacity(persistent.disk().get())
          .ifPresent(bytes -> p.put(Field.DISK_SIZE, Storage.wholeGiB(bytes)));
    }
    Map<Field, Object> l = new EnumMap<>(Field.class);
    if (live != null) {
      l.putAll(live.fields());
      // the maximums are create-time keys a running guest has its own value of, fixed at its start
      l.keySet()
          .removeIf(
              f ->
                  f.kind() == Field.Kind.CREATE_TIME
                      && f != Field.MAX_MEMORY
                      && f != Field.MAX_CPUS);
      if (List.of().equals(l.get(Field.INTERFACES))) {
        l.remove(Field.NETWORK_MODEL); // only the boot-time mark's record: nothing runs with it
      }
      // What the guest booted with: the running definition's seed CD-ROM and the digests its mark
      // had at boot (an update rewrites only the persistent definition's mark). A document it did
      // not boot with is none, so a seed or document added while it runs is "restart pending".
      for (Field f : CloudInitSeed.FILES.keySet()) {
        if (!live.seedAttached()) {
          l.remove(f);
        }
        l.putIfAbsent(f, Unset.VALUE);
      }
    }
    return new ObservedVm(
        persistent.name(),
        state,
        p,
        l,
        persistent.mark(),
        live != null ? live.maxMemoryKiB() : persistent.maxMemoryKiB(),
        live != null ? live.maxVcpus() : persistent.maxVcpus(),
        live != null ? live.refusedLive() : Set.of());
  }

  private DomainReader.Facts parse(String xml) throws DriverException {
    try {
      return parsed.read(xml);
    } catch (IllegalArgumentException e) {
      throw new DriverException(Kind.TERMINAL, "libvirt: " + e.getMessage(), e);
    }
  }

  static RunState state(DomainInfo.DomainState s) {
    if (s == null) {
      return RunState.NOSTATE;
    }
    return switch (s) {
      case VIR_DOMAIN_RUNNING -> RunState.RUNNING;
      case VIR_DOMAIN_BLOCKED -> RunState.BLOCKED;
      case VIR_DOMAIN_PAUSED -> RunState.PAUSED;
      case VIR_DOMAIN_SHUTDOWN -> RunState.SHUTDOWN;
      case VIR_DOMAIN_SHUTOFF -> RunState.SHUTOFF;
      case VIR_DOMAIN_CRASHED -> RunState.CRASHED;
      case VIR_DOMAIN_PMSUSPENDED -> RunState.PMSUSPENDED;
      case VIR_DOMAIN_NOSTATE -> RunState.NOSTATE;
    };
  }

  // --- define

  @Override
  public void create(VmSpec spec, OwnershipMark mark) throws DriverException {
    try (ConnectionPool.Lease<Connect> c = lease()) {
      create(c.connection(), spec, mark);
    }
  }

  private void create(Connect c, VmSpec spec, OwnershipMark mark) throws DriverException {
    intents.recover(c, Optional.of(spec.name())); // a create of it killed before its define
    Intents.Step intent = intents.begin(spec.name(), Intents.CREATE, List.of(), List.of());
    try {
      create(c, spec, mark, intent);
    } finally {
      intent.done();
    }
  }

  private void create(Connect c, VmSpec spec, OwnershipMark mark, Intents.Step intent)
      throws DriverException {
    Storage storage = new Storage(c, intent::volume, remote);
    GuestStorage.Prepared prepared;
    try {
      prepared = GuestStorage.prepare(spec, storage, storageDir, c);
    } catch (LibvirtException e) {
      throw fail(e, "create storage for", spec.name());
    } catch (DomainWriter.Unsupported e) {
      throw new DriverException(
          Kind.TERMINAL, "libvirt: create `" + spec.name() + "`: " + e.getMessage(), e);
    }
    TestHalt.at("create:after-volumes");
    List<Marks.Volume> made = prepared.storage().volumes();
    boolean seedMade = false; // by this attempt: a seed found there may be another run's
    Domain d = null;
    try {
      String xml = definition(spec, mark, prepared, host(c));
      if (CloudInitSeed.wanted(spec)) {
        Seeded seeded = seed(c, spec, xml, "create", intent);
        xml = seeded.xml();
        seedMade = seeded.madeFile();
        TestHalt.at("create:after-seed");
      }
      d = c.domainDefineXML(xml);
      TestHalt.at("create:after-define");
      Object autoboot = spec.managed().get(Field.AUTOBOOT);
      if (autoboot instanceof Boolean b) {
        d.setAutostart(b);
      }
    } catch (LibvirtException e) {
      discardIfUndefined(d, storage, made, seedMade, spec.name());
      throw fail(e, "define", spec.name());
    } catch (DriverException | RuntimeException e) {
      discardIfUndefined(d, storage, made, seedMade, spec.name());
      throw e;
    } finally {
      free(d);
    }
  }

  /**
   * The hypervisor as a definition needs it: this machine, or a remote one asked through libvirt.
   */
  private DomainWriter.Host host(Connect c) throws LibvirtException {
    return remote ? RemoteHost.of(c) : host;
  }

  private String definition(
      VmSpec spec, OwnershipMark mark, GuestStorage.Prepared prepared, DomainWriter.Host host)
      throws DriverException {
    try {
      if (prepared.template().isPresent()) {
        return DomainWriter.fromTemplate(
            prepared.template().get(), spec, mark, host, prepared.storage());
      }
      if (spec.get(Field.XML_FILE).orElse(null) instanceof XmlFile template) {
        // the text read and checked with the manifest, never the file again: it may have changed
        String text =
            template
                .content()
                .orElseThrow(
                    () ->
                        new DomainWriter.Unsupported(
                            "cannot read `xml_file` " + template.path() + ": no such file"));
        return DomainWriter.fromTemplate(text, spec, mark, host, prepared.storage());
      }
      return DomainWriter.create(spec, mark, host, prepared.storage());
    } catch (DomainWriter.Unsupported e) {
      throw new DriverException(
          Kind.TERMINAL, "libvirt: create `" + spec.name() + "`: " + e.getMessage(), e);
    }
  }

  /**
   * A definition with the seed attached; {@code madeFile}: the seed image did not exist before (see
   * {@link CloudInitSeed#write}).
   */
  private record Seeded(String xml, boolean madeFile) {}

  /**
   * Writes the guest's cloud-init seed image and returns {@code xml} with it attached and the
   * documents' digests in the mark. Never logs the documents: user-data holds passwords.
   */
  private Seeded seed(Connect c, VmSpec spec, String xml, String action, Intents.Step intent)
      throws DriverException {
    Path iso = null;
    boolean made;
    try {
      iso = CloudInitSeed.isoPath(seedDir(), spec.name());
      if (remote) {
        made = SeedVolumes.write(c, new Storage(c, planned -> {}, true), spec, iso, intent);
      } else {
        if (intent != null) {
          intent.seed(iso);
        }
        made = CloudInitSeed.write(spec, iso);
      }
    } catch (LibvirtException e) {
      throw fail(e, action + " the cloud-init seed of", spec.name());
    } catch (IOException | RuntimeException e) {
      throw new DriverException(
          Kind.TERMINAL,
          "libvirt: "
              + action
              + " `"
              + spec.name()
              + "`: cannot write the cloud-init seed "
              + iso
              + ": "
              + e.getMessage(),
          e);
    }
    try {
      return new Seeded(
          CloudInitSeed.attach(xml, iso, spec.virtType(), CloudInitSeed.digests(spec)), made);
    } catch (DomainWriter.Unsupported e) {
      if (made) {
        deleteSeedQuietly(spec.name());
      }
      throw new DriverException(
          Kind.TERMINAL, "libvirt: " + action + " `" + spec.name() + "`: " + e.getMessage(), e);
    }
  }

  /**
   * After a failed create: when no guest was defined, nothing holds the volumes and seed it made,
   * so they go (no orphans on retry); the create's own error is the one to report. Only what this
   * attempt made: a seed image that was there already may be another run's guest's.
   */
  private void discardIfUndefined(
      Domain defined, Storage storage, List<Marks.Volume> made, boolean seedMade, String name) {
    if (defined != null) {
      return;
    }
    GuestStorage.deleteQuietly(storage, made);
    if (seedMade) {
      deleteSeedQuietly(name);
    }
  }

  /** After a failed define: the seed goes too, but the define's own error is the one to report. */
  private void deleteSeedQuietly(String name) {
    deleteSeedQuietly(name, Optional.empty());
  }

  private void deleteSeedQuietly(String name, Optional<Path> seed) {
    try {
      removeSeed(name, seed);
    } catch (DriverException again) {
      log.debug("a seed of {} stays: {}", name, again.getMessage());
    }
  }

  /** Where guest {@code name}'s seed is written today: in {@code storage_dir}. */
  private Path defaultSeed(String name) {
    return CloudInitSeed.isoPath(storageDir, name);
  }

  private static Path seedOf(String xml) {
    return CloudInitSeed.recorded(xml).orElseThrow();
  }

  static boolean isRemote(String uri) {
    try {
      String h = java.net.URI.create(uri).getHost();
      return h != null && !h.isEmpty();
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  private void removeSeed(String name) throws DriverException {
    removeSeed(name, Optional.empty());
  }

  /**
   * Deletes the guest's seed: the one its mark {@code recorded}, wherever that is (storage_dir may
   * have changed since); for a guest whose mark records none, the one in today's seed directory.
   */
  private void removeSeed(String name, Optional<Path> recorded) throws DriverException {
    Path dir = seedDir;
    if (recorded.isEmpty() && dir == null) {
      return; // test: with no seed written yet
    }
    Path iso = recorded.orElseGet(() -> CloudInitSeed.isoPath(dir, name));
    if (remote) {
      try (ConnectionPool.Lease<Connect> c = lease()) {
        SeedVolumes.delete(new Storage(c.connection()), iso, name);
      } catch (LibvirtException e) {
        throw fail(e, "remove the cloud-init seed of", name);
      }
      return;
    }
    try {
      CloudInitSeed.delete(iso, name);
    } catch (IOException e) {
      throw new DriverException(
          Kind.TRANSIENT, "libvirt: remove `" + name + "`: cannot delete " + iso + ": " + e, e);
    }
  }

  @Override
  public Set<Field> update(
      VmSpec spec, ObservedVm current, List<FieldChange> changes, OwnershipMark mark)
      throws DriverException {
    try (ConnectionPool.Lease<Connect> c = lease()) {
      return update(c.connection(), spec, changes, mark);
    }
  }

  private Set<Field> update(Connect c, VmSpec spec, List<FieldChange> changes, OwnershipMark mark)
      throws DriverException {
    String name = spec.name();
    Domain d = null;
    try {
      d = c.domainLookupByName(name);
      String inactive = d.getXMLDesc(XML_INACTIVE | XML_SECURE);
      String edited;
      try {
        edited = DomainWriter.edit(inactive, spec, changes, mark, host(c));
      } catch (DomainWriter.Unsupported e) {
        throw new DriverException(
            Kind.TERMINAL, "libvirt: update `" + name + "`: " + e.getMessage(), e);
      }
      Optional<Path> oldSeed = Optional.empty();
      if (CloudInitSeed.touches(changes)) {
        edited = seed(c, spec, edited, "update", null).xml();
        Path now = seedOf(edited);
        oldSeed = CloudInitSeed.recorded(inactive).filter(p -> !p.equals(now));
      }
      free(c.domainDefineXML(edited));
      if (oldSeed.isPresent()) {
        deleteSeedQuietly(name, oldSeed); // written under an earlier storage_dir: replaced now
      }
      boolean active = state(d.getInfo().state).isActive();
      Set<Field> notHonoured = EnumSet.noneOf(Field.class);
      Set<Field> honoured = EnumSet.noneOf(Field.class);
      for (FieldChange change : changes) {
        boolean live = active && change.mutability() == Mutability.LIVE;
        boolean ok =
            switch (change.field()) {
              case AUTOBOOT -> {
                d.setAutostart((Boolean) change.after());
                yield true;
              }
              case MEMORY -> !live || setMemory(d, ((Number) change.after()).longValue());
              case CPUS -> !live || setVcpus(d, ((Number) change.after()).intValue());
              case DESC -> !live || liveDescription(d, change.after().toString());
              case DISK_SIZE ->
                  growDisk(d, active, parse(inactive), ((Number) change.after()).longValue());
              default -> true;
            };
        if (!ok) {
          notHonoured.add(change.field());
        } else if (live) {
          honoured.add(change.field());
        }
      }
      if (active && (!notHonoured.isEmpty() || !honoured.isEmpty())) {
        recordRefused(d, notHonoured, honoured);
      }
      return notHonoured;
    } catch (LibvirtException e) {
      throw fail(e, "update", name);
    } finally {
      free(d);
    }
  }

  /**
   * Keeps the running guest's record of the live changes it refused ({@link
   * Marks#REFUSED_NAMESPACE}) up to date: {@code refused} join it, {@code honoured} leave it.
   */
  private void recordRefused(Domain d, Set<Field> refused, Set<Field> honoured)
      throws LibvirtException, DriverException {
    Set<Field> before = parse(d.getXMLDesc(0)).refusedLive();
    Set<Field> now = EnumSet.noneOf(Field.class);
    now.addAll(before);
    now.addAll(refused);
    now.removeAll(honoured);
    if (now.equals(before)) {
      return;
    }
    try {
      d.setMetadata(
          METADATA_ELEMENT,
          now.isEmpty() ? null : Marks.refusedElement(now),
          Marks.REFUSED_PREFIX,
          Marks.REFUSED_NAMESPACE,
          AFFECT_LIVE);
    } catch (LibvirtException e) {
      rethrowIfLost(e);
      log.warn(
          "{}: cannot record the live changes it refused ({}); they are tried again",
          d.getName(),
          Errors.message(e));
    }
  }

  /**
   * Grows the disk virtd made for the guest: a running guest's through QEMU ({@code
   * virDomainBlockResize}, so the guest sees the new size at once), a stopped one's volume through
   * the storage API. False when the running guest refuses; the difference then stays in the plan.
   */
  private boolean growDisk(Domain d, boolean active, DomainReader.Facts facts, long gib)
      throws LibvirtException, DriverException {
    if (facts.disk().isEmpty()) {
      throw new DriverException(
          Kind.TERMINAL,
          "libvirt: `disk_size` of `" + facts.name() + "`: virtd made no disk for it to grow");
    }
    String path = facts.disk().get();
    long bytes = gib * Storage.GIB;
    if (!active) {
      new Storage(d.getConnect()).grow(path, bytes);
      return true;
    }
    try {
      d.blockResize(path, bytes, Storage.BLOCK_RESIZE_BYTES);
      return true;
    } catch (LibvirtException e) {
      rethrowIfLost(e);
      log.warn(
          "growing the disk of {} while it runs was refused: {}", facts.name(), Errors.message(e));
      return false;
    }
  }

  /** Balloons a running guest; false when it refuses or does not follow (no balloon driver). */
  private boolean setMemory(Domain d, long kib) throws LibvirtException, DriverException {
    try {
      d.setMemory(kib);
    } catch (LibvirtException e) {
      rethrowIfLost(e);
      log.debug("live memory change refused: {}", Errors.message(e));
      return false;
    }
    return readBack(() -> d.getInfo().memory == kib);
  }

  /** Hot-plugs or unplugs vcpus; false when the guest refuses (no ACPI, no guest support). */
  private boolean setVcpus(Domain d, int n) throws LibvirtException, DriverException {
    try {
      d.setVcpus(n);
    } catch (LibvirtException e) {
      rethrowIfLost(e);
      log.debug("live vcpu change refused: {}", Errors.message(e));
      return false;
    }
    return readBack(() -> d.getInfo().nrVirtCpu == n);
  }

  private boolean liveDescription(Domain d, String desc) throws LibvirtException {
    try {
      d.setMetadata(METADATA_DESCRIPTION, desc, null, null, AFFECT_LIVE);
      return true;
    } catch (LibvirtException e) {
      rethrowIfLost(e);
      log.debug("live description change refused: {}", Errors.message(e));
      return false;
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws LibvirtException;
  }

  private static boolean readBack(Check check) throws LibvirtException, DriverException {
    long deadline = System.nanoTime() + READ_BACK.toNanos();
    while (true) {
      if (check.ok()) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      sleep(POLL_MS);
    }
  }

  // --- lifecycle

  @Override
  public void start(String name) throws DriverException {
    withDomain(
        name,
        "start",
        d -> {
          RunState s = state(d.getInfo().state);
          switch (s) {
            case RUNNING, BLOCKED, PAUSED, PMSUSPENDED -> {
              return null;
            }
            case CRASHED -> destroyQuietly(d);
            default -> {}
          }
          d.create();
          return null;
        });
  }

  @Override
  public void resume(String name) throws DriverException {
    withDomain(
        name,
        "resume",
        d -> {
          RunState s = state(d.getInfo().state);
          switch (s) {
            case PAUSED -> d.resume();
            case PMSUSPENDED -> d.PMwakeup();
            case RUNNING, BLOCKED -> {}
            default ->
                throw new DriverException(
                    Kind.CONFLICT,
                    "libvirt: resume `" + name + "`: the guest is " + s.key() + ", not paused");
          }
          return null;
        });
  }

  @Override
  public boolean stop(String name, Duration timeout) throws DriverException {
    // missing, or a transient guest that went away when it stopped: nothing to stop
    return withDomainIfPresent(
        name,
        "stop",
        false,
        d -> {
          RunState s = state(d.getInfo().state);
          switch (s) {
            case SHUTOFF, NOSTATE -> {
              return false;
            }
            case CRASHED -> {
              destroyQuietly(d);
              return false;
            }
            case PAUSED -> d.resume(); // a paused guest cannot see the ACPI button
            case PMSUSPENDED -> d.PMwakeup();
            default -> {}
          }
          try {
            d.shutdown();
          } catch (LibvirtException e) {
            rethrowIfLost(e);
            if (!isActive(d)) {
              return false;
            }
            log.debug(
                "graceful shutdown of {} refused ({}); forcing it off", name, Errors.message(e));
            return destroyQuietly(d);
          }
          long deadline = System.nanoTime() + timeout.toNanos();
          while (System.nanoTime() < deadline) {
            if (!isActive(d)) {
              return false;
            }
            sleep(Math.min(POLL_MS, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
          }
          if (!isActive(d)) {
            return false;
          }
          return destroyQuietly(d);
        });
  }

  @Override
  public void destroy(String name) throws DriverException {
    withDomainIfPresent(name, "destroy", false, LibvirtDriver::destroyQuietly);
  }

  @Override
  public void unmark(String name) throws DriverException {
    withDomainIfPresent(
        name,
        "unmark",
        null,
        d -> {
          String xml = d.getXMLDesc(XML_INACTIVE | XML_SECURE);
          String stripped = DomainWriter.withoutMark(xml);
          if (!stripped.equals(xml)) {
            free(
                d.getConnect()
                    .domainDefineXML(
                        stripped)); // the persistent definition; a running guest is untouched
          }
          return null;
        });
  }

  /** What a remove undefined its guest with: the seed to delete, the record to drop after. */
  private record Removal(Optional<Path> seed, Optional<Intents.Step> intent) {}

  @Override
  public void remove(String name) throws DriverException {
    Removal removal =
        withDomainIfPresent(
            name,
            "remove",
            new Removal(Optional.empty(), Optional.empty()),
            d -> {
              String xml = d.getXMLDesc(XML_INACTIVE | XML_SECURE);
              List<Marks.Volume> volumes = parse(xml).volumes();
              Storage storage = new Storage(d.getConnect());
              Optional<String> refusal = notRemovable(name, volumes, storage);
              if (refusal.isPresent()) {
                throw new DriverException(Kind.TERMINAL, refusal.get());
              }
              Optional<Path> seed = CloudInitSeed.recorded(xml);
              if (remote) { // the seed is a volume of the hypervisor's: deleted as the disks are
                volumes = new ArrayList<>(volumes);
                SeedVolumes.volumeOf(storage, seed.orElseGet(() -> defaultSeed(name)), name)
                    .ifPresent(volumes::add);
                seed = Optional.empty();
              }
              Intents.Step intent =
                  intents.begin(name, Intents.REMOVE, volumes, seedToRemove(name, seed));
              destroyQuietly(d); // undefine would leave a running guest behind as a transient one
              TestHalt.at("remove:after-stop");
              undefine(d);
              TestHalt.at("remove:after-undefine");
              for (Marks.Volume v : volumes) {
                storage.delete(v); // exactly the volumes the mark says virtd made; nothing else
                TestHalt.at("remove:after-volume-delete");
              }
              return new Removal(seed, Optional.of(intent));
            });
    removeSeed(name, removal.seed());
    removal.intent().ifPresent(Intents.Step::done);
  }

  /** The seed {@link #removeSeed} deletes, for the intent record; none when there is none. */
  private List<Path> seedToRemove(String name, Optional<Path> recorded) {
    Path dir = seedDir;
    if (remote || (recorded.isEmpty() && dir == null)) {
      return List.of();
    }
    Path iso = recorded.orElseGet(() -> CloudInitSeed.isoPath(dir, name));
    return Files.exists(iso, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? List.of(iso) : List.of();
  }

  @Override
  public Optional<String> whyNotRemovable(String name) throws DriverException {
    return withDomainIfPresent(
        name,
        "remove",
        Optional.empty(),
        d ->
            notRemovable(
                name,
                parse(d.getXMLDesc(XML_INACTIVE | XML_SECURE)).volumes(),
                new Storage(d.getConnect())));
  }

  /**
   * Refuses while another guest uses one of the volumes virtd made for this one. A guest or volume
   * that cannot be read is thrown, not taken for "no user": the removal then fails, nothing
   * deleted.
   */
  private static Optional<String> notRemovable(
      String name, List<Marks.Volume> volumes, Storage storage) throws LibvirtException {
    if (volumes.isEmpty()) {
      return Optional.empty();
    }
    var paths = new HashSet<String>();
    volumes.forEach(v -> paths.add(v.path()));
    List<String> users = storage.guestsUsing(paths, name);
    return users.isEmpty()
        ? Optional.empty()
        : Optional.of(
            "libvirt: remove `"
                + name
                + "` refused: its disk is the base of "
                + String.join(", ", users)
                + " (a cow clone or an image overlay); remove those first. Nothing was"
                + " stopped or removed.");
  }

  private static void undefine(Domain d) throws LibvirtException {
    try {
      d.undefine(UNDEFINE_NVRAM | UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA);
    } catch (LibvirtException e) {
      if (!refusedFlags(e)) {
        throw e;
      }
      d.undefine();
    }
  }

  private static boolean refusedFlags(LibvirtException e) {
    return Errors.is(e, ErrorNumber.VIR_ERR_INVALID_ARG)
        || Errors.is(e, ErrorNumber.VIR_ERR_NO_SUPPORT)
        || Errors.is(e, ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED)
        || Errors.is(e, ErrorNumber.VIR_ERR_OPERATION_UNSUPPORTED);
  }

  /** Forces an active guest off; true when it was running. Already off is fine. */
  private static boolean destroyQuietly(Domain d) throws LibvirtException {
    if (!isActive(d) && state(d.getInfo().state) != RunState.CRASHED) {
      return false;
    }
    try {
      d.destroy();
      return true;
    } catch (LibvirtException e) {
      if (Errors.is(e, ErrorNumber.VIR_ERR_OPERATION_INVALID) && !isActive(d)) {
        return false;
      }
      throw e;
    }
  }

  private static boolean isActive(Domain d) throws LibvirtException {
    return state(d.getInfo().state).isActive();
  }

  // --- connection and plumbing

  @FunctionalInterface
  private interface DomainCall<T> {
    T apply(Domain d) throws LibvirtException, DriverException;
  }

  private <T> T withDomain(String name, String action, DomainCall<T> call) throws DriverException {
    return onDomain(name, action, call, false, null);
  }

  /**
   * As {@link #withDomain}, but a guest that is missing (or vanishes meanwhile) gives {@code
   * whenMissing}.
   */
  private <T> T withDomainIfPresent(String name, String action, T whenMissing, DomainCall<T> call)
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
      free(d);
    }
  }

  /**
   * A connection for one operation: the pool's (see {@link ConnectionPool}), or on {@code test:}
   * URIs the one connection, since {@code test:///PATH.xml} gives every connection its own copy of
   * the file's guests.
   */
  private ConnectionPool.Lease<Connect> lease() throws DriverException {
    Connect primary = connection(); // after a lost connection: connects again and resets the pool
    return pooled ? pool.lease() : ConnectionPool.Lease.unpooled(primary);
  }

  /** Connections open now: the events one and the pool's. For tests. */
  synchronized int openConnections() {
    return (conn != null ? 1 : 0) + pool.size(); // the pool stays empty on test: URIs
  }

  private synchronized Connect connection() throws DriverException {
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

  @Override
  public synchronized boolean ping() throws DriverException {
    try {
      connection().getLibVersion(); // a round trip to the daemon for remote URIs
    } catch (LibvirtException e) {
      throw fail(e, "ping " + uri, null);
    }
    boolean r = reconnected;
    reconnected = false;
    return r;
  }

  @Override
  public synchronized void watch(java.util.function.Consumer<String> onChange)
      throws DriverException {
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

  private DriverException fail(LibvirtException e, String action, String guest) {
    if (Errors.connectionLost(e)) {
      lost = true;
    }
    return Errors.classify(e, action, guest);
  }

  private void rethrowIfLost(LibvirtException e) throws LibvirtException {
    if (Errors.connectionLost(e)) {
      throw e;
    }
  }

  private static void sleep(long ms) throws DriverException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException(Kind.TRANSIENT, "libvirt: interrupted", e);
    }
  }

  private static void free(Domain d) {
    if (d == null) {
      return;
    }
    try {
      d.free();
    } catch (LibvirtException e) {
      log.debug("freeing a domain handle failed: {}", Errors.message(e));
    }
  }

  /** Closes every connection; leased ones are closed when given back. */
  private void closeQuietly() {
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

  @Override
  public synchronized void close() {
    closeQuietly();
    if (uri.startsWith("test:") && seedDir != null) {
      try (var files = Files.walk(seedDir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        // a scratch directory under the system's temporary directory: nothing to lose
      }
    }
  }
}
