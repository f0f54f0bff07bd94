package io.virtd.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fleet host's side of etcd: reads {@code desired/HOST/} and watches it from the revision it
 * read, keeps {@code hosts/HOST} on a lease, and writes each guest's status back when it changes
 * ({@link StatusWriter}). Never writes another host's keys.
 *
 * <p>Everything runs on one thread. The lease is renewed by a single keep-alive request every third
 * of its TTL, each with a deadline, rather than by jetcd's keep-alive stream: a stream that ends
 * with {@code onCompleted} or never reports an error would leave the key to expire unnoticed. A
 * renewal that fails marks the store down; one that finds the lease gone grants a new one and
 * writes the host key again.
 *
 * <p>While the store is down, the last desired state read stays in use; the agent tries again with
 * exponential backoff (no watch left retrying on its own), then reads everything again and watches
 * from there. A watch cancelled by compaction is answered the same way.
 */
public final class FleetAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetAgent.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  public static final long LEASE_TTL_SECONDS = 15;

  /**
   * At most this many statuses written or deleted in one request: etcd's default {@code
   * --max-txn-ops}, so that every member takes it.
   */
  public static final int STATUS_BATCH = 128;

  static final Duration BACKOFF_MIN = Duration.ofMillis(500);
  static final Duration BACKOFF_MAX = Duration.ofSeconds(8);

  private final Client client;
  private final FleetKeys keys;
  private final String host;
  private final Supplier<ObjectNode> hostValue;
  private final Runnable onDesiredChange;
  private final Clock clock;
  private final ScheduledExecutorService thread;

  // touched on the agent's thread only
  private final Map<String, String> files = new TreeMap<>();
  private final StatusWriter statusWriter;
  private volatile long reads;
  private Watch.Watcher watcher;
  private int generation; // of the watch; events of an older one are ignored
  private long leaseId;
  private String hostWritten;
  private Duration backoff = BACKOFF_MIN;
  private ScheduledFuture<?> resync;

  private volatile Map<String, String> snapshot = Map.of();
  private volatile boolean up;
  private volatile Instant since;
  private volatile Optional<String> lastError = Optional.empty();
  private volatile boolean everRead;

  public FleetAgent(
      Client client,
      FleetKeys keys,
      String host,
      Supplier<ObjectNode> hostValue,
      Runnable onDesiredChange,
      Clock clock) {
    this.client = client;
    this.keys = keys;
    this.host = host;
    this.hostValue = hostValue;
    this.onDesiredChange = onDesiredChange;
    this.clock = clock;
    this.statusWriter = new StatusWriter(client, keys, host);
    this.since = clock.instant();
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "virtd-fleet");
              t.setDaemon(true);
              return t;
            });
  }

  /** Reads the desired state (waiting up to {@code wait} for it), then keeps everything going. */
  public void start(Duration wait) {
    var first = thread.submit(this::sync);
    try {
      first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("etcd: no desired state read yet; going on and trying again");
    }
    long tick = TimeUnit.SECONDS.toMillis(LEASE_TTL_SECONDS) / 3;
    thread.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** The last desired files read: PATH (relative to {@code desired/HOST/}) to the file's text. */
  public Map<String, String> files() {
    return snapshot;
  }

  /**
   * Whether any desired state has been read since start: until then there is no evidence of
   * removal.
   */
  public boolean everRead() {
    return everRead;
  }

  public boolean up() {
    return up;
  }

  public Instant since() {
    return since;
  }

  public Optional<String> lastError() {
    return lastError;
  }

  public String host() {
    return host;
  }

  /**
   * Writes each guest's status (NAME to its {@code status --json} entry) where it differs from what
   * was written, ignoring {@code at} alone, and deletes this host's entries of guests no longer
   * listed. Returns at once; the writes happen on the agent's thread.
   */
  /**
   * How many times this host's keys were read from etcd (at start and at each return of etcd): a
   * caller that publishes only when a status changed publishes again when this moves.
   */
  public long reads() {
    return reads;
  }

  public void publish(Map<String, ObjectNode> statuses) {
    Map<String, ObjectNode> copy = Map.copyOf(statuses);
    thread.execute(() -> writeStatuses(copy));
  }

  private void sync() {
    if (resync != null) {
      resync.cancel(false);
      resync = null;
    }
    closeWatch();
    try {
      GetResponse r = get(client, keys.desiredDir(host));
      Map<String, String> read = new TreeMap<>();
      for (KeyValue kv : r.getKvs()) {
        FleetKeys.under(keys.desiredDir(host), FleetKeys.text(kv.getKey()))
            .ifPresent(p -> read.put(p, FleetKeys.text(kv.getValue())));
      }
      long revision = r.getHeader().getRevision();
      statusWriter.read();
      ensureLease();
      files.clear();
      files.putAll(read);
      openWatch(revision + 1);
      markUp();
      reads++;
      publishFiles();
      log.info(
          "etcd: read {} desired file(s) for {} at revision {}; watching",
          read.size(),
          host,
          revision);
    } catch (Exception e) {
      markDown(e);
    }
  }

  /** Every key under {@code prefix}. */
  static GetResponse get(Client client, String prefix) throws Exception {
    return client
        .getKVClient()
        .get(
            FleetKeys.bytes(prefix),
            GetOption.builder().withRange(FleetKeys.rangeEnd(prefix)).build())
        .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void openWatch(long fromRevision) {
    int gen = ++generation;
    WatchOption opt =
        WatchOption.builder()
            .withRange(FleetKeys.rangeEnd(keys.desiredDir(host)))
            .withRevision(fromRevision)
            .build();
    watcher =
        client
            .getWatchClient()
            .watch(
                FleetKeys.bytes(keys.desiredDir(host)),
                opt,
                Watch.listener(
                    resp -> thread.execute(() -> onEvents(gen, resp)),
                    err -> thread.execute(() -> onWatchEnded(gen, err)),
                    () -> thread.execute(() -> onWatchEnded(gen, null))));
  }

  /** Watches again from {@code revision} (tests: a revision compaction has removed). */
  void rewatchFrom(long revision) {
    thread.execute(
        () -> {
          closeWatch();
          openWatch(revision);
        });
  }

  /** The lease the host key is bound to now (tests). */
  long leaseId() {
    try {
      return thread.submit(() -> leaseId).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return 0;
    }
  }

  private void onEvents(int gen, WatchResponse resp) {
    if (gen != generation) {
      return;
    }
    for (WatchEvent ev : resp.getEvents()) {
      String key = FleetKeys.text(ev.getKeyValue().getKey());
      Optional<String> path = FleetKeys.under(keys.desiredDir(host), key);
      if (path.isEmpty()) {
        continue;
      }
      switch (ev.getEventType()) {
        case PUT -> files.put(path.get(), FleetKeys.text(ev.getKeyValue().getValue()));
        case DELETE -> files.remove(path.get());
        default -> {}
      }
    }
    publishFiles();
  }

  private void onWatchEnded(int gen, Throwable err) {
    if (gen != generation) {
      return;
    }
    closeWatch();
    if (err instanceof CompactedException) {
      log.info("etcd: watch cancelled by compaction; reading everything again");
      sync();
      return;
    }
    markDown(err == null ? new IllegalStateException("watch ended") : err);
  }

  /**
   * Keeps the lease alive, writes the host key when its value changed; notices the store's return.
   */
  private void tick() {
    if (!up) {
      return; // the backoff's resync brings it back
    }
    try {
      ensureLease();
      ObjectNode value = hostValue.get();
      String text = JSON.writeValueAsString(value);
      if (!text.equals(hostWritten)) {
        putHost(text);
      }
    } catch (Exception e) {
      markDown(e);
    }
  }

  private void ensureLease() throws Exception {
    if (leaseId != 0) {
      if (renewed()) {
        return;
      }
      log.warn("etcd: the lease of {} was lost; granting a new one", host);
    }
    leaseId = 0;
    long id =
        client
            .getLeaseClient()
            .grant(LEASE_TTL_SECONDS)
            .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .getID();
    leaseId = id;
    putHost(JSON.writeValueAsString(hostValue.get()));
  }

  /** Whether the lease was renewed; false when etcd says it is gone (expired or revoked). */
  private boolean renewed() throws Exception {
    try {
      return client
              .getLeaseClient()
              .keepAliveOnce(leaseId)
              .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .getTTL()
          > 0;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof EtcdException ee && ee.getErrorCode() == ErrorCode.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private void putHost(String text) throws Exception {
    client
        .getKVClient()
        .put(
            FleetKeys.bytes(keys.host(host)),
            FleetKeys.bytes(text),
            PutOption.builder().withLeaseId(leaseId).build())
        .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    hostWritten = text;
  }

  private void writeStatuses(Map<String, ObjectNode> statuses) {
    if (!up) {
      return;
    }
    try {
      statusWriter.write(statuses);
    } catch (Exception e) {
      markDown(e);
    }
  }

  private void publishFiles() {
    snapshot = Map.copyOf(files);
    everRead = true;
    try {
      onDesiredChange.run();
    } catch (RuntimeException e) {
      log.error("reload after a change in etcd failed: {}", e.toString());
    }
  }

  private void markUp() {
    if (!up) {
      since = clock.instant();
    }
    up = true;
    lastError = Optional.empty();
    backoff = BACKOFF_MIN;
  }

  private void markDown(Throwable e) {
    closeWatch();
    String why = EtcdClients.describe(e);
    if (up || lastError.isEmpty()) {
      log.warn(
          "etcd: store DOWN ({}); converging to the desired state last read, trying again", why);
      since = clock.instant();
    }
    up = false;
    lastError = Optional.of(why);
    if (resync == null || resync.isDone()) {
      if (!thread.isShutdown()) {
        resync = thread.schedule(this::sync, backoff.toMillis(), TimeUnit.MILLISECONDS);
      }
      backoff =
          backoff.multipliedBy(2).compareTo(BACKOFF_MAX) > 0
              ? BACKOFF_MAX
              : backoff.multipliedBy(2);
    }
  }

  /** The error's type and message, never a credential (jetcd's messages carry none). */
  private void closeWatch() {
    generation++;
    if (watcher != null) {
      try {
        watcher.close();
      } catch (RuntimeException e) {
        // closing anyway
      }
      watcher = null;
    }
  }

  @Override
  public void close() {
    try {
      thread
          .submit(
              () -> {
                closeWatch();
                if (leaseId != 0 && up) {
                  try {
                    client.getLeaseClient().revoke(leaseId).get(2, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    // it expires by itself
                  }
                }
              })
          .get(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    thread.shutdownNow();
  }
}
