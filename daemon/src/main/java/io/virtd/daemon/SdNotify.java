package io.virtd.daemon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's side of systemd's notification protocol ({@code sd_notify(3)}): one datagram per
 * state change to the Unix socket named by {@code $NOTIFY_SOCKET}, a path or, when it starts with
 * {@code @}, a name in the abstract namespace.
 *
 * <p>Without {@code NOTIFY_SOCKET} (started by hand, under a test, by another supervisor) every
 * method is a no-op that returns {@code false}. A send that fails is logged (a warning the first
 * time, debug after) and never thrown: supervision is a courtesy, not a reason to stop reconciling.
 * Each message opens and closes its own socket, as libsystemd does, so the class is safe to use
 * from any thread and holds nothing to close.
 *
 * <p>The JDK's Unix domain socket channels are stream-only, hence libc through JNA.
 */
public final class SdNotify {
  private static final Logger log = LoggerFactory.getLogger(SdNotify.class);

  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_NOSIGNAL = 0x4000;

  /** {@code offsetof(struct sockaddr_un, sun_path)}: the {@code sa_family_t} before it. */
  private static final int SUN_PATH_OFFSET = 2;

  private static final int SUN_PATH_MAX = 108;

  interface LibC extends Library {
    int socket(int domain, int type, int protocol) throws LastErrorException;

    NativeLong sendto(int fd, byte[] buf, NativeLong len, int flags, byte[] addr, int addrlen)
        throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private final String socket;
  private final byte[] address;
  private final Optional<Duration> watchdogInterval;
  private final AtomicBoolean warned = new AtomicBoolean();
  private volatile LibC libc;

  private SdNotify(String socket, byte[] address, Optional<Duration> watchdogInterval) {
    this.socket = socket;
    this.address = address;
    this.watchdogInterval = watchdogInterval;
  }

  /** Reads this process's environment. */
  public static SdNotify fromEnvironment() {
    return of(System.getenv(), ProcessHandle.current().pid());
  }

  /**
   * Reads {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} from {@code env} as
   * if this process had {@code pid}.
   */
  public static SdNotify of(Map<String, String> env, long pid) {
    String socket = env.getOrDefault("NOTIFY_SOCKET", "");
    byte[] address = socket.isEmpty() ? null : address(socket);
    Optional<Duration> watchdog = address == null ? Optional.empty() : watchdog(env, pid);
    return new SdNotify(socket, address, watchdog);
  }

  /** Whether messages go anywhere: a usable {@code NOTIFY_SOCKET} was given. */
  public boolean enabled() {
    return address != null;
  }

  /**
   * How often to call {@link #ping()}: half of {@code WATCHDOG_USEC}, as {@code
   * sd_watchdog_enabled(3)} recommends. Empty when systemd does not watch this process: no socket,
   * no or a malformed {@code WATCHDOG_USEC}, or a {@code WATCHDOG_PID} naming another process (the
   * variables were inherited from a parent that systemd watches).
   */
  public Optional<Duration> watchdogInterval() {
    return watchdogInterval;
  }

  /**
   * Start-up is complete: systemd moves the unit to "active" and starts what was ordered after it.
   */
  public boolean ready() {
    return notify("READY=1");
  }

  /**
   * A reload (SIGHUP) has begun; follow it with {@link #ready()} whether or not the reload worked,
   * or the unit stays "reloading". {@code MONOTONIC_USEC} is required by {@code Type=notify-reload}
   * and harmless otherwise; HotSpot's {@code nanoTime} on Linux is {@code CLOCK_MONOTONIC}.
   */
  public boolean reloading() {
    return notify("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
  }

  /**
   * Shutdown has begun: systemd stops counting the watchdog against a draining daemon's silence.
   */
  public boolean stopping() {
    return notify("STOPPING=1");
  }

  /** One line of free text that {@code systemctl status} shows; line breaks become spaces. */
  public boolean status(String text) {
    return notify("STATUS=" + text.replace('\n', ' ').replace('\r', ' '));
  }

  /**
   * Tells the watchdog the daemon is alive. Call it every {@link #watchdogInterval()} only while
   * the daemon is actually making progress; a ping from a wedged daemon defeats the watchdog.
   */
  public boolean ping() {
    return notify("WATCHDOG=1");
  }

  /** Sends {@code state} (newline-separated {@code KEY=VALUE} assignments) as one datagram. */
  public boolean notify(String state) {
    if (address == null) {
      return false;
    }
    byte[] message = state.getBytes(StandardCharsets.UTF_8);
    try {
      LibC c = libc();
      int fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      try {
        c.sendto(
            fd, message, new NativeLong(message.length), MSG_NOSIGNAL, address, address.length);
      } finally {
        c.close(fd);
      }
      return true;
    } catch (LastErrorException e) {
      failed(e.getMessage());
    } catch (LinkageError e) {
      failed("libc not reachable through JNA: " + e);
    }
    return false;
  }

  private LibC libc() {
    LibC c = libc;
    if (c == null) {
      c = Native.load("c", LibC.class);
      libc = c;
    }
    return c;
  }

  private void failed(String why) {
    if (warned.compareAndSet(false, true)) {
      log.warn(
          "systemd notification to {} failed ({}); further failures are logged at debug level",
          socket,
          why);
    } else {
      log.debug("systemd notification to {} failed ({})", socket, why);
    }
  }

  /** The {@code struct sockaddr_un} bytes, or null for a socket this class cannot address. */
  static byte[] address(String socket) {
    boolean abstractName = socket.startsWith("@");
    if (!abstractName && !socket.startsWith("/")) {
      log.warn(
          "NOTIFY_SOCKET={}: neither an absolute path nor an abstract name; systemd will not hear from virtd",
          socket);
      return null;
    }
    byte[] path = socket.getBytes(StandardCharsets.UTF_8);
    // An abstract name is exactly as long as addrlen says; a path carries its terminating NUL.
    int pathLen = abstractName ? path.length : path.length + 1;
    if (pathLen > SUN_PATH_MAX) {
      log.warn(
          "NOTIFY_SOCKET={}: longer than a Unix socket address allows; systemd will not hear from virtd",
          socket);
      return null;
    }
    ByteBuffer sa = ByteBuffer.allocate(SUN_PATH_OFFSET + pathLen).order(ByteOrder.nativeOrder());
    sa.putShort((short) AF_UNIX).put(path);
    if (abstractName) {
      sa.put(SUN_PATH_OFFSET, (byte) 0);
    }
    return sa.array();
  }

  private static Optional<Duration> watchdog(Map<String, String> env, long pid) {
    String usec = env.get("WATCHDOG_USEC");
    if (usec == null) {
      return Optional.empty();
    }
    String watchdogPid = env.get("WATCHDOG_PID");
    try {
      if (watchdogPid != null && Long.parseLong(watchdogPid) != pid) {
        log.debug("WATCHDOG_PID={} is not this process ({}): watchdog off", watchdogPid, pid);
        return Optional.empty();
      }
      long value = Long.parseLong(usec);
      if (value <= 0) {
        throw new NumberFormatException("not positive");
      }
      return Optional.of(Duration.of(Math.max(1, value / 2), ChronoUnit.MICROS));
    } catch (NumberFormatException e) {
      log.warn(
          "WATCHDOG_USEC={} WATCHDOG_PID={}: not understood ({}); watchdog off",
          usec,
          watchdogPid,
          e.getMessage());
      return Optional.empty();
    }
  }
}
