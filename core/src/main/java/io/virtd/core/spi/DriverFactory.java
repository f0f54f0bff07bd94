package io.virtd.core.spi;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;

/**
 * Found with {@link java.util.ServiceLoader}. Implementations must not touch native libraries or
 * tools before {@link #open}, so that a driver missing its library cannot break the others.
 */
public interface DriverFactory {
  DriverKind kind();

  /** Opens a driver for {@code target} (a libvirt URI, or the OpenVZ host). */
  VmDriver open(String target, Config config) throws DriverException;
}
