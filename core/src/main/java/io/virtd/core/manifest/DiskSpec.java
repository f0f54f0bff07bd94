package io.virtd.core.manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * One item of {@code disks}: where its data comes from ({@code image}, an existing {@code path}, or
 * a blank volume of {@code size} GiB in {@code pool}) and how the guest sees it. A disk's identity
 * is its {@code target}. Optional values are null when not given.
 *
 * @param target the guest's device name ({@code vda}, {@code sdb}); always set, defaulted when the
 *     manifest leaves it out
 * @param bus {@code virtio}, {@code scsi}, {@code sata} or {@code ide}
 * @param image the base image the disk is made from (with {@code imageMode})
 * @param imageMode {@code cow} or {@code clone}; set when {@code image} is
 * @param path an existing file or block device used as it is (never deleted)
 * @param size GiB
 * @param pool the libvirt storage pool virtd makes the volume in; null for storage_dir's pool
 * @param format {@code qcow2} or {@code raw}
 * @param file where the disk's data is, as a driver observed it; always null in a manifest
 */
public record DiskSpec(
    String target,
    String bus,
    String image,
    String imageMode,
    String path,
    Long size,
    String pool,
    String format,
    String cache,
    String io,
    String discard,
    boolean readonly,
    boolean shareable,
    String serial,
    String file) {

  public static final List<String> BUSES = List.of("virtio", "scsi", "sata", "ide");

  /** A blank volume of {@code sizeGiB} in storage_dir's pool, on virtio. */
  public static DiskSpec blank(String target, long sizeGiB) {
    return new DiskSpec(
        target, "virtio", null, null, null, sizeGiB, null, null, null, null, null, false, false,
        null, null);
  }

  /** An existing file or block device at {@code path}, on virtio. */
  public static DiskSpec onPath(String target, String path) {
    return new DiskSpec(
        target, "virtio", null, null, path, null, null, null, null, null, null, false, false, null,
        null);
  }

  /** Where the disk's data comes from: a base image, an existing path, or a blank volume. */
  public enum Source {
    IMAGE,
    PATH,
    BLANK
  }

  public Source source() {
    return image != null ? Source.IMAGE : path != null ? Source.PATH : Source.BLANK;
  }

  /** The same disk as a driver observed it, with the file its data is in. */
  public DiskSpec withFile(String observedFile) {
    return new DiskSpec(
        target,
        bus,
        image,
        imageMode,
        path,
        size,
        pool,
        format,
        cache,
        io,
        discard,
        readonly,
        shareable,
        serial,
        observedFile);
  }

  /** The same disk with another size (a grown disk). */
  public DiskSpec withSize(Long gib) {
    return new DiskSpec(
        target, bus, image, imageMode, path, gib, pool, format, cache, io, discard, readonly,
        shareable, serial, file);
  }

  /** The same disk under another device name. */
  public DiskSpec withTarget(String name) {
    return new DiskSpec(
        name, bus, image, imageMode, path, size, pool, format, cache, io, discard, readonly,
        shareable, serial, file);
  }

  /** The same disk with another format ({@code qcow2}, {@code raw}). */
  public DiskSpec withFormat(String diskFormat) {
    return new DiskSpec(
        target,
        bus,
        image,
        imageMode,
        path,
        size,
        pool,
        diskFormat,
        cache,
        io,
        discard,
        readonly,
        shareable,
        serial,
        file);
  }

  /**
   * The same disk (target, size, settings, file) made from what {@code from} is made from: its
   * image and image mode, path, pool and format.
   */
  public DiskSpec withSourceOf(DiskSpec from) {
    return new DiskSpec(
        target,
        bus,
        from.image,
        from.imageMode,
        from.path,
        size,
        from.pool,
        from.format,
        cache,
        io,
        discard,
        readonly,
        shareable,
        serial,
        file);
  }

  /**
   * The same disk seen by the guest as {@code wanted} says: its bus, {@code readonly} and {@code
   * shareable}, and its cache, io, discard and serial where it gives them (one it leaves out stays
   * as this disk has it).
   */
  public DiskSpec withSettingsOf(DiskSpec wanted) {
    return new DiskSpec(
        target,
        wanted.bus,
        image,
        imageMode,
        path,
        size,
        pool,
        format,
        given(wanted.cache, cache),
        given(wanted.io, io),
        given(wanted.discard, discard),
        wanted.readonly,
        wanted.shareable,
        given(wanted.serial, serial),
        file);
  }

  private static String given(String wanted, String current) {
    return wanted != null ? wanted : current;
  }

  /** The device-name prefix of {@code bus}: {@code vd}, {@code sd} or {@code hd}. */
  public static String prefix(String bus) {
    return switch (bus) {
      case "virtio" -> "vd";
      case "ide" -> "hd";
      default -> "sd";
    };
  }

  /**
   * The targets of disks that leave theirs out: for each (in list order) the first name on its bus
   * that no disk of the list names, {@code vda}, {@code vdb}, ...
   *
   * @param targets the targets as written, null where left out
   * @param buses each disk's bus
   */
  public static List<String> defaultTargets(List<String> targets, List<String> buses) {
    List<String> out = new ArrayList<>(targets);
    java.util.Set<String> taken = new java.util.HashSet<>();
    targets.stream().filter(java.util.Objects::nonNull).forEach(taken::add);
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i) != null) {
        continue;
      }
      String prefix = prefix(buses.get(i));
      for (char c = 'a'; c <= 'z'; c++) {
        String name = prefix + c;
        if (taken.add(name)) {
          out.set(i, name);
          break;
        }
      }
    }
    return out;
  }

  /** How the disk reads in a plan: its size or what it is made from. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (image != null) {
      parts.add((imageMode == null ? "cow" : imageMode) + " of " + image);
    }
    if (path != null) {
      parts.add(path);
    }
    if (size != null) {
      parts.add(size + " GiB");
    }
    if (pool != null) {
      parts.add("pool " + pool);
    }
    return String.join(", ", parts);
  }
}
