package io.virtd.libvirt;

import java.util.function.Consumer;

/**
 * A fault-injection point for tests only: with the system property {@code virtd.test.haltAt} set to
 * a point's name (e.g. {@code create:after-volumes}), the process dies there at once, as under
 * SIGKILL ({@code Runtime.halt}: no shutdown hooks, no finally blocks). Unset, as always outside
 * tests, it does nothing.
 */
final class TestHalt {
  private static final String AT = System.getProperty("virtd.test.haltAt", "");

  /**
   * For tests within one process (libvirt's test hypervisor keeps its state in the process): told
   * of every point reached; one that never returns stands for a process killed there.
   */
  static volatile Consumer<String> inProcess = point -> {};

  private TestHalt() {}

  static void at(String point) {
    if (AT.equals(point)) {
      Runtime.getRuntime().halt(137);
    }
    inProcess.accept(point);
  }
}
