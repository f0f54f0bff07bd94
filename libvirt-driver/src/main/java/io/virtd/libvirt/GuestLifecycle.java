package io.virtd.libvirt;

import static io.virtd.libvirt.Domains.destroyQuietly;
import static io.virtd.libvirt.Domains.isActive;
import static io.virtd.libvirt.Domains.sleep;
import static io.virtd.libvirt.Domains.state;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.RunState;
import java.time.Duration;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starting, resuming, stopping and destroying the guests of one libvirt URI, for {@link
 * LibvirtDriver}. A stop asks the guest agent first when one answers, else presses the ACPI button,
 * and forces the guest off when the timeout runs out.
 */
final class GuestLifecycle {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  private final Connections connections;
  private final Observer observer;

  GuestLifecycle(Connections connections, Observer observer) {
    this.connections = connections;
    this.observer = observer;
  }

  void start(String name) throws DriverException {
    connections.withDomain(
        name,
        "start",
        d -> {
          RunState s = state(d.getInfo().state);
          switch (s) {
            case RUNNING, BLOCKED, PAUSED, PMSUSPENDED -> {
              return null;
            }
            case CRASHED -> destroyQuietly(d);
            default -> {}
          }
          d.create();
          return null;
        });
  }

  void resume(String name) throws DriverException {
    connections.withDomain(
        name,
        "resume",
        d -> {
          RunState s = state(d.getInfo().state);
          switch (s) {
            case PAUSED -> d.resume();
            case PMSUSPENDED -> d.PMwakeup();
            case RUNNING, BLOCKED -> {}
            default ->
                throw new DriverException(
                    Kind.CONFLICT,
                    "libvirt: resume `" + name + "`: the guest is " + s.key() + ", not paused");
          }
          return null;
        });
  }

  boolean stop(String name, Duration timeout) throws DriverException {
    // missing, or a transient guest that went away when it stopped: nothing to stop
    return connections.withDomainIfPresent(
        name,
        "stop",
        false,
        d -> {
          RunState s = state(d.getInfo().state);
          switch (s) {
            case SHUTOFF, NOSTATE -> {
              return false;
            }
            case CRASHED -> {
              destroyQuietly(d);
              return false;
            }
            case PAUSED -> d.resume(); // a paused guest cannot see the ACPI button
            case PMSUSPENDED -> d.PMwakeup();
            default -> {}
          }
          long deadline = System.nanoTime() + timeout.toNanos();
          try {
            // the agent first when it answers (a guest may ignore the ACPI button), else ACPI
            if (!agentAnswers(d) || !AgentShutdown.request(d, timeout)) {
              d.shutdown();
            }
          } catch (LibvirtException e) {
            Errors.rethrowIfLost(e);
            if (!isActive(d)) {
              return false;
            }
            log.debug(
                "graceful shutdown of {} refused ({}); forcing it off", name, Errors.message(e));
            return destroyQuietly(d);
          }
          while (System.nanoTime() < deadline) {
            if (!isActive(d)) {
              return false;
            }
            sleep(
                Math.min(Domains.POLL_MS, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
          }
          if (!isActive(d)) {
            return false;
          }
          return destroyQuietly(d);
        });
  }

  /** Whether the running guest's agent channel shows a connected agent. */
  private boolean agentAnswers(Domain d) throws LibvirtException, DriverException {
    return observer.parse(d.getXMLDesc(0)).agentConnected();
  }

  void destroy(String name) throws DriverException {
    connections.withDomainIfPresent(name, "destroy", false, Domains::destroyQuietly);
  }
}
