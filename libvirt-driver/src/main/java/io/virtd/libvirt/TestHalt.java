package io.virtd.libvirt;

/**
 * A fault-injection point for tests only: with the system property {@code virtd.test.haltAt} set to
 * a point's name (e.g. {@code create:after-volumes}), the process dies there at once, as under
 * SIGKILL ({@code Runtime.halt}: no shutdown hooks, no finally blocks). Unset, as always outside
 * tests, it does nothing.
 */
final class TestHalt {
  private static final String AT = System.getProperty("virtd.test.haltAt", "");

  private TestHalt() {}

  static void at(String point) {
    if (AT.equals(point)) {
      Runtime.getRuntime().halt(137);
    }
  }
}
