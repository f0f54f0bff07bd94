package io.virtd.daemon;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.cli.Version;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.config.Config;
import io.virtd.core.config.ConfigLoader;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.VmDriver;
import io.virtd.daemon.http.BearerToken;
import io.virtd.daemon.http.HttpEndpoint;
import io.virtd.daemon.http.Metrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    versionProvider = Version.class,
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
      new AtomicReference<>(() -> ControlServer.JSON.createObjectNode());

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
  private static ObjectNode starting(String cmd, List<String> names) {
    return ControlServer.JSON
        .createObjectNode()
        .put("ok", false)
        .put("error", "virtd is starting; try again in a moment");
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
    store.trackGone(cfg.prune());
    ZoneId zone = ZoneId.systemDefault();
    PassSchedule schedule = new PassSchedule(cfg.schedule(), zone);
    Optional<MaintenanceWindow> window =
        cfg.maintenanceWindow().map(w -> new MaintenanceWindow(w, zone));
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> WorkQueue.daemonThread(r, "virtd-schedule"));
    ScheduledExecutorService healthThread =
        Executors.newSingleThreadScheduledExecutor(r -> WorkQueue.daemonThread(r, "virtd-health"));
    try (Drivers drivers = new Drivers(cfg)) {
      Executor executor =
          new Executor(cfg.owner(), new GuestLocks(cfg.lockDir()), Duration.ofMinutes(5));
      Reconciler reconciler =
          new Reconciler(
              store,
              drivers,
              executor,
              cfg.owner(),
              java.util.Set.copyOf(cfg.formerOwners()),
              () -> window.map(w -> w.isOpen(clock.instant())).orElse(true),
              clock,
              holds,
              new Reconciler.Prune(cfg.prune(), cfg.pruneGrace()));
      WorkQueue queue =
          new WorkQueue(
              cfg.workers(), Duration.ofSeconds(1), Duration.ofMinutes(5), reconciler::reconcile);
      reconciler.attach(queue);
      reconciler.tell(metrics);
      queue.tell(metrics);
      drivers.onOpen(VmDriver::finishInterrupted);
      drivers.onOpen(
          d -> {
            try {
              d.watch(
                  name -> {
                    if (store.get(name).isPresent()) {
                      log.debug("resource={} lifecycle event", name);
                      queue.add(name);
                    }
                  });
            } catch (DriverException e) {
              log.warn(
                  "{} {}: no events ({}); scheduled passes still catch drift",
                  d.kind(),
                  d.target(),
                  e.getMessage());
            }
          });
      AtomicReference<Runnable> reload = new AtomicReference<>();
      AtomicBoolean rereadPending = new AtomicBoolean();
      Runnable reloadManifests =
          () -> {
            var delta = store.reload(clock.instant());
            rereadOnceSettled(timer, delta, rereadPending, () -> reload.get().run());
            metrics.manifestProblems(store.problems().values().stream().mapToInt(List::size).sum());
            store.problems().forEach((f, ps) -> ps.forEach(p -> log.warn("{}", p)));
            delta
                .changed()
                .forEach(
                    n -> {
                      queue.forget(n);
                      queue.add(n);
                    });
            if (delta.emptied() && cfg.prune()) {
              log.warn(
                  "{} is another, empty directory now (unmounted?): its {} guest(s) are left as"
                      + " they are and not pruned; remove guests with ensure: absent",
                  store.describe(),
                  delta.removed().size());
            }
            delta
                .removed()
                .forEach(
                    n -> {
                      if (cfg.prune() && !delta.emptied()) {
                        log.info(
                            "resource={} manifest removed: pruned in {} s unless it comes back",
                            n,
                            cfg.pruneGrace().toSeconds());
                        queue.add(n);
                      } else {
                        reconciler.unmanaged(n);
                        log.info(
                            "resource={} manifest removed: guest left as it is (unmanaged)", n);
                      }
                    });
          };
      reload.set(reloadManifests);
      Runnable fullPass =
          () -> {
            metrics.fullPass(clock.instant());
            reloadManifests.run();
            // a failing guest is left to its backoff; a terminal one waits for its manifest
            store.names().forEach(queue::addUnlessFailing);
            if (cfg.prune()) {
              store.goneNames().forEach(queue::addUnlessFailing);
            }
          };
      DriverHealth health =
          new DriverHealth(
              drivers,
              () -> healthTargets(cfg, store, drivers),
              t -> {
                log.info("{}: full pass, events may have been missed", t.label());
                store.names().forEach(queue::forget); // their failures were the outage's
                fullPass.run();
              },
              clock,
              DriverHealth.PING_TIMEOUT,
              driversKnown);
      health.tell(metrics);
      reconciler.onReached(health::reached);
      store.source().watch(reloadManifests);
      try (DesiredSource watching = store.source()) {
        // until the next run replaces it, this one answers, also while it drains on SIGHUP
        Control answers =
            new Control(store, reconciler, queue::add, () -> health.states().values())
                .showingStore(() -> Optional.ofNullable(fleet).map(FleetMode::state));
        hostValue.set(() -> FleetMode.hostJson(reconciler, health, metrics, started));
        FleetMode publishing = fleet;
        if (publishing != null) {
          healthThread.scheduleWithFixedDelay(
              () -> publishing.publish(reconciler, health), 1, 2, TimeUnit.SECONDS);
        }
        control.handleWith(answers);
        http.ifPresent(h -> h.serveWith(answers, () -> overdue(schedule)));
        schedulePasses(timer, schedule, fullPass);
        window.ifPresent(w -> scheduleWindows(timer, w, fullPass));
        healthThread.scheduleWithFixedDelay(health::tick, 1, 1, TimeUnit.SECONDS);
        // pinged from the thread that runs the full passes: if it wedges, systemd restarts us
        sd.watchdogInterval()
            .ifPresent(
                i -> timer.scheduleAtFixedRate(sd::ping, 0, i.toMillis(), TimeUnit.MILLISECONDS));
        log.info(
            "virtd {} {}: manifests {}, owner {}, schedule {}{}, prune {}",
            Version.get(),
            runs++ == 0 ? "started" : "reloaded",
            store.describe(),
            cfg.owner(),
            schedule.describe(),
            cfg.maintenanceWindow()
                .map(
                    w -> ", restarts in maintenance windows `" + w.cron() + "` for " + w.duration())
                .orElse(""),
            cfg.prune() ? "after " + cfg.pruneGrace() : "off");
        sd.ready();
        sd.status("watching " + store.describe() + "; full pass " + schedule.describe());
        Request r = requests.take();
        if (r == Request.STOP) {
          sd.stopping();
        } else {
          sd.reloading();
        }
        log.info(
            "{}: no new work, no new step; waiting up to {} s for the steps under way",
            r == Request.STOP ? "stopping" : "reloading",
            DRAIN.toSeconds());
        reconciler.drain();
        http.ifPresent(h -> h.down(r == Request.STOP ? "stopping" : "reloading"));
        timer.shutdownNow();
        healthThread.shutdownNow();
        health.close();
        driversKnown = health.states();
        if (!queue.shutdown(DRAIN)) {
          log.warn("steps still running after {} s; leaving them", DRAIN.toSeconds());
        }
        return r;
      }
    } finally {
      timer.shutdownNow();
      healthThread.shutdownNow();
    }
  }

  /** Why the reconcile loop looks stuck: the next full pass is over a minute late. */
  private Optional<String> overdue(PassSchedule schedule) {
    Optional<Instant> last = metrics.lastFullPass();
    if (last.isEmpty()) {
      return Optional.of("no full pass has begun yet");
    }
    Instant due = last.get().plus(schedule.untilNext(last.get())).plus(Duration.ofMinutes(1));
    return clock.instant().isAfter(due)
        ? Optional.of("the full pass due at " + due + " has not begun")
        : Optional.empty();
  }

  /**
   * A file not settled yet keeps its last state: {@code reload} runs again once the settle time has
   * passed (once, however many reloads found files changing meanwhile).
   */
  private static void rereadOnceSettled(
      ScheduledExecutorService timer,
      DesiredStore.Delta delta,
      AtomicBoolean pending,
      Runnable reload) {
    if (delta.unsettled().isEmpty() || !pending.compareAndSet(false, true)) {
      return;
    }
    log.debug("{} changing: read again in {} ms", delta.unsettled(), SETTLE.toMillis());
    try {
      timer.schedule(
          () -> {
            pending.set(false);
            reload.run();
          },
          SETTLE.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      pending.set(false); // stopping or reloading: the next run reads everything again
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
   * Full passes: at once, then per the schedule (an interval after each pass, or each cron time).
   */
  private void schedulePasses(
      ScheduledExecutorService timer, PassSchedule schedule, Runnable fullPass) {
    timer.execute(
        new Runnable() {
          @Override
          public void run() {
            try {
              fullPass.run();
            } catch (RuntimeException e) {
              log.error("full pass failed: {}", e.toString());
            }
            if (!timer.isShutdown()) {
              timer.schedule(
                  this, schedule.untilNext(clock.instant()).toMillis(), TimeUnit.MILLISECONDS);
            }
          }
        });
  }

  /** A full pass when each maintenance window opens, so pending restarts run in it. */
  private void scheduleWindows(
      ScheduledExecutorService timer, MaintenanceWindow window, Runnable fullPass) {
    Instant now = clock.instant();
    window
        .nextOpening(now)
        .ifPresent(
            at ->
                timer.schedule(
                    () -> {
                      log.info("maintenance window open: restarts that wait for it may run");
                      fullPass.run();
                      scheduleWindows(timer, window, fullPass);
                    },
                    Math.max(0, Duration.between(now, at).toMillis()) + 50,
                    TimeUnit.MILLISECONDS));
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
}
