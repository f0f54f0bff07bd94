package io.virtd.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.virtd.core.config.Config;
import io.virtd.core.control.GuestState;
import io.virtd.core.control.StoreState;
import io.virtd.core.program.Version;
import io.virtd.daemon.http.FleetReader;
import io.virtd.daemon.http.Metrics;
import io.virtd.fleet.EtcdClients;
import io.virtd.fleet.FleetAgent;
import io.virtd.fleet.FleetKeys;
import io.virtd.fleet.FleetView;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon in a fleet: the etcd client, the agent that keeps this host's keys, and the desired
 * documents it reads as a {@link DesiredStore}. Lives across configuration reloads that keep the
 * same {@code host} and {@code store}.
 */
final class FleetMode implements AutoCloseable {
  /** Writes the host key and the guests' statuses that fleet mode keeps in etcd. */
  static final ObjectMapper JSON = new ObjectMapper();

  private static final Logger log = LoggerFactory.getLogger(FleetMode.class);

  /** How long start-up waits for the first read before going on (and trying again). */
  static final Duration FIRST_READ = Duration.ofSeconds(10);

  private final Config.Store cfg;
  private final String host;
  private final Client client;
  private final FleetAgent agent;
  private final EtcdSource source;
  private final DesiredStore store;

  private FleetMode(
      Config.Store cfg, String host, Client client, FleetAgent agent, EtcdSource source) {
    this.cfg = cfg;
    this.host = host;
    this.client = client;
    this.agent = agent;
    this.source = source;
    this.store = new DesiredStore(source);
  }

  /**
   * Connects as {@code cfg} says; empty (logged, naming {@code configFile}) when the store cannot
   * be used (a key file others may read, bad TLS files, no private directory).
   */
  static Optional<FleetMode> open(
      Config cfg, Path configFile, Supplier<ObjectNode> hostValue, Clock clock) {
    Config.Store st = cfg.store().orElseThrow();
    Client client;
    try {
      client = EtcdClients.open(st);
    } catch (EtcdClients.Refused e) {
      log.error("{}: {}", configFile, e.getMessage());
      return Optional.empty();
    }
    AtomicReference<EtcdSource> source = new AtomicReference<>();
    FleetAgent agent =
        new FleetAgent(
            client,
            new FleetKeys(st.prefix()),
            cfg.host(),
            hostValue,
            () -> {
              EtcdSource s = source.get();
              if (s != null) {
                s.changed();
              }
            },
            clock);
    try {
      source.set(new EtcdSource(agent, cfg.lockDir().resolveSibling("desired-" + cfg.host())));
    } catch (UncheckedIOException e) {
      log.error(
          "fleet host {}: no private directory for etcd's files: {}", cfg.host(), e.getMessage());
      agent.close();
      client.close();
      return Optional.empty();
    }
    log.info(
        "fleet host {}: desired state from etcd {} under {}",
        cfg.host(),
        String.join(",", st.endpoints()),
        st.prefix());
    return Optional.of(new FleetMode(st, cfg.host(), client, agent, source.get()));
  }

  /** Reads the desired state (waiting a while for it), then keeps the host's keys. */
  void start() {
    agent.start(FIRST_READ);
  }

  /** Whether {@code cfg} names this same host and store. */
  boolean serves(Config cfg) {
    return cfg.store().equals(Optional.of(this.cfg)) && cfg.host().equals(host);
  }

  DesiredStore store() {
    return store;
  }

  /** The store's state for {@code virtctl status}. */
  StoreState state() {
    return new StoreState(
        "etcd:" + host,
        agent.up(),
        agent.since().truncatedTo(ChronoUnit.SECONDS).toString(),
        agent.lastError().orElse(null));
  }

  /** The fleet as {@code virtctl fleet status} reads it, through this daemon's etcd client. */
  FleetReader reader() {
    FleetKeys keys = new FleetKeys(cfg.prefix());
    return () -> {
      if (!agent.up()) {
        StoreState s = state();
        throw new FleetReader.Unavailable(
            "store "
                + s.name()
                + ": DOWN since "
                + s.since()
                + (s.error() == null ? "" : " (" + s.error() + ")"));
      }
      return FleetView.read(client, keys);
    };
  }

  /** One guest's status as the JSON {@code virtctl status --json} shows for it. */
  private static ObjectNode json(GuestState g) {
    return FleetMode.JSON.valueToTree(g);
  }

  private Map<String, GuestState> published = Map.of();
  private long publishedAtRead = -1;

  /**
   * Each guest's status, as {@code virtctl status --json} gives it, written back to etcd; nothing
   * to do while no status changed and etcd was not read again since the last call.
   */
  synchronized void publish(Reconciler reconciler, DriverHealth health) {
    try {
      Set<String> down = new HashSet<>();
      health.states().values().stream()
          .filter(d -> !d.up())
          .forEach(d -> down.add(d.target().label()));
      Map<String, GuestState> states = new TreeMap<>();
      reconciler
          .status()
          .forEach((n, s) -> states.put(n, Control.guestState(s, down.contains(s.driver()))));
      long reads = agent.reads();
      if (reads == publishedAtRead && states.equals(published)) {
        return;
      }
      Map<String, ObjectNode> out = new TreeMap<>();
      states.forEach((n, g) -> out.put(n, json(g)));
      agent.publish(out);
      published = states;
      publishedAtRead = reads;
    } catch (RuntimeException e) {
      log.warn("status for etcd: {}", e.toString());
    }
  }

  /** This host's key in etcd: version, start, last full pass, drivers, guests by state. */
  static ObjectNode hostJson(
      Reconciler reconciler, DriverHealth health, Metrics metrics, Instant started) {
    ObjectNode h = FleetMode.JSON.createObjectNode();
    h.put("version", Version.get());
    h.put("started", started.truncatedTo(ChronoUnit.SECONDS).toString());
    h.put(
        "last_full_pass",
        metrics.lastFullPass().map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()).orElse(null));
    var drivers = h.putArray("drivers");
    health
        .states()
        .values()
        .forEach(d -> drivers.addObject().put("target", d.target().label()).put("up", d.up()));
    ObjectNode counts = h.putObject("guests");
    for (String k : List.of("converged", "pending", "failed", "held")) {
      counts.put(k, 0);
    }
    reconciler
        .status()
        .values()
        .forEach(
            g -> {
              String k = FleetView.category(json(Control.guestState(g)));
              counts.put(k, counts.path(k).asInt() + 1);
            });
    return h;
  }

  @Override
  public void close() {
    agent.close();
    client.close();
    source.discard();
  }
}
