package io.virtd.core.spi;

/**
 * An observed value that decides itself whether a manifest's value describes it, where equality
 * would be wrong: libvirt expands the machine type {@code q35} to {@code pc-q35-7.2}, so the two
 * must compare equal. Its {@code toString} is what plans show as the value before.
 */
public interface ObservedValue {
  /** Whether the manifest's {@code desired} value is what the guest has. */
  boolean matches(Object desired);
}
