package io.virtd.core.manifest;

/** The {@code virt_type} of a resource; it picks the driver. */
public enum VirtType {
  KVM("kvm", DriverKind.LIBVIRT),
  QEMU("qemu", DriverKind.LIBVIRT),
  XEN_FULLYVIRT("xen-fullyvirt", DriverKind.LIBVIRT),
  XEN_PARAVIRT("xen-paravirt", DriverKind.LIBVIRT),
  OPENVZ("openvz", DriverKind.OPENVZ);

  private final String key;
  private final DriverKind driver;

  VirtType(String key, DriverKind driver) {
    this.key = key;
    this.driver = driver;
  }

  public String key() {
    return key;
  }

  public DriverKind driver() {
    return driver;
  }

  public boolean isXen() {
    return this == XEN_FULLYVIRT || this == XEN_PARAVIRT;
  }

  @Override
  public String toString() {
    return key;
  }
}
