package io.virtd.daemon;

import io.virtd.core.control.Comparison;
import io.virtd.core.control.ControlCommand;
import io.virtd.core.control.ControlReply;
import io.virtd.core.control.ControlRequest;
import io.virtd.core.control.DriverState;
import io.virtd.core.control.GuestState;
import io.virtd.core.control.ManifestProblem;
import io.virtd.core.control.StoreState;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** What the control socket's commands do to the daemon. */
public final class Control implements ControlServer.Handler {
  private final DesiredStore store;
  private final Reconciler reconciler;
  private final Consumer<String> enqueue;
  private final Supplier<Collection<DriverHealth.State>> drivers;
  private Supplier<Optional<StoreState>> storeState = Optional::empty;

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
  Control showingStore(Supplier<Optional<StoreState>> state) {
    this.storeState = state;
    return this;
  }

  /** One guest as {@code virtctl status --json} shows it (the HTTP API shows the same). */
  public static GuestState guestState(GuestStatus s) {
    return guestState(s, false);
  }

  /**
   * {@code unreachable}: the guest's driver is down now, so what was seen before the outage says
   * nothing about the guest.
   */
  public static GuestState guestState(GuestStatus s, boolean unreachable) {
    return new GuestState(
        s.name(),
        s.desired(),
        unreachable ? "unknown: " + s.driver() + " is down" : s.observed().text(),
        s.driver(),
        unreachable ? "unknown" : s.state(),
        unreachable ? List.of() : s.differs(),
        s.lastResult(),
        s.at().truncatedTo(ChronoUnit.SECONDS).toString(),
        s.restartPending(),
        s.lastError().orElse(null),
        s.retries(),
        s.held(),
        unreachable ? Comparison.UNKNOWN : s.observed(),
        unreachable ? null : s.addresses().orElse(null));
  }

  @Override
  public ControlReply handle(ControlRequest request) {
    List<String> names = request.names();
    for (String n : names) {
      // a held guest whose manifest went since is released all the same, or it never would be
      boolean releasable =
          request.command().equals(Optional.of(ControlCommand.RELEASE)) && reconciler.isHeld(n);
      if (store.get(n).isEmpty() && !releasable) {
        return new ControlReply.Refused("unknown name `" + n + "`: no manifest declares it");
      }
    }
    Optional<ControlCommand> cmd = request.command();
    if (cmd.isEmpty()) {
      return new ControlReply.Refused("unknown command `" + request.cmd() + "`");
    }
    List<String> targets = names.isEmpty() ? List.copyOf(store.names()) : names;
    return switch (cmd.get()) {
      case STATUS -> status();
      case RECONCILE -> {
        targets.forEach(enqueue);
        yield new ControlReply.Done("queued " + targets.size() + " resource(s)");
      }
      case HOLD -> {
        if (names.isEmpty()) {
          yield new ControlReply.Refused("hold needs at least one NAME");
        }
        List<String> busy = new ArrayList<>();
        for (String n : names) {
          reconciler.hold(n).ifPresent(step -> busy.add(n + "'s " + step));
        }
        yield new ControlReply.Done(
            "held: "
                + String.join(", ", names)
                + (busy.isEmpty()
                    ? ""
                    : " (no new step begins; under way, finishing first: "
                        + String.join(", ", busy)
                        + ")"));
      }
      case RELEASE -> {
        if (names.isEmpty()) {
          yield new ControlReply.Refused("release needs at least one NAME");
        }
        names.forEach(
            n -> {
              reconciler.release(n);
              enqueue.accept(n);
            });
        yield new ControlReply.Done("released: " + String.join(", ", names));
      }
    };
  }

  private ControlReply.Status status() {
    Collection<DriverHealth.State> health = drivers.get();
    List<DriverState> driverStates =
        health.stream()
            .map(
                d ->
                    new DriverState(
                        d.target().kind().toString(),
                        d.target().uri(),
                        d.up(),
                        d.since().truncatedTo(ChronoUnit.SECONDS).toString(),
                        d.error().orElse(null)))
            .toList();
    List<ManifestProblem> problems = new ArrayList<>();
    new TreeMap<>(store.problems())
        .values()
        .forEach(
            ps ->
                ps.forEach(
                    p ->
                        problems.add(
                            new ManifestProblem(
                                p.severity().name().toLowerCase(Locale.ROOT), p.toString()))));
    Set<String> down = new HashSet<>();
    health.stream().filter(d -> !d.up()).forEach(d -> down.add(d.target().label()));
    List<GuestState> guests =
        new TreeMap<>(reconciler.status())
            .values().stream().map(s -> guestState(s, down.contains(s.driver()))).toList();
    return new ControlReply.Status(driverStates, problems, guests, storeState.get().orElse(null));
  }
}
