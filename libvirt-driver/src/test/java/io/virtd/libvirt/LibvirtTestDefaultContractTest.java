package io.virtd.libvirt;

import io.virtd.core.manifest.VirtType;

/** The driver contract on libvirt's in-process test hypervisor. */
class LibvirtTestDefaultContractTest extends LibvirtContract {
  @Override
  protected String uri() {
    return "test:///default";
  }

  @Override
  protected VirtType virtType() {
    return VirtType.KVM;
  }

  @Override
  protected boolean ignoresAcpi() {
    return false;
  }

  @Override
  protected boolean followsBalloon() {
    return true;
  }

  @Override
  protected boolean followsVcpuUnplug() {
    return true;
  }

  @Override
  protected boolean hotPlugsDevices() {
    return false; // the test driver's running guests keep the devices they started with
  }
}
