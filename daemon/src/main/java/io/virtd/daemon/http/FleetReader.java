package io.virtd.daemon.http;

import io.virtd.fleet.FleetView;
import java.util.List;

/**
 * The fleet as {@code virtctl fleet status} reads it from etcd; the endpoint has one in fleet mode
 * only.
 */
@FunctionalInterface
public interface FleetReader {
  /** Every host at one etcd revision; throws when etcd does not answer. */
  List<FleetView.HostView> read() throws Exception;
}
