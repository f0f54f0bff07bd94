package io.virtd.libvirt;

import org.libvirt.Connect;
import org.libvirt.ErrorCallback;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide libvirt set-up, done once before the first connection: a quiet error handler
 * (libvirt keeps only a raw pointer to it, so it is held here) and the default event loop, run on a
 * daemon thread. The loop must run, not only exist: with keepalive on, libvirtd drops a connection
 * whose client does not answer its pings while idle (seen after ~30 s here), and lifecycle events
 * are delivered by it.
 */
public final class EventLoop {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  private static final ErrorCallback QUIET = new ErrorCallback();
  private static boolean started;
  private static Thread thread;

  private EventLoop() {}

  /** Initialises libvirt once; true when the event loop runs (keepalive and events can be used). */
  public static synchronized boolean ensureStarted() throws LibvirtException {
    if (started) {
      return thread != null;
    }
    started = true;
    Connect.setErrorCallback(QUIET);
    try {
      Library.initEventLoop();
    } catch (LibvirtException e) {
      log.warn(
          "libvirt event loop unavailable ({}); connections run without keepalive",
          Errors.message(e));
      return false;
    }
    Thread t =
        new Thread(
            () -> {
              try {
                Library.runEventLoop();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (LibvirtException | RuntimeException e) {
                log.error("libvirt event loop stopped: {}", e.getMessage());
              }
            },
            "libvirt-event-loop");
    t.setDaemon(true);
    t.start();
    thread = t;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(t), "libvirt-event-loop-stop"));
    return true;
  }

  /**
   * Ends the loop at exit. HotSpot's exit waits up to 300 ms for threads still in native code, and
   * the loop sits in libvirt's poll() until an event comes: without this every {@code virtctl}
   * command took 0.3 s longer to exit than to finish.
   */
  private static void stop(Thread t) {
    try {
      Library.stopEventLoop(); // wakes the loop with a zero timeout; runEventLoop then returns
      t.join(500);
    } catch (LibvirtException e) {
      log.debug("stopping the libvirt event loop failed: {}", Errors.message(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
