package io.virtd.daemon;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.Virsh;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up of a daemon test on the real {@code qemu:///system}: skipped when libvirt cannot be
 * reached; afterwards its daemon is stopped and every guest whose name has {@link #prefix} is
 * removed, whether the test passed or not. Register it with {@code @RegisterExtension}.
 */
final class RealGuests implements BeforeEachCallback, AfterEachCallback {
  /** {@code virtd-it-TAG-RANDOM-}: the start of every guest name the test uses. */
  final String prefix;

  private final Supplier<DaemonProcess> daemon;

  /** {@code daemon}: the test's daemon, null when it started none. */
  RealGuests(String tag, Supplier<DaemonProcess> daemon) {
    this.prefix = "virtd-it-" + tag + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    this.daemon = daemon;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
  }

  @Override
  public void afterEach(ExtensionContext context) {
    DaemonProcess d = daemon.get();
    if (d != null) {
      d.close();
    }
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
  }
}
