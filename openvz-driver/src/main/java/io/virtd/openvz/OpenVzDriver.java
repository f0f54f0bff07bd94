package io.virtd.openvz;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.OwnershipMark;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.SecretDigest;
import io.virtd.core.spi.VmDriver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * OpenVZ containers through {@code vzctl} and {@code vzlist} (legacy OpenVZ, vzctl 4.x; Virtuozzo
 * 7's vzctl for {@code noatime}). A resource is the container whose {@code NAME} is the resource
 * name; it gets CTID {@link Ctids#of}. Observing costs one {@code vzlist} call plus reading the
 * {@code CTID.conf} files; every change of one container is one {@code vzctl set … --save}. Exit
 * codes are classified in {@link VzErrors}; a {@code user} password goes only into the argv of that
 * one call and is never logged or kept (see {@link VzMarkLines}).
 */
public final class OpenVzDriver implements VmDriver {
  static final Duration LIST_TIMEOUT = Duration.ofSeconds(60);
  static final Duration SET_TIMEOUT = Duration.ofMinutes(10);
  static final Duration CREATE_TIMEOUT = Duration.ofMinutes(30);
  static final Duration START_TIMEOUT = Duration.ofMinutes(10);
  static final Duration KILL_TIMEOUT = Duration.ofMinutes(5);
  static final Duration DESTROY_TIMEOUT = Duration.ofMinutes(30);

  /** The fields whose manifest spelling is kept in {@code #virtd-written} (vzctl rewrites them). */
  static final Set<Field> WRITTEN =
      Set.of(
          Field.IPADDR,
          Field.NAMESERVER,
          Field.FEATURES,
          Field.CAPABILITY,
          Field.DEVICES,
          Field.IPTABLES,
          Field.RESOURCES_PARAMETERS);

  private final VzArgs args;
  private final Path confDir;
  private final VzRunner runner;
  private final Clock clock;

  private final VzContainers containers;

  public OpenVzDriver(Config config, VzRunner runner, Clock clock) {
    this.args = new VzArgs(config.vzctl().toString(), config.vzlist().toString());
    this.confDir = config.vzConfDir();
    this.runner = runner;
    this.clock = clock;
    this.containers = new VzContainers(args, confDir, runner);
  }

  @Override
  public DriverKind kind() {
    return DriverKind.OPENVZ;
  }

  @Override
  public String target() {
    return "local";
  }

  @Override
  public Capabilities capabilities() {
    return OpenVzCapabilities.TABLE;
  }

  @Override
  public Map<String, ObservedVm> observeAll() throws DriverException {
    long at = clock.millis();
    Map<String, ObservedVm> out = new LinkedHashMap<>();
    for (VzList.Entry e : containers.list(OptionalLong.empty())) {
      Optional<VzConfigFile> conf = containers.readConf(e.ctid());
      if (conf.isPresent()) {
        ObservedVm vm = VzObservation.build(conf.get(), e, at);
        out.putIfAbsent(vm.name(), vm);
      }
    }
    return out;
  }

  @Override
  public Optional<ObservedVm> observe(String name) throws DriverException {
    Optional<VzConfigFile> conf = containers.find(name);
    if (conf.isEmpty()) {
      return Optional.empty();
    }
    long at = clock.millis();
    List<VzList.Entry> e = containers.list(OptionalLong.of(conf.get().ctid()));
    if (e.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(VzObservation.build(conf.get(), e.get(0), at));
  }

  /** A CTID another container has is a plan error at {@code id} (or the name it derives from). */
  @Override
  public List<String> preflight(VmSpec spec) {
    long ctid = Ctids.of(spec);
    try {
      Optional<VzConfigFile> taken = containers.readConf(ctid);
      if (taken.isEmpty() || taken.get().name().equals(Optional.of(spec.name()))) {
        return List.of();
      }
      String by =
          taken.get().name().map(n -> "container `" + n + "`").orElse("an unnamed container");
      return List.of(
          (spec.isSet(Field.ID) ? spec.origin(Field.ID) : spec.origin())
              + ": CTID "
              + ctid
              + (spec.isSet(Field.ID)
                  ? ""
                  : " (derived from the name; set `id:` to choose another)")
              + " is taken by "
              + by);
    } catch (DriverException e) {
      return List.of(); // the create reports it
    }
  }

  @Override
  public void create(VmSpec spec, OwnershipMark mark) throws DriverException {
    long ctid = Ctids.of(spec);
    Optional<VzConfigFile> same = containers.find(spec.name());
    if (same.isPresent()) {
      throw new DriverException(
          Kind.CONFLICT,
          "openvz: a container named `"
              + spec.name()
              + "` already exists (CTID "
              + same.get().ctid()
              + ")");
    }
    Optional<VzConfigFile> taken = containers.readConf(ctid);
    if (taken.isPresent()) {
      String by =
          taken.get().name().map(n -> "container `" + n + "`").orElse("an unnamed container");
      String why =
          spec.isSet(Field.ID)
              ? "given by `id`"
              : "derived from the name; set `id:` to choose another";
      throw new DriverException(
          Kind.CONFLICT,
          "openvz: cannot create `"
              + spec.name()
              + "`: CTID "
              + ctid
              + " ("
              + why
              + ") is taken by "
              + by);
    }
    List<String> options = options(spec.name(), () -> VzArgs.afterCreateOptions(spec));
    exec(args.create(ctid, spec), CREATE_TIMEOUT, spec.name());
    VzMarkLines lines =
        new VzMarkLines(Optional.of(mark), Optional.empty(), written(spec), Optional.empty());
    writeLines(ctid, lines, spec.name());
    if (!options.isEmpty()) {
      exec(args.set(ctid, options), SET_TIMEOUT, spec.name());
    }
    if (spec.isSet(Field.USER)) {
      Optional<SecretDigest> user =
          Optional.of(SecretDigest.of(spec.string(Field.USER).orElseThrow()));
      writeLines(
          ctid,
          new VzMarkLines(lines.mark(), user, lines.written(), Optional.empty()),
          spec.name());
    }
  }

  @Override
  public Set<Field> update(
      VmSpec spec, ObservedVm current, List<FieldChange> changes, OwnershipMark mark)
      throws DriverException {
    long ctid =
        current.persistent().get(Field.ID) instanceof Number n
            ? n.longValue()
            : containers.require(spec.name()).ctid();
    VzConfigFile conf =
        containers
            .readConf(ctid)
            .orElseThrow(
                () ->
                    new DriverException(
                        Kind.NOT_FOUND, "openvz: container `" + spec.name() + "` disappeared"));
    VzMarkLines old = VzMarkLines.parse(conf.virtdLines());
    List<String> options =
        options(spec.name(), () -> VzArgs.updateOptions(changes, VzObservation.ifnames(conf)));
    boolean running = current.state() == RunState.RUNNING;
    Set<Field> unhonoured = new LinkedHashSet<>();
    if (!options.isEmpty()) {
      VzResult r = exec(args.set(ctid, options), SET_TIMEOUT, spec.name());
      if (running) {
        Set<Field> deferred = deferredByVzctl(r.stderr());
        for (FieldChange c : changes) {
          if (c.mutability() == Mutability.LIVE && deferred.contains(c.field())) {
            unhonoured.add(c.field());
          }
        }
      }
    }
    Optional<SecretDigest> user = old.user();
    boolean userChanged = changes.stream().anyMatch(c -> c.field() == Field.USER);
    if (userChanged) {
      user = Optional.of(SecretDigest.of(spec.string(Field.USER).orElseThrow()));
    }
    Optional<VzMarkLines.Pending> pending =
        running ? pending(old, current, changes, unhonoured) : Optional.empty();
    writeLines(ctid, new VzMarkLines(Optional.of(mark), user, written(spec), pending), spec.name());
    return unhonoured;
  }

  /**
   * The restart-only values the running container still has: those already pending (and still
   * observed as such), plus the old value of every restart-only field this flush saved.
   */
  private Optional<VzMarkLines.Pending> pending(
      VzMarkLines old, ObservedVm current, List<FieldChange> changes, Set<Field> unhonoured) {
    Map<Field, List<String>> booted = new EnumMap<>(Field.class);
    old.pending()
        .ifPresent(
            p ->
                p.booted()
                    .forEach(
                        (f, v) -> {
                          if (current.live().containsKey(f)) {
                            booted.put(f, v);
                          }
                        }));
    for (FieldChange c : changes) {
      boolean waits = c.mutability() == Mutability.RESTART || unhonoured.contains(c.field());
      if (waits && VzObservation.RESTART_ONLY.contains(c.field())) {
        booted.putIfAbsent(c.field(), items(c.before()));
      }
    }
    return booted.isEmpty()
        ? Optional.empty()
        : Optional.of(new VzMarkLines.Pending(clock.millis(), booted));
  }

  private static List<String> items(Object v) {
    if (v instanceof List<?> l) {
      return l.stream().map(Object::toString).toList();
    }
    return v == null ? List.of() : List.of(v.toString());
  }

  /** The fields vzctl saved but did not apply to the running container, from its warnings. */
  static Set<Field> deferredByVzctl(String stderr) {
    Set<Field> s = new LinkedHashSet<>();
    if (stderr.contains("Unable to set capability on a running container")) {
      s.add(Field.CAPABILITY);
    }
    if (stderr.contains("Unable to set iptables/netfilter on a running container")) {
      s.add(Field.IPTABLES);
    }
    if (stderr.contains("Unable to set features on a running container")) {
      s.add(Field.FEATURES);
    }
    if (stderr.contains("second-level disk quota on a running container")) {
      s.add(Field.QUOTAUGIDLIMIT);
    }
    return s;
  }

  @Override
  public void start(String name) throws DriverException {
    long ctid = containers.require(name).ctid();
    VzCommand cmd = VzCommand.of(args.start(ctid), START_TIMEOUT);
    VzResult r = runner.run(cmd);
    if (r.exit() != 0 && r.exit() != VzErrors.RUNNING) { // 32: already running, as asked
      throw VzErrors.failure(cmd, r, describe(name, ctid));
    }
  }

  @Override
  public void resume(String name) throws DriverException {
    long ctid = containers.require(name).ctid();
    List<VzList.Entry> e = containers.list(OptionalLong.of(ctid));
    if (!e.isEmpty() && VzObservation.state(e.get(0).status()) == RunState.PAUSED) {
      exec(args.resume(ctid), START_TIMEOUT, name);
    }
  }

  @Override
  public boolean stop(String name, Duration timeout) throws DriverException {
    Optional<VzConfigFile> conf = containers.find(name);
    if (conf.isEmpty()) {
      return false;
    }
    long ctid = conf.get().ctid();
    VzCommand cmd = VzCommand.of(args.stop(ctid), timeout);
    VzResult r;
    try {
      r = runner.run(cmd);
    } catch (VzTimeoutException e) {
      exec(args.kill(ctid), KILL_TIMEOUT, name);
      return true;
    }
    if (r.exit() == VzErrors.NO_CONFIG) {
      return false;
    }
    if (r.exit() != 0) { // a stopped container exits 0 ("Unable to stop: container is not running")
      throw VzErrors.failure(cmd, r, describe(name, ctid));
    }
    return r.stdout().contains("Killing container"); // vzctl's own stop timeout ran out
  }

  @Override
  public void destroy(String name) throws DriverException {
    Optional<VzConfigFile> conf = containers.find(name);
    if (conf.isPresent()) {
      execAllowing(args.kill(conf.get().ctid()), KILL_TIMEOUT, name, VzErrors.NO_CONFIG);
    }
  }

  @Override
  public void unmark(String name) throws DriverException {
    Optional<VzConfigFile> conf = containers.find(name);
    if (conf.isPresent() && !conf.get().virtdLines().isEmpty()) {
      writeLines(conf.get().ctid(), VzMarkLines.none(), name);
    }
  }

  @Override
  public void remove(String name) throws DriverException {
    Optional<VzConfigFile> conf = containers.find(name);
    if (conf.isEmpty()) {
      return;
    }
    long ctid = conf.get().ctid();
    VzCommand cmd = VzCommand.of(args.destroy(ctid), DESTROY_TIMEOUT);
    VzResult r = runner.run(cmd);
    if (r.exit() == VzErrors.RUNNING) {
      exec(args.kill(ctid), KILL_TIMEOUT, name);
      r = runner.run(cmd);
    } else if (r.exit() == 41) { // mounted: "umount first"
      exec(args.umount(ctid), KILL_TIMEOUT, name);
      r = runner.run(cmd);
    }
    if (r.exit() != 0 && r.exit() != VzErrors.NO_CONFIG) {
      throw VzErrors.failure(cmd, r, describe(name, ctid));
    }
  }

  @Override
  public void close() {}

  // ------------------------------------------------------------------ helpers

  private void writeLines(long ctid, VzMarkLines lines, String name) throws DriverException {
    try {
      VzConfigFile.writeVirtdLines(confDir, ctid, lines.lines());
    } catch (IOException e) {
      throw new DriverException(
          Kind.TRANSIENT,
          "openvz: cannot write the mark into "
              + VzConfigFile.path(confDir, ctid)
              + " ("
              + name
              + "): "
              + e.getMessage(),
          e);
    }
  }

  private static Map<Field, List<String>> written(VmSpec spec) {
    Map<Field, List<String>> w = new EnumMap<>(Field.class);
    for (Field f : WRITTEN) {
      if (spec.isSet(f)) {
        w.put(f, spec.list(f));
      }
    }
    return w;
  }

  private interface OptionsBuilder {
    List<String> build();
  }

  private static List<String> options(String name, OptionsBuilder b) throws DriverException {
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new DriverException(Kind.TERMINAL, "openvz: `" + name + "`: " + e.getMessage(), e);
    }
  }

  private VzResult exec(List<String> argv, Duration timeout, String name) throws DriverException {
    return execAllowing(argv, timeout, name);
  }

  private VzResult execAllowing(List<String> argv, Duration timeout, String name, int... alsoFine)
      throws DriverException {
    VzCommand cmd = VzCommand.of(argv, timeout);
    VzResult r = runner.run(cmd);
    if (r.exit() == 0 || java.util.Arrays.stream(alsoFine).anyMatch(x -> x == r.exit())) {
      return r;
    }
    throw VzErrors.failure(cmd, r, describe(name, Long.parseLong(argv.get(2))));
  }

  private static String describe(String name, long ctid) {
    return "container `" + name + "`, CTID " + ctid;
  }

  /** For tests: the argv builder this driver uses. */
  VzArgs args() {
    return args;
  }
}
