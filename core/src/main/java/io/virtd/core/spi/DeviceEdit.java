package io.virtd.core.spi;

/**
 * One edit of one item of a device list ({@code disks}, {@code nics}): what a driver's capability
 * rule for that list is asked about, as its {@code desired} value. Each driver's table says how it
 * makes each kind of edit (see the libvirt driver's {@code LibvirtCapabilities}).
 *
 * @param before the item as observed, null for an item added
 * @param after the item as desired, null for an item removed
 */
public record DeviceEdit(Kind kind, Object before, Object after) {
  public enum Kind {
    /** An item added to the list. */
    ADD,
    /** An item removed from the list (a disk's volume is kept). */
    REMOVE,
    /** A disk's size made larger. */
    GROW,
    /** A disk's size made smaller: disks are never shrunk. */
    SHRINK,
    /**
     * Where a disk's data comes from ({@code image}, {@code path}, {@code pool}, {@code format}).
     */
    SOURCE,
    /** A NIC's network, bridge or device. */
    NIC_SOURCE,
    /** How the guest sees the device: a disk's bus, cache, io, ..., a NIC's model. */
    SETTING,
    /** A NIC's link state. */
    LINK
  }
}
