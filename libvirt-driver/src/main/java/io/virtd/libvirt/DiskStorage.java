package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.libvirt.LibvirtException;

/**
 * The storage of the items of {@code disks}, through libvirt's storage API as for the single-disk
 * keys: a blank volume or one made from a base image ({@code NAME-TARGET.FORMAT}) in storage_dir's
 * pool or the item's {@code pool}, or an existing {@code path} used as it is. A volume the guest's
 * mark lists already (a disk removed from the list and added back) is used again, never remade.
 */
final class DiskStorage {
  private DiskStorage() {}

  /** What the disks need: each with its file and format, the volumes made, what the mark keeps. */
  record Made(List<DiskSpec> disks, List<Marks.Volume> volumes, Map<String, String> markValues) {}

  /**
   * Makes the storage of {@code disks}; on failure deletes what it made and throws.
   *
   * @param kept volumes the guest's mark lists already (never made again, never deleted here)
   */
  static Made make(
      String guest, List<DiskSpec> disks, Storage storage, Path storageDir, List<Marks.Volume> kept)
      throws LibvirtException, DriverException {
    List<Marks.Volume> made = new ArrayList<>();
    List<DiskSpec> out = new ArrayList<>();
    Map<String, String> marked = new LinkedHashMap<>();
    try {
      for (DiskSpec d : disks) {
        out.add(one(guest, d, storage, storageDir, kept, made, marked));
      }
    } catch (LibvirtException | DriverException | RuntimeException e) {
      GuestStorage.deleteQuietly(storage, made);
      throw e;
    }
    return new Made(out, made, marked);
  }

  private static DiskSpec one(
      String guest,
      DiskSpec d,
      Storage storage,
      Path storageDir,
      List<Marks.Volume> kept,
      List<Marks.Volume> made,
      Map<String, String> marked)
      throws LibvirtException, DriverException {
    if (d.path() != null) {
      VirtPath judged;
      try {
        judged = VirtPath.judge(Path.of(d.path()));
      } catch (VirtPath.Refused e) {
        throw terminal("`disks` " + d.target() + ": " + e.getMessage());
      }
      if (judged.kind() == VirtPath.Kind.DIRECTORY) {
        throw terminal("`disks` " + d.target() + ": `path` " + d.path() + " is a directory");
      }
      DomainWriter.Disk existing = DomainWriter.Disk.existing(judged.source());
      return with(d, existing.path(), d.format() != null ? d.format() : existing.format());
    }
    Path dir = d.pool() == null ? storageDir : storage.poolDirectory(d.pool());
    long bytes = d.size() == null ? 0 : d.size() * Storage.GIB;
    String stem = guest + "-" + d.target();
    if (d.image() != null) {
      marked.put(ObservedDevices.imageKey(d.target()), d.image());
      marked.put(ObservedDevices.imageModeKey(d.target()), d.imageMode());
    }
    for (String format : List.of("qcow2", "raw")) {
      Path file = dir.toAbsolutePath().normalize().resolve(stem + "." + format);
      Optional<Marks.Volume> again =
          kept.stream().filter(v -> v.path().equals(file.toString())).findFirst();
      if (again.isPresent()) {
        storage
            .capacity(file.toString())
            .ifPresent(
                capacity ->
                    marked.put(
                        ObservedDevices.sizeKey(d.target()),
                        Long.toString(Storage.wholeGiB(capacity))));
        return with(d, file.toString(), format);
      }
    }
    Storage.Volume v;
    if (d.image() != null) {
      Path image;
      try {
        image = storage.remote() ? Path.of(d.image()) : VirtPath.baseImage(Path.of(d.image()));
      } catch (VirtPath.Refused e) {
        throw terminal("`disks` " + d.target() + ": " + e.getMessage());
      }
      Storage.Volume base = storage.describe(image);
      if (d.size() != null && Storage.wholeGiB(base.capacity()) > d.size()) {
        throw terminal(
            "`disks` "
                + d.target()
                + ": `size` "
                + d.size()
                + " GiB is smaller than the image "
                + base.path()
                + "; disks are never shrunk");
      }
      v =
          "clone".equals(d.imageMode())
              ? storage.copy(dir, stem + "." + base.format(), base, bytes)
              : storage.overlay(dir, stem + ".qcow2", base, bytes);
    } else {
      String format = d.format() == null ? "qcow2" : d.format();
      v = storage.blank(dir, d.pool() == null, stem + "." + format, bytes, format);
    }
    made.add(new Marks.Volume(v.pool(), v.name(), v.path()));
    marked.put(ObservedDevices.sizeKey(d.target()), Long.toString(Storage.wholeGiB(v.capacity())));
    return with(d, v.path(), v.format());
  }

  private static DiskSpec with(DiskSpec d, String file, String format) {
    return new DiskSpec(
        d.target(),
        d.bus(),
        d.image(),
        d.imageMode(),
        d.path(),
        d.size(),
        d.pool(),
        format,
        d.cache(),
        d.io(),
        d.discard(),
        d.readonly(),
        d.shareable(),
        d.serial(),
        file);
  }

  private static DriverException terminal(String message) {
    return new DriverException(Kind.TERMINAL, "libvirt: " + message);
  }
}
