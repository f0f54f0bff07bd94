package io.virtd.daemon;

import io.virtd.cli.Version;
import io.virtd.core.apply.Executor;
import io.virtd.core.apply.GuestLocks;
import io.virtd.core.config.Config;
import io.virtd.core.config.ConfigLoader;
import io.virtd.core.manifest.Problem;
import io.virtd.core.spi.Drivers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code virtd}: keeps every guest converged. Triggers — manifest changes and the schedule — feed
 * one work queue keyed by resource name; each reconcile is level-triggered.
 */
@Command(name = "virtd", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "The virtd reconciler daemon (runs in the foreground; systemd does the rest).")
public final class Virtd implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(Virtd.class);

  @Option(names = "--config", paramLabel = "FILE", description = "configuration file (default: ${DEFAULT-VALUE})")
  Path config = Config.DEFAULT_FILE;

  private final CountDownLatch stop = new CountDownLatch(1);

  /** What SIGTERM does: stop taking work, let running steps finish, return 0. */
  void shutdown() {
    stop.countDown();
  }

  @Override
  public Integer call() throws Exception {
    ConfigLoader.Result r = ConfigLoader.load(config, config.equals(Config.DEFAULT_FILE));
    for (Problem p : r.problems()) {
      log.error("{}", p);
    }
    if (!r.ok()) {
      return 1;
    }
    Config cfg = r.config();
    if (cfg.schedule().cron().isPresent()) {
      log.error("{}: cron schedules are not supported yet; use an interval such as 60s", config);
      return 1;
    }
    DesiredStore store = new DesiredStore(cfg.manifests());
    try (Drivers drivers = new Drivers(cfg)) {
      Executor executor = new Executor(cfg.owner(), new GuestLocks(cfg.lockDir()), Duration.ofMinutes(5));
      Reconciler reconciler = new Reconciler(store, drivers, executor, cfg.owner(), () -> true, Clock.systemUTC());
      WorkQueue queue = new WorkQueue(cfg.workers(), Duration.ofSeconds(1), Duration.ofMinutes(5), reconciler::reconcile);
      reconciler.attach(queue);
      drivers.onOpen(d -> {
        try {
          d.watch(name -> {
            if (store.get(name).isPresent()) {
              log.debug("resource={} lifecycle event", name);
              queue.add(name);
            }
          });
        } catch (io.virtd.core.spi.DriverException e) {
          log.warn("{} {}: no events ({}); scheduled passes still catch drift", d.kind(), d.target(), e.getMessage());
        }
      });
      Runnable reload = () -> {
        var delta = store.reload(java.time.Instant.now());
        store.problems().forEach((f, ps) -> ps.forEach(p -> log.warn("{}", p)));
        delta.changed().forEach(n -> {
          queue.forget(n);
          queue.add(n);
        });
        delta.removed().forEach(n -> log.info("resource={} manifest removed: guest left as it is (unmanaged)", n));
      };
      Runnable fullPass = () -> {
        reload.run();
        store.names().forEach(queue::add);
      };
      ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(t -> {
        Thread th = new Thread(t, "virtd-schedule");
        th.setDaemon(true);
        return th;
      });
      long every = cfg.schedule().interval().orElseThrow().toMillis();
      try (ManifestWatcher watcher = new ManifestWatcher(cfg.manifests(), Duration.ofMillis(250), reload);
          ControlServer control = new ControlServer(cfg.socket(), new Control(store, reconciler, queue::add))) {
        timer.scheduleWithFixedDelay(fullPass, 0, every, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "virtd-sigterm"));
        log.info("virtd {} started: manifests {}, owner {}, schedule every {} ms", Version.get(), cfg.manifests(), cfg.owner(), every);
        stop.await();
        log.info("stopping: no new work; waiting for running steps");
        timer.shutdownNow();
        queue.shutdown(Duration.ofSeconds(60));
      }
    }
    return 0;
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Virtd()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
