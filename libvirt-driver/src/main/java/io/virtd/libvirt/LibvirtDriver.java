package io.virtd.libvirt;

import static io.virtd.libvirt.Domains.destroyQuietly;
import static io.virtd.libvirt.Domains.free;
import static io.virtd.libvirt.Domains.isActive;
import static io.virtd.libvirt.Domains.state;
import static io.virtd.libvirt.Domains.undefine;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.VmDriver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guests of one libvirt URI ({@code qemu:///system}, {@code xen:///system}, {@code
 * test:///default}): the driver's methods, each on a connection of its own ({@link Connections}).
 * Guests are read by {@link Observer}, defined by {@link GuestCreation}, changed in place by {@link
 * LiveChanges}, started and stopped by {@link GuestLifecycle}; their cloud-init seeds are {@link
 * SeedFiles}'.
 */
public final class LibvirtDriver implements VmDriver {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  static final int XML_SECURE = 1;
  static final int XML_INACTIVE = 2;
  static final int UNDEFINE_MANAGED_SAVE = 1;
  static final int UNDEFINE_SNAPSHOTS_METADATA = 2;
  static final int UNDEFINE_NVRAM = 4;

  private final String uri;

  /** The hypervisor is another machine: its files are reached through libvirt only. */
  private final boolean remote;

  private final Intents intents;

  private final Connections connections;
  private final SeedFiles seeds;
  private final Observer observer;
  private final GuestCreation creation;
  private final LiveChanges live;
  private final GuestLifecycle lifecycle;
  private final LibvirtHostResources hosts;
  private final Path storageDir;

  private LibvirtDriver(
      String uri,
      boolean keepAlive,
      Host host,
      Path storageDir,
      String owner,
      boolean recordIntents) {
    this.uri = uri;
    this.storageDir = storageDir;
    this.remote = isRemote(uri);
    this.connections = new Connections(uri, keepAlive);
    this.seeds = new SeedFiles(uri, storageDir, connections);
    this.observer = new Observer(connections);
    this.live = new LiveChanges(observer::parse);
    this.lifecycle = new GuestLifecycle(connections, observer);
    this.creation = new GuestCreation(remote, storageDir, host, seeds, connections);
    this.hosts =
        new LibvirtHostResources(
            connections,
            uri.startsWith("test:")
                ? PoolMarks.inMemory()
                : new PoolMarks(storageDir.resolve(PoolMarks.DIRECTORY)),
            remote,
            uri.startsWith("test:"));
    this.intents =
        recordIntents
            ? new Intents(storageDir.resolve(Intents.DIRECTORY), owner, uri)
            : Intents.none(owner, uri);
  }

  /** Connects to {@code uri}; a hypervisor that cannot be reached makes the driver unavailable. */
  static LibvirtDriver open(String uri, Config config) throws DriverException {
    return open(
        uri, config, !uri.startsWith("test:")); // the test hypervisor's storage is make-believe
  }

  /**
   * Connects as {@link #open(String, Config)} does; {@code recordIntents} also on libvirt's test
   * hypervisor, for tests of interrupted steps there.
   */
  static LibvirtDriver open(String uri, Config config, boolean recordIntents)
      throws DriverException {
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
            Host.local(),
            config.storageDir().toAbsolutePath().normalize(),
            config.owner(),
            recordIntents);
    d.connections.connection();
    return d;
  }

  /**
   * Rolls back or finishes the creates, updates and removes that processes of this owner, now gone,
   * left half-done ({@link Intents}).
   */
  @Override
  public void finishInterrupted() {
    try (ConnectionPool.Lease<Connect> c = lease()) {
      intents.recover(c.connection(), Optional.empty());
    } catch (DriverException | RuntimeException e) {
      log.warn(
          "{}: interrupted creates, updates and removes not finished now: {}", uri, e.getMessage());
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
  public Optional<io.virtd.core.spi.HostResources> hostResources() {
    return Optional.of(hosts);
  }

  @Override
  public Capabilities capabilities() {
    return LibvirtCapabilities.TABLE;
  }

  @Override
  public List<String> preflight(VmSpec spec) {
    return preflight(spec, Set.of());
  }

  @Override
  public List<String> preflight(VmSpec spec, Set<Path> poolDirectories) {
    List<String> out = new ArrayList<>(CreatePreflight.problems(spec, uri, poolDirectories));
    if (remote) {
      try (ConnectionPool.Lease<Connect> c = lease()) {
        out.addAll(RemotePreflight.problems(spec, uri, c.connection()));
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
    return observe(name, false);
  }

  @Override
  public Optional<ObservedVm> observeWithAddresses(String name) throws DriverException {
    return observe(name, true);
  }

  private Optional<ObservedVm> observe(String name, boolean addresses) throws DriverException {
    Domain d = null;
    try (ConnectionPool.Lease<Connect> c = lease()) {
      d = c.connection().domainLookupByName(name);
      return Optional.of(observer.one(d, addresses));
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
      return observer.all(c.connection(), false);
    }
  }

  @Override
  public Map<String, ObservedVm> observeAllWithAddresses() throws DriverException {
    try (ConnectionPool.Lease<Connect> c = lease()) {
      return observer.all(c.connection(), true);
    }
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
      creation.create(c, spec, mark, intent);
    } finally {
      intent.done();
    }
  }

  static boolean isRemote(String uri) {
    try {
      String h = java.net.URI.create(uri).getHost();
      return h != null && !h.isEmpty();
    } catch (IllegalArgumentException e) {
      return true;
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
    // an update of it killed between making an added disk's volume and its define
    intents.recover(c, Optional.of(spec.name()));
    Intents.Step intent = intents.begin(spec.name(), Intents.UPDATE, List.of(), List.of());
    try {
      return update(c, spec, changes, mark, intent);
    } finally {
      intent.done();
    }
  }

  private Set<Field> update(
      Connect c, VmSpec spec, List<FieldChange> changes, OwnershipMark mark, Intents.Step intent)
      throws DriverException {
    String name = spec.name();
    Domain d = null;
    try {
      d = c.domainLookupByName(name);
      String inactive = d.getXMLDesc(XML_INACTIVE | XML_SECURE);
      DeviceAdds adds =
          DeviceAdds.prepare(
              name,
              changes,
              new Storage(c, intent::volume, remote),
              storageDir,
              observer.parse(inactive).volumes());
      TestHalt.at("update:after-volumes");
      changes = adds.changes();
      String edited;
      try {
        edited =
            DomainWriter.edit(
                inactive, spec, changes, mark, creation.host(c), adds.markValues(), adds.volumes());
      } catch (DomainWriter.Unsupported e) {
        adds.discard();
        throw new DriverException(
            Kind.TERMINAL, "libvirt: update `" + name + "`: " + e.getMessage(), e);
      }
      Optional<Path> oldSeed = Optional.empty();
      if (CloudInitSeed.touches(changes)) {
        edited = seeds.seed(c, spec, edited, "update", intent).xml();
        TestHalt.at("update:after-seed");
        Path now = SeedFiles.seedOf(edited);
        oldSeed = CloudInitSeed.recorded(inactive).filter(p -> !p.equals(now));
      }
      try {
        free(c.domainDefineXML(edited));
      } catch (LibvirtException e) {
        adds.discard();
        throw e;
      }
      TestHalt.at("update:after-define");
      if (oldSeed.isPresent()) {
        seeds.deleteQuietly(name, oldSeed); // written under an earlier storage_dir: replaced now
      }
      boolean active = state(d.getInfo().state).isActive();
      return live.apply(d, active, inactive, changes);
    } catch (LibvirtException e) {
      throw fail(e, "update", name);
    } finally {
      free(d);
    }
  }

  // --- lifecycle

  @Override
  public void start(String name) throws DriverException {
    lifecycle.start(name);
  }

  @Override
  public void resume(String name) throws DriverException {
    lifecycle.resume(name);
  }

  @Override
  public boolean stop(String name, Duration timeout) throws DriverException {
    return lifecycle.stop(name, timeout);
  }

  @Override
  public void destroy(String name) throws DriverException {
    lifecycle.destroy(name);
  }

  @Override
  public void unmark(String name) throws DriverException {
    connections.withDomainIfPresent(
        name,
        "unmark",
        null,
        d -> {
          String xml = d.getXMLDesc(XML_INACTIVE | XML_SECURE);
          String stripped = Marks.without(xml);
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
        connections.withDomainIfPresent(
            name,
            "remove",
            new Removal(Optional.empty(), Optional.empty()),
            d -> {
              String xml = d.getXMLDesc(XML_INACTIVE | XML_SECURE);
              List<Marks.Volume> volumes = observer.parse(xml).volumes();
              Storage storage = new Storage(d.getConnect());
              Optional<String> refusal = notRemovable(name, volumes, storage);
              if (refusal.isPresent()) {
                throw new DriverException(Kind.TERMINAL, refusal.get());
              }
              Optional<Path> seed = CloudInitSeed.recorded(xml);
              if (remote) { // the seed is a volume of the hypervisor's: deleted as the disks are
                volumes = new ArrayList<>(volumes);
                SeedVolumes.volumeOf(storage, seed.orElseGet(() -> seeds.defaultSeed(name)), name)
                    .ifPresent(volumes::add);
                seed = Optional.empty();
              }
              Intents.Step intent =
                  intents.begin(name, Intents.REMOVE, volumes, seeds.toRemove(name, seed));
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
    seeds.remove(name, removal.seed());
    removal.intent().ifPresent(Intents.Step::done);
  }

  @Override
  public Optional<String> whyNotRemovable(String name) throws DriverException {
    return connections.withDomainIfPresent(
        name,
        "remove",
        Optional.empty(),
        d ->
            notRemovable(
                name,
                observer.parse(d.getXMLDesc(XML_INACTIVE | XML_SECURE)).volumes(),
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

  // --- connection and plumbing

  private ConnectionPool.Lease<Connect> lease() throws DriverException {
    return connections.lease();
  }

  private DriverException fail(LibvirtException e, String action, String guest) {
    return connections.fail(e, action, guest);
  }

  /** Connections open now: the events one and the pool's. For tests. */
  int openConnections() {
    return connections.openConnections();
  }

  @Override
  public boolean ping() throws DriverException {
    return connections.ping();
  }

  @Override
  public void watch(java.util.function.Consumer<String> onChange) throws DriverException {
    connections.watch(onChange);
  }

  @Override
  public synchronized void close() {
    connections.closeQuietly();
    seeds.close();
  }
}
