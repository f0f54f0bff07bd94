package io.virtd.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.config.Config;
import io.virtd.core.program.Version;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.Drivers;
import io.virtd.core.spi.VmDriver;
import io.virtd.daemon.Virtd.Request;
import io.virtd.daemon.http.HttpEndpoint;
import io.virtd.daemon.http.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configuration at work: its drivers, reconciler, work queue, schedule and driver health, wired
 * to the desired store and the control socket. {@link #start} sets it going; {@link #drain} stops
 * taking work and lets the steps under way finish; {@link #close} releases what is left. A SIGHUP
 * drains one controller and starts the next.
 */
final class Controller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Controller.class);
  static final Duration DRAIN = Virtd.DRAIN;
  static final Duration SETTLE = Virtd.SETTLE;

  /** What outlives a controller: the daemon's own state, handed to each one. */
  record Context(
      Holds holds,
      Clock clock,
      Metrics metrics,
      Optional<HttpEndpoint> http,
      SdNotify sd,
      Map<Drivers.Target, DriverHealth.State> driversKnown,
      Optional<FleetMode> fleet,
      AtomicReference<Supplier<ObjectNode>> hostValue,
      Instant started,
      boolean first) {}

  private final Config cfg;
  private final DesiredStore store;
  private final ControlServer control;
  private final Holds holds;
  private final Clock clock;
  private final Metrics metrics;
  private final Optional<HttpEndpoint> http;
  private final SdNotify sd;
  private final Map<Drivers.Target, DriverHealth.State> driversKnown;
  private final Optional<FleetMode> fleet;
  private final AtomicReference<Supplier<ObjectNode>> hostValue;
  private final Instant started;
  private final boolean first;

  private ScheduledExecutorService timer;
  private ScheduledExecutorService healthThread;
  private Drivers drivers;
  private Reconciler reconciler;
  private WorkQueue queue;
  private DriverHealth health;

  Controller(Config cfg, DesiredStore store, ControlServer control, Context c) {
    this.cfg = cfg;
    this.store = store;
    this.control = control;
    this.holds = c.holds();
    this.clock = c.clock();
    this.metrics = c.metrics();
    this.http = c.http();
    this.sd = c.sd();
    this.driversKnown = c.driversKnown();
    this.fleet = c.fleet();
    this.hostValue = c.hostValue();
    this.started = c.started();
    this.first = c.first();
  }

  /** Sets everything going: the first full pass, the schedule, events, health, the socket. */
  void start() throws Exception {
    store.trackGone(cfg.prune());
    ZoneId zone = ZoneId.systemDefault();
    PassSchedule schedule = new PassSchedule(cfg.schedule(), zone);
    Optional<MaintenanceWindow> window =
        cfg.maintenanceWindow().map(w -> new MaintenanceWindow(w, zone));
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> WorkQueue.daemonThread(r, "virtd-schedule"));
    healthThread =
        Executors.newSingleThreadScheduledExecutor(r -> WorkQueue.daemonThread(r, "virtd-health"));
    drivers = new Drivers(cfg);
    Executor executor =
        new Executor(cfg.owner(), new GuestLocks(cfg.lockDir()), Duration.ofMinutes(5));
    reconciler =
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
    queue =
        new WorkQueue(
            cfg.workers(), Duration.ofSeconds(1), Duration.ofMinutes(5), reconciler::reconcile);
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
                      log.info("resource={} manifest removed: guest left as it is (unmanaged)", n);
                    }
                  });
        };
    reload.set(reloadManifests);
    HostPass hostPass =
        new HostPass(
            store,
            drivers,
            executor,
            () ->
                new io.virtd.core.plan.PlanPolicy(
                    cfg.owner(),
                    java.util.Set.of(),
                    window.map(w -> w.isOpen(clock.instant())).orElse(true),
                    java.util.Set.copyOf(cfg.formerOwners())));
    Runnable fullPass =
        () -> {
          metrics.fullPass(clock.instant());
          reloadManifests.run();
          hostPass.run(); // networks and pools first: guests may need them
          // a failing guest is left to its backoff; a terminal one waits for its manifest
          store.names().forEach(queue::addUnlessFailing);
          if (cfg.prune()) {
            store.goneNames().forEach(queue::addUnlessFailing);
          }
        };
    health =
        new DriverHealth(
            drivers,
            () -> Virtd.healthTargets(cfg, store, drivers),
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
    // until the next run replaces it, this one answers, also while it drains on SIGHUP
    Control answers =
        new Control(store, reconciler, queue::add, () -> health.states().values())
            .showingStore(() -> fleet.map(FleetMode::state));
    hostValue.set(() -> FleetMode.hostJson(reconciler, health, metrics, started));
    fleet.ifPresent(
        f ->
            healthThread.scheduleWithFixedDelay(
                () -> f.publish(reconciler, health), 1, 2, TimeUnit.SECONDS));
    control.handleWith(answers);
    http.ifPresent(h -> h.serveWith(answers, () -> overdue(schedule)));
    http.ifPresent(h -> h.showFleet(fleet.map(FleetMode::reader)));
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
        first ? "started" : "reloaded",
        store.describe(),
        cfg.owner(),
        schedule.describe(),
        cfg.maintenanceWindow()
            .map(w -> ", restarts in maintenance windows `" + w.cron() + "` for " + w.duration())
            .orElse(""),
        cfg.prune() ? "after " + cfg.pruneGrace() : "off");
    sd.ready();
    sd.status("watching " + store.describe() + "; full pass " + schedule.describe());
  }

  /**
   * Stops taking work and lets the steps under way finish (bounded by {@link #DRAIN}); returns what
   * it knew of its drivers, for the next controller.
   */
  Map<Drivers.Target, DriverHealth.State> drain(Request r) throws InterruptedException {
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
    Map<Drivers.Target, DriverHealth.State> known = health.states();
    if (!queue.shutdown(DRAIN)) {
      log.warn("steps still running after {} s; leaving them", DRAIN.toSeconds());
    }
    return known;
  }

  @Override
  public void close() {
    store.source().close();
    if (drivers != null) {
      drivers.close();
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    if (healthThread != null) {
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
}
