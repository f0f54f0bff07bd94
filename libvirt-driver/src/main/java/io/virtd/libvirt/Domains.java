package io.virtd.libvirt;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.RunState;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small steps on one domain handle: its state, forcing it off, undefining it, freeing it. */
final class Domains {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  /** How often a state is polled while waiting for it. */
  static final long POLL_MS = 100;

  private Domains() {}

  static RunState state(DomainInfo.DomainState s) {
    if (s == null) {
      return RunState.NOSTATE;
    }
    return switch (s) {
      case VIR_DOMAIN_RUNNING -> RunState.RUNNING;
      case VIR_DOMAIN_BLOCKED -> RunState.BLOCKED;
      case VIR_DOMAIN_PAUSED -> RunState.PAUSED;
      case VIR_DOMAIN_SHUTDOWN -> RunState.SHUTDOWN;
      case VIR_DOMAIN_SHUTOFF -> RunState.SHUTOFF;
      case VIR_DOMAIN_CRASHED -> RunState.CRASHED;
      case VIR_DOMAIN_PMSUSPENDED -> RunState.PMSUSPENDED;
      case VIR_DOMAIN_NOSTATE -> RunState.NOSTATE;
    };
  }

  static boolean isActive(Domain d) throws LibvirtException {
    return state(d.getInfo().state).isActive();
  }

  /** Forces an active guest off; true when it was running. Already off is fine. */
  static boolean destroyQuietly(Domain d) throws LibvirtException {
    if (!isActive(d) && state(d.getInfo().state) != RunState.CRASHED) {
      return false;
    }
    try {
      d.destroy();
      return true;
    } catch (LibvirtException e) {
      if (Errors.is(e, ErrorNumber.VIR_ERR_OPERATION_INVALID) && !isActive(d)) {
        return false;
      }
      throw e;
    }
  }

  static void undefine(Domain d) throws LibvirtException {
    try {
      d.undefine(
          LibvirtDriver.UNDEFINE_NVRAM
              | LibvirtDriver.UNDEFINE_MANAGED_SAVE
              | LibvirtDriver.UNDEFINE_SNAPSHOTS_METADATA);
    } catch (LibvirtException e) {
      if (!refusedFlags(e)) {
        throw e;
      }
      d.undefine();
    }
  }

  private static boolean refusedFlags(LibvirtException e) {
    return Errors.is(e, ErrorNumber.VIR_ERR_INVALID_ARG)
        || Errors.is(e, ErrorNumber.VIR_ERR_NO_SUPPORT)
        || Errors.is(e, ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED)
        || Errors.is(e, ErrorNumber.VIR_ERR_OPERATION_UNSUPPORTED);
  }

  static void sleep(long ms) throws DriverException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException(Kind.TRANSIENT, "libvirt: interrupted", e);
    }
  }

  static void free(Domain d) {
    if (d == null) {
      return;
    }
    try {
      d.free();
    } catch (LibvirtException e) {
      log.debug("freeing a domain handle failed: {}", Errors.message(e));
    }
  }
}
