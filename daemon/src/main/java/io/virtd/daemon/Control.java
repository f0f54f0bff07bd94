package io.virtd.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** What the control socket's commands do to the daemon. */
public final class Control implements ControlServer.Handler {
  private final DesiredStore store;
  private final Reconciler reconciler;
  private final Consumer<String> enqueue;
  private final Supplier<Collection<DriverHealth.State>> drivers;
  private Supplier<java.util.Optional<ObjectNode>> storeState = java.util.Optional::empty;

  public Control(DesiredStore store, Reconciler reconciler, Consumer<String> enqueue) {
    this(store, reconciler, enqueue, List::of);
  }

  Control(
      DesiredStore store,
      Reconciler reconciler,
      Consumer<String> enqueue,
      Supplier<Collection<DriverHealth.State>> drivers) {
    this.store = store;
    this.reconciler = reconciler;
    this.enqueue = enqueue;
    this.drivers = drivers;
  }

  /** Where the desired state comes from, when it is a store that can be down (etcd). */
  Control showingStore(Supplier<java.util.Optional<ObjectNode>> state) {
    this.storeState = state;
    return this;
  }

  /** One guest as {@code virtctl status --json} shows it (the HTTP API shows the same). */
  public static ObjectNode guestJson(GuestStatus s) {
    return guestJson(s, false);
  }

  /**
   * {@code unreachable}: the guest's driver is down now, so what was seen before the outage says
   * nothing about the guest.
   */
  public static ObjectNode guestJson(GuestStatus s, boolean unreachable) {
    ObjectNode g = ControlServer.JSON.createObjectNode();
    g.put("name", s.name());
    g.put("desired", s.desired());
    g.put("observed", unreachable ? "unknown: " + s.driver() + " is down" : s.observed());
    g.put("state", unreachable ? "unknown" : s.state());
    g.put("last_result", s.lastResult());
    g.put("at", s.at().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    s.restartPending().forEach(g.putArray("restart_pending")::add);
    if (s.restartPending().isEmpty()) {
      g.putArray("restart_pending");
    }
    g.put("last_error", s.lastError().orElse(null));
    g.put("retries", s.retries());
    g.put("held", s.held());
    return g;
  }

  @Override
  public ObjectNode handle(String cmd, List<String> names) {
    ObjectNode reply = ControlServer.JSON.createObjectNode();
    for (String n : names) {
      // a held guest whose manifest went since is released all the same, or it never would be
      boolean releasable = cmd.equals("release") && reconciler.isHeld(n);
      if (store.get(n).isEmpty() && !releasable) {
        return reply
            .put("ok", false)
            .put("error", "unknown name `" + n + "`: no manifest declares it");
      }
    }
    List<String> targets = names.isEmpty() ? List.copyOf(store.names()) : names;
    switch (cmd) {
      case "status" -> {
        storeState.get().ifPresent(st -> reply.set("store", st));
        ArrayNode driverStates = reply.putArray("drivers");
        drivers
            .get()
            .forEach(
                d -> {
                  ObjectNode t = driverStates.addObject();
                  t.put("driver", d.target().kind().toString());
                  t.put("target", d.target().uri());
                  t.put("up", d.up());
                  t.put(
                      "since",
                      d.since().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
                  t.put("error", d.error().orElse(null));
                });
        ArrayNode problems = reply.putArray("manifest_problems");
        new TreeMap<>(store.problems())
            .values()
            .forEach(
                ps ->
                    ps.forEach(
                        p -> {
                          ObjectNode o = problems.addObject();
                          o.put("severity", p.severity().name().toLowerCase(java.util.Locale.ROOT));
                          o.put("problem", p.toString());
                        }));
        ArrayNode guests = reply.putArray("guests");
        java.util.Set<String> down = new java.util.HashSet<>();
        drivers.get().stream().filter(d -> !d.up()).forEach(d -> down.add(d.target().label()));
        new TreeMap<>(reconciler.status())
            .values()
            .forEach(s -> guests.add(guestJson(s, down.contains(s.driver()))));
      }
      case "reconcile" -> {
        targets.forEach(enqueue);
        reply.put("message", "queued " + targets.size() + " resource(s)");
      }
      case "hold" -> {
        if (names.isEmpty()) {
          return reply.put("ok", false).put("error", "hold needs at least one NAME");
        }
        List<String> busy = new ArrayList<>();
        for (String n : names) {
          reconciler.hold(n).ifPresent(step -> busy.add(n + "'s " + step));
        }
        reply.put(
            "message",
            "held: "
                + String.join(", ", names)
                + (busy.isEmpty()
                    ? ""
                    : " (no new step begins; under way, finishing first: "
                        + String.join(", ", busy)
                        + ")"));
      }
      case "release" -> {
        if (names.isEmpty()) {
          return reply.put("ok", false).put("error", "release needs at least one NAME");
        }
        names.forEach(
            n -> {
              reconciler.release(n);
              enqueue.accept(n);
            });
        reply.put("message", "released: " + String.join(", ", names));
      }
      default -> {
        return reply.put("ok", false).put("error", "unknown command `" + cmd + "`");
      }
    }
    return reply.put("ok", true);
  }
}
