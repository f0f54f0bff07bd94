package io.virtd.libvirt;

import io.virtd.core.spi.ObservedValue;

/**
 * The machine type a domain's XML names. libvirt stores an alias expanded ({@code pc} becomes
 * {@code pc-i440fx-7.2}, {@code q35} {@code pc-q35-7.2}, {@code virt} {@code virt-7.2}), so a
 * manifest's alias matches every version of its family: a guest is not re-created because QEMU was
 * upgraded after it was defined.
 */
record MachineType(String name) implements ObservedValue {
  @Override
  public boolean matches(Object desired) {
    String d = desired.toString();
    if (d.equals(name)) {
      return true;
    }
    String family =
        switch (d) {
          case "pc" -> "pc-i440fx-";
          case "q35" -> "pc-q35-";
          default -> d + "-";
        };
    return name.startsWith(family)
        && name.length() > family.length()
        && name.indexOf('-', family.length()) < 0;
  }

  @Override
  public String toString() {
    return name;
  }
}
