package io.virtd.daemon.http;

import io.virtd.fleet.FleetView;
import java.util.List;

/**
 * The fleet as {@code virtctl fleet status} reads it from etcd; the endpoint has one in fleet mode
 * only.
 */
@FunctionalInterface
public interface FleetReader {
  /**
   * Every host at one etcd revision; throws when etcd does not answer, {@link Unavailable} when the
   * daemon already knows it does not.
   */
  List<FleetView.HostView> read() throws Exception;

  /** etcd is known to be down: said at once rather than after a request's timeout. */
  final class Unavailable extends Exception {
    public Unavailable(String why) {
      super(why);
    }
  }
}
