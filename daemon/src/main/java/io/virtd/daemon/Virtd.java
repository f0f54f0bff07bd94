package io.virtd.daemon;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.config.Config;
import io.virtd.core.config.ConfigLoader;
import io.virtd.core.control.ControlReply;
import io.virtd.core.control.ControlRequest;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import io.virtd.core.program.Version;
import io.virtd.core.spi.Drivers;
import io.virtd.daemon.http.BearerToken;
import io.virtd.daemon.http.HttpEndpoint;
import io.virtd.daemon.http.Metrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code virtd}: keeps every guest converged. Triggers — manifest changes, driver events, the
 * schedule, maintenance windows opening, a driver coming back, {@code virtctl reconcile} — feed one
 * work queue keyed by resource name; each reconcile is level-triggered.
 *
 * <p>SIGTERM stops taking work, lets running steps finish (bounded) and exits 0. SIGHUP re-reads
 * the configuration; an invalid one is logged and the running one kept.
 */
@Command(
    name = "virtd",
    mixinStandardHelpOptions = true,
    versionProvider = Virtd.VersionText.class,
    description = "The virtd reconciler daemon (runs in the foreground; systemd does the rest).")
public final class Virtd implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(Virtd.class);

  /** How long SIGTERM waits for running steps; the unit's TimeoutStopSec is longer. */
  static final Duration DRAIN = Duration.ofSeconds(60);

  /**
   * How long a manifest must stay unchanged before it is read, by every path that reads it (the
   * watcher's debounce too), so that a file caught half-written is never applied.
   */
  static final Duration SETTLE = Duration.ofMillis(250);

  enum Request {
    STOP,
    RELOAD
  }

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "configuration file (default: ${DEFAULT-VALUE})")
  Path config = Config.DEFAULT_FILE;

  private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();

  /** Operators' holds outlive a configuration reload. */
  private final Holds holds = new Holds();

  private final Clock clock = Clock.systemUTC();

  /** systemd's notify protocol; a no-op without $NOTIFY_SOCKET. */
  SdNotify sd = SdNotify.fromEnvironment();

  /** Counters and gauges outlive configuration reloads. */
  private final Metrics metrics = new Metrics();

  /** The status page, API and metrics; empty with {@code http.listen: off}. */
  private Optional<HttpEndpoint> http = Optional.empty();

  /** Fleet mode's connection to etcd; null in directory mode. */
  private FleetMode fleet;

  /** What this host's key in etcd says; set by each run. */
  private final AtomicReference<java.util.function.Supplier<ObjectNode>> hostValue =
      new AtomicReference<>(() -> FleetMode.JSON.createObjectNode());

  private final Instant started = Instant.now();

  private int runs; // configurations run so far: the first started, the others reloaded

  /** What the last run knew of its drivers: status shows it until a reloaded run checks. */
  private Map<Drivers.Target, DriverHealth.State> driversKnown = Map.of();

  /** What SIGTERM does: stop taking work, let running steps finish, return 0. */
  void shutdown() {
    requests.add(Request.STOP);
  }

  /** What SIGHUP does. */
  void reload() {
    requests.add(Request.RELOAD);
  }

  @Override
  public Integer call() throws Exception {
    Optional<Config> first = loadConfig();
    if (first.isEmpty()) {
      return 1;
    }
    Config cfg = first.get();
    DesiredStore store = null;
    ControlServer control = null;
    try {
      while (true) {
        if (store == null || !sameSource(cfg)) {
          Optional<DesiredStore> next = openStore(cfg);
          if (next.isEmpty()) {
            if (store == null) {
              return 1;
            }
            log.error("keeping the running store");
          } else {
            store = next.get();
          }
        }
        if (control == null || !control.path().equals(cfg.socket())) {
          if (control != null) {
            control.close();
          }
          control = new ControlServer(cfg.socket(), Virtd::starting);
        }
        applyLogLevel(cfg.logLevel());
        if (!openHttp(cfg.http()) && runs == 0) {
          return 1;
        }
        if (run(cfg, store, control) == Request.STOP) {
          return 0;
        }
        log.info("SIGHUP: reloading {}", config);
        Optional<Config> next = loadConfig();
        if (next.isPresent()) {
          cfg = next.get();
        } else {
          log.error("{} is invalid: keeping the running configuration", config);
          sd.status("configuration reload failed; running with the previous one");
        }
      }
    } finally {
      if (control != null) {
        control.close();
      }
      http.ifPresent(HttpEndpoint::close);
      closeFleet();
    }
  }

  /** Whether the running store reads what {@code cfg} says. */
  private boolean sameSource(Config cfg) {
    if (fleet == null) {
      return cfg.store().isEmpty() && manifestsRead.equals(cfg.manifests());
    }
    return fleet.serves(cfg);
  }

  private Path manifestsRead = Path.of("");

  /** The store {@code cfg} names; empty (logged) when it cannot be used. */
  private Optional<DesiredStore> openStore(Config cfg) {
    if (cfg.store().isEmpty()) {
      closeFleet();
      manifestsRead = cfg.manifests();
      return Optional.of(new DesiredStore(cfg.manifests(), SETTLE));
    }
    Optional<FleetMode> next = FleetMode.open(cfg, config, () -> hostValue.get().get(), clock);
    if (next.isEmpty()) {
      return Optional.empty();
    }
    closeFleet();
    manifestsRead = Path.of("");
    fleet = next.get();
    fleet.start();
    return Optional.of(fleet.store());
  }

  private void closeFleet() {
    if (fleet != null) {
      fleet.close();
      fleet = null;
    }
  }

  /**
   * Opens the HTTP endpoint unless it already listens as {@code want} says (then it re-reads the
   * token file); false (logged) when it cannot, in which case a reload keeps what it had.
   */
  private boolean openHttp(Config.Http want) {
    try {
      if (http.isPresent() && http.get().config().equals(want)) {
        http.get().rereadToken(config);
        return true;
      }
      if (http.isEmpty() && want.listen().isEmpty()) {
        return true;
      }
      Optional<HttpEndpoint> next = HttpEndpoint.open(want, config, metrics);
      http.ifPresent(HttpEndpoint::close);
      http = next;
      return true;
    } catch (BearerToken.Refused e) {
      log.error("{}", e.problem);
      return false;
    }
  }

  /** The socket's answer before the first pass is set up. */
  private static ControlReply starting(ControlRequest request) {
    return new ControlReply.Refused("virtd is starting; try again in a moment");
  }

  private Optional<Config> loadConfig() {
    Optional<Problem> unsafe =
        ManifestLoader.permissionProblem(config, ManifestLoader.Permissions.REFUSE);
    if (unsafe.isPresent()) {
      log.error("{}", unsafe.get());
      return Optional.empty();
    }
    ConfigLoader.Result r = ConfigLoader.load(config, config.equals(Config.DEFAULT_FILE));
    for (Problem p : r.problems()) {
      log.error("{}", p);
    }
    return r.ok() ? Optional.of(r.config()) : Optional.empty();
  }

  /** Runs with {@code cfg} until a signal; tears everything down before returning it. */
  private Request run(Config cfg, DesiredStore store, ControlServer control) throws Exception {
    applyLogLevel(cfg.logLevel());
    Controller.Context context =
        new Controller.Context(
            holds,
            clock,
            metrics,
            http,
            sd,
            driversKnown,
            Optional.ofNullable(fleet),
            hostValue,
            started,
            runs++ == 0);
    try (Controller c = new Controller(cfg, store, control, context)) {
      c.start();
      Request r = requests.take();
      driversKnown = c.drain(r);
      return r;
    }
  }

  /**
   * The targets whose health status shows: those the manifests use, or, with no guest at all, the
   * configuration's {@code connect}, so an empty host still says whether its hypervisor answers.
   */
  static Set<Drivers.Target> healthTargets(Config cfg, DesiredStore store, Drivers drivers) {
    Set<Drivers.Target> used =
        store.specs().stream()
            .map(drivers::targetOf)
            .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    return used.isEmpty()
        ? Set.of(new Drivers.Target(io.virtd.core.manifest.DriverKind.LIBVIRT, cfg.connect()))
        : used;
  }

  /**
   * The configuration's log_level, unless VIRTD_LOG_LEVEL says otherwise (an operator debugging).
   */
  private static void applyLogLevel(String level) {
    String env = System.getenv("VIRTD_LOG_LEVEL");
    String chosen = env != null && !env.isBlank() ? env : level;
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)
        instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(Level.toLevel(chosen, Level.INFO));
    }
  }

  @SuppressWarnings("restriction")
  private static void onSignals(Virtd virtd) {
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> virtd.shutdown());
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> virtd.shutdown());
    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> virtd.reload());
  }

  public static void main(String[] args) {
    Virtd virtd = new Virtd();
    onSignals(virtd);
    System.exit(new CommandLine(virtd).execute(args));
  }

  /** {@code virtd --version}: the version the build wrote into the jar. */
  static final class VersionText implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"virtd " + Version.get()};
    }
  }
}
