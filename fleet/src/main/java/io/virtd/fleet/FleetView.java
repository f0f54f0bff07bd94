package io.virtd.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code virtctl fleet status}: every host that has desired state or a host key, read from etcd in
 * one consistent snapshot (one revision).
 */
public final class FleetView {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FleetView() {}

  /** One host: its host key's value when its lease is alive, its guests' statuses by name. */
  public record HostView(
      String host, Optional<ObjectNode> hostKey, int desiredFiles, Map<String, ObjectNode> guests) {
    public boolean up() {
      return hostKey.isPresent();
    }

    /** A guest counts as converged when in sync, held when held, failed when it has an error. */
    public Map<String, Integer> counts() {
      Map<String, Integer> c = new TreeMap<>();
      for (String k : List.of("converged", "pending", "failed", "held")) {
        c.put(k, 0);
      }
      guests.values().forEach(g -> c.merge(category(g), 1, Integer::sum));
      return c;
    }

    /** The latest time one of its guests' statuses names: when a lost host was last heard of. */
    public Optional<String> lastSeen() {
      return guests.values().stream()
          .map(g -> g.path("at").asText(""))
          .filter(s -> !s.isEmpty())
          .max(String::compareTo);
    }

    /** {@code up}, or {@code lost} with when it was last seen, as the text and the page say it. */
    public String liveness() {
      return up() ? "up" : "lost" + lastSeen().map(t -> " (last seen " + t + ")").orElse("");
    }

    /** {@code N converged, N pending, N failed, N held}. */
    public String summary() {
      Map<String, Integer> c = counts();
      return c.get("converged")
          + " converged, "
          + c.get("pending")
          + " pending, "
          + c.get("failed")
          + " failed, "
          + c.get("held")
          + " held";
    }

    public Optional<String> lastError() {
      return guests.values().stream()
          .map(g -> g.path("last_error"))
          .filter(e -> e.isTextual() && !e.asText().isEmpty())
          .map(JsonNode::asText)
          .reduce((a, b) -> b);
    }
  }

  /**
   * A guest's state in the fleet's counts, from its {@code status --json} entry: held, failed (an
   * error), converged (in sync, no restart pending) or pending.
   */
  public static String category(ObjectNode g) {
    if (g.path("held").asBoolean(false)) {
      return "held";
    }
    if (g.path("last_error").isTextual() && !g.path("last_error").asText().isEmpty()) {
      return "failed";
    }
    return g.path("last_result").asText("").equals("in sync") && g.path("restart_pending").isEmpty()
        ? "converged"
        : "pending";
  }

  public static List<HostView> read(Client client, FleetKeys keys) throws Exception {
    long revision = 0;
    Map<String, ObjectNode> hostKeys = new TreeMap<>();
    Map<String, Integer> desired = new TreeMap<>();
    Map<String, Map<String, ObjectNode>> statuses = new TreeMap<>();
    var hosts = get(client, keys.hostsDir(), revision, false);
    revision = hosts.getHeader().getRevision();
    for (KeyValue kv : hosts.getKvs()) {
      String host = FleetKeys.text(kv.getKey()).substring(keys.hostsDir().length());
      hostKeys.put(host, parse(FleetKeys.text(kv.getValue())));
    }
    for (KeyValue kv : get(client, keys.desiredRoot(), revision, true).getKvs()) {
      FleetKeys.split(FleetKeys.text(kv.getKey()).substring(keys.desiredRoot().length()))
          .ifPresent(hp -> desired.merge(hp[0], 1, Integer::sum));
    }
    for (KeyValue kv : get(client, keys.statusRoot(), revision, false).getKvs()) {
      FleetKeys.split(FleetKeys.text(kv.getKey()).substring(keys.statusRoot().length()))
          .ifPresent(
              hp ->
                  statuses
                      .computeIfAbsent(hp[0], h -> new TreeMap<>())
                      .put(hp[1], parse(FleetKeys.text(kv.getValue()))));
    }
    TreeSet<String> names = new TreeSet<>(hostKeys.keySet());
    names.addAll(desired.keySet());
    List<HostView> out = new ArrayList<>();
    for (String h : names) {
      out.add(
          new HostView(
              h,
              Optional.ofNullable(hostKeys.get(h)),
              desired.getOrDefault(h, 0),
              statuses.getOrDefault(h, Map.of())));
    }
    return out;
  }

  private static io.etcd.jetcd.kv.GetResponse get(
      Client client, String prefix, long revision, boolean keysOnly) throws Exception {
    GetOption.Builder o =
        GetOption.builder().withRange(FleetKeys.rangeEnd(prefix)).withKeysOnly(keysOnly);
    if (revision > 0) {
      o.withRevision(revision);
    }
    return client
        .getKVClient()
        .get(FleetKeys.bytes(prefix), o.build())
        .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static ObjectNode parse(String text) {
    try {
      return JSON.readTree(text) instanceof ObjectNode o ? o : JSON.createObjectNode();
    } catch (Exception e) {
      return JSON.createObjectNode().put("unreadable", true);
    }
  }

  /** The JSON form ({@code --json}); the text is rendered from the same views. */
  public static ObjectNode json(List<HostView> views, boolean guests) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format_version", 1);
    ArrayNode hosts = root.putArray("hosts");
    for (HostView v : views) {
      ObjectNode h = hosts.addObject();
      h.put("host", v.host());
      h.put("up", v.up());
      if (!v.up()) {
        h.put("last_seen", v.lastSeen().orElse(null));
      }
      h.put("desired_files", v.desiredFiles());
      ObjectNode c = h.putObject("guests_by_state");
      v.counts().forEach(c::put);
      h.put("last_error", v.lastError().orElse(null));
      v.hostKey().ifPresent(k -> h.set("host_key", k));
      if (guests) {
        ArrayNode g = h.putArray("guests");
        v.guests().values().forEach(g::add);
      }
    }
    return root;
  }

  public static List<String> text(List<HostView> views, boolean guests) {
    List<String> out = new ArrayList<>();
    if (views.isEmpty()) {
      out.add("no hosts: nothing pushed and no daemon registered");
    }
    for (HostView v : views) {
      out.add(
          v.host()
              + "  "
              + v.liveness()
              + "  "
              + v.summary()
              + v.lastError().map(e -> "  last error: " + e).orElse(""));
      if (guests) {
        v.guests()
            .forEach(
                (n, g) ->
                    out.add(
                        "  "
                            + n
                            + "  "
                            + category(g)
                            + "  "
                            + g.path("observed").asText("")
                            + (g.path("last_error").isTextual()
                                ? "  " + g.path("last_error").asText()
                                : "")));
      }
    }
    return out;
  }
}
