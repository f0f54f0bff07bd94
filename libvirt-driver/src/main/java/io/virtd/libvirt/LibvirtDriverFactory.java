package io.virtd.libvirt;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverFactory;
import io.virtd.core.spi.VmDriver;

/**
 * Opens {@link LibvirtDriver}s. Touches neither libvirt-java nor JNA before {@link #open}, so a
 * host without {@code libvirt0} loads the other drivers and reports this one unavailable.
 */
public final class LibvirtDriverFactory implements DriverFactory {
  @Override
  public DriverKind kind() {
    return DriverKind.LIBVIRT;
  }

  @Override
  public VmDriver open(String target, Config config) throws DriverException {
    LibraryPath.preset();
    try {
      return LibvirtDriver.open(target, config);
    } catch (
        LinkageError e) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
      throw new DriverException(
          DriverException.Kind.UNAVAILABLE,
          "libvirt: the libvirt library cannot be loaded (is the libvirt0 package installed?): "
              + e,
          e);
    }
  }
}
