package io.virtd.core.spi;

/**
 * An observed value saying the guest is known to have none of a field (no video device, no
 * direct-kernel boot, no disk): unlike a field left out of {@link ObservedVm#persistent}, which
 * means "cannot be told", it is compared, so a manifest that asks for the field shows a difference.
 * Plans show it as {@code (none)}, as JSON {@code null}.
 */
public enum Unset {
  VALUE;

  @Override
  public String toString() {
    return "(none)";
  }
}
