package io.virtd.core.manifest;

/** The families of drivers; each manifest key says which of them support it. */
public enum DriverKind {
  LIBVIRT("libvirt"),
  OPENVZ("openvz");

  private final String key;

  DriverKind(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  @Override
  public String toString() {
    return key;
  }
}
