package io.virtd.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.lang.reflect.Field;
import org.libvirt.Domain;
import org.libvirt.jna.DomainPointer;

/**
 * libvirt's {@code virDomainShutdownFlags} with {@code VIR_DOMAIN_SHUTDOWN_GUEST_AGENT}, which
 * libvirt-java 0.5.4 does not bind: the guest agent asks the guest's OS to power off, which works
 * where the guest ignores the ACPI button. Called through JNA on the handle libvirt-java holds.
 */
final class AgentShutdown {
  private AgentShutdown() {}

  /** {@code VIR_DOMAIN_SHUTDOWN_GUEST_AGENT}. */
  static final int GUEST_AGENT = 2;

  interface Api extends Library {
    int virDomainShutdownFlags(DomainPointer domain, int flags);
  }

  private static final class Holder {
    static final Api API = Native.load("virt", Api.class);
    static final Field HANDLE = handle();

    private static Field handle() {
      try {
        Field f = Domain.class.getDeclaredField("vdp");
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException("libvirt-java's Domain has no handle field", e);
      }
    }
  }

  private static final java.util.concurrent.ExecutorService ASKING =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "virtd-agent-shutdown");
            t.setDaemon(true);
            return t;
          });

  /**
   * Asks the guest agent to shut the guest down, waiting at most {@code wait} for its answer
   * (libvirt waits up to a minute for an agent that hangs); false when it did not take the request
   * in time (no agent answering, or libvirt refused), so the caller falls back to ACPI. The request
   * runs on a handle of its own, freed when libvirt answers, however late.
   */
  static boolean request(Domain d, java.time.Duration wait) {
    Domain own;
    try {
      own = d.getConnect().domainLookupByUUID(d.getUUID());
    } catch (org.libvirt.LibvirtException e) {
      return false;
    }
    var answer =
        ASKING.submit(
            () -> {
              try {
                return call(own);
              } finally {
                Domains.free(own);
              }
            });
    try {
      return answer.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean call(Domain d) {
    try {
      return Holder.API.virDomainShutdownFlags((DomainPointer) Holder.HANDLE.get(d), GUEST_AGENT)
          == 0;
    } catch (IllegalAccessException | RuntimeException | LinkageError e) {
      return false;
    }
  }
}
