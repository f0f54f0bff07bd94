package io.virtd.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Writes one host's guest statuses back to {@code status/HOST/}, for {@link FleetAgent}: only those
 * that changed since they were last written or read, and deletes those of guests no longer
 * reported. Runs on the agent's thread only.
 */
final class StatusWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Client client;
  private final FleetKeys keys;
  private final String host;
  private final Map<String, String> written = new HashMap<>(); // status NAME -> compared form

  StatusWriter(Client client, FleetKeys keys, String host) {
    this.client = client;
    this.keys = keys;
    this.host = host;
  }

  /** What etcd holds already: a status unchanged since is not written again. */
  void read() throws Exception {
    written.clear();
    for (KeyValue kv : FleetAgent.get(client, keys.statusDir(host)).getKvs()) {
      String name = FleetKeys.text(kv.getKey()).substring(keys.statusDir(host).length());
      try {
        written.put(name, compared((ObjectNode) JSON.readTree(FleetKeys.text(kv.getValue()))));
      } catch (Exception bad) {
        written.put(name, ""); // rewritten at the next publish
      }
    }
  }

  /** Writes the statuses that changed, deletes those not in {@code statuses}. */
  void write(Map<String, ObjectNode> statuses) throws Exception {
    StatusBatch batch = new StatusBatch();
    for (var e : new TreeMap<>(statuses).entrySet()) {
      String cmp = compared(e.getValue());
      if (!cmp.equals(written.get(e.getKey()))) {
        batch.add(
            e.getKey(),
            cmp,
            Op.put(
                FleetKeys.bytes(keys.status(host, e.getKey())),
                FleetKeys.bytes(JSON.writeValueAsString(e.getValue())),
                PutOption.DEFAULT));
      }
    }
    for (String name : Map.copyOf(written).keySet()) {
      if (!statuses.containsKey(name)) {
        batch.add(
            name, null, Op.delete(FleetKeys.bytes(keys.status(host, name)), DeleteOption.DEFAULT));
      }
    }
    batch.flush();
  }

  /**
   * Status writes gathered into transactions of {@link FleetAgent#STATUS_BATCH}: a thousand guests
   * converging at once are a few requests, not a thousand, and the lease's renewal on this same
   * thread is not held up behind them.
   */
  private final class StatusBatch {
    private final List<Op> ops = new ArrayList<>();
    private final Map<String, String> done = new HashMap<>(); // name: compared, or null: deleted

    void add(String name, String compared, Op op) throws Exception {
      ops.add(op);
      done.put(name, compared);
      if (ops.size() == FleetAgent.STATUS_BATCH) {
        flush();
      }
    }

    void flush() throws Exception {
      if (ops.isEmpty()) {
        return;
      }
      client
          .getKVClient()
          .txn()
          .Then(ops.toArray(Op[]::new))
          .commit()
          .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      done.forEach(
          (name, compared) -> {
            if (compared == null) {
              written.remove(name);
            } else {
              written.put(name, compared);
            }
          });
      ops.clear();
      done.clear();
    }
  }

  /** A status entry as compared for write-back: without {@code at}, which each reconcile moves. */
  static String compared(ObjectNode status) {
    ObjectNode c = status.deepCopy();
    c.remove("at");
    return c.toString();
  }
}
