package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
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
 * The storage of the items of {@code disks}, through libvirt's storage API: a blank volume or one
 * made from a base image ({@code NAME-TARGET.FORMAT}) in storage_dir's pool or the item's {@code
 * pool}, or an existing {@code path} used as it is. A volume the guest's mark lists already (a disk
 * removed from the list and added back) is used again, never remade. The single-disk keys are the
 * one item they describe ({@link #singleDisk}), made the same way under their own names.
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
    return make(guest, disks, false, storage, storageDir, kept);
  }

  /**
   * Makes the storage of the single-disk keys ({@code image} with {@code image_mode}, {@code
   * virt_path}, {@code disk_size}) as that of the one item of {@code disks} they are (see {@link
   * #singleDisk}), under the names such a guest has always had: its volume {@code NAME.FORMAT}, the
   * mark's {@code disk}, {@code image}, {@code image_mode} and {@code virt_path}, errors naming
   * those keys. Nothing when the keys ask for no disk.
   */
  static Made makeSingle(VmSpec spec, Storage storage, Path storageDir)
      throws LibvirtException, DriverException {
    return make(
        spec.name(),
        singleDisk(spec).map(List::of).orElse(List.of()),
        true,
        storage,
        storageDir,
        List.of());
  }

  /**
   * The single-disk keys as the one item of {@code disks} they are: {@code vda} on virtio ({@code
   * xvda} on Xen's bus) made from {@code image}, or the file {@code virt_path} names, or a blank
   * volume of {@code disk_size} GiB (in the directory {@code virt_path} names, if it names one);
   * empty when they ask for no disk.
   */
  static Optional<DiskSpec> singleDisk(VmSpec spec) {
    Optional<String> image = spec.string(Field.IMAGE);
    Optional<String> virtPath = spec.string(Field.VIRT_PATH);
    Long size = spec.get(Field.DISK_SIZE).map(v -> ((Number) v).longValue()).orElse(null);
    if (image.isEmpty() && virtPath.isEmpty() && size == null) {
      return Optional.empty();
    }
    return Optional.of(
        single(
            spec.virtType(),
            image.orElse(null),
            image.isPresent() ? spec.string(Field.IMAGE_MODE).orElse("cow") : null,
            image.isPresent() ? null : virtPath.orElse(null),
            size,
            null,
            null));
  }

  /** The one disk of a single-disk guest: {@code vda} on virtio, or {@code xvda} on Xen's bus. */
  static DiskSpec single(
      VirtType vt,
      String image,
      String imageMode,
      String path,
      Long size,
      String format,
      String file) {
    return new DiskSpec(
        vt.isXen() ? "xvda" : "vda",
        vt.isXen() ? DeviceXml.XEN_BUS : "virtio",
        image,
        imageMode,
        path,
        size,
        null,
        format,
        null,
        null,
        null,
        false,
        false,
        null,
        file);
  }

  private static Made make(
      String guest,
      List<DiskSpec> disks,
      boolean singleKeys,
      Storage storage,
      Path storageDir,
      List<Marks.Volume> kept)
      throws LibvirtException, DriverException {
    List<Marks.Volume> made = new ArrayList<>();
    List<DiskSpec> out = new ArrayList<>();
    Map<String, String> marked = new LinkedHashMap<>();
    try {
      for (DiskSpec d : disks) {
        Words w = singleKeys ? Words.SINGLE : new Words(d.target());
        out.add(one(guest, d, w, storage, storageDir, kept, made, marked));
      }
    } catch (LibvirtException | DriverException | RuntimeException e) {
      GuestStorage.deleteQuietly(storage, made);
      throw e;
    }
    return new Made(out, made, marked);
  }

  /**
   * How a disk's volume is named, its errors worded and its making recorded: an item of {@code
   * disks} by its target ({@code NAME-TARGET.FORMAT}, the mark's {@code disk-TARGET-*} values), the
   * disk of the single-disk keys ({@code target} null) as such guests always were.
   */
  private record Words(String target) {
    static final Words SINGLE = new Words(null);

    boolean single() {
      return target == null;
    }

    String stem(String guest) {
      return single() ? guest : guest + "-" + target;
    }

    /** An error about the disk, led by the key it is about ({@code `disks` vdb: ...}). */
    String about(String message) {
      return single() ? message : "`disks` " + target + ": " + message;
    }

    String sizeKey() {
      return single() ? "`disk_size`" : "`size`";
    }

    void image(Map<String, String> marked, DiskSpec d) {
      marked.put(single() ? Marks.IMAGE : ObservedDevices.imageKey(target), d.image());
      marked.put(single() ? Marks.IMAGE_MODE : ObservedDevices.imageModeKey(target), d.imageMode());
    }

    void made(Map<String, String> marked, Storage.Volume v) {
      if (single()) {
        marked.put(Marks.DISK, v.path());
      } else {
        marked.put(ObservedDevices.sizeKey(target), Long.toString(Storage.wholeGiB(v.capacity())));
      }
    }
  }

  private static DiskSpec one(
      String guest,
      DiskSpec d,
      Words w,
      Storage storage,
      Path storageDir,
      List<Marks.Volume> kept,
      List<Marks.Volume> made,
      Map<String, String> marked)
      throws LibvirtException, DriverException {
    Path dir = null; // storage_dir's pool, the item's pool, or the directory virt_path names
    boolean build = d.pool() == null;
    if (d.path() != null) {
      if (w.single()) {
        marked.put(Marks.VIRT_PATH, d.path());
      }
      VirtPath judged;
      try {
        // again, for `virt_path`: the plan may be old, and a link may point elsewhere now
        judged = VirtPath.judge(Path.of(d.path()));
      } catch (VirtPath.Refused e) {
        throw terminal(w.about(e.getMessage()));
      }
      if (judged.kind() == VirtPath.Kind.DIRECTORY) {
        if (!w.single()) {
          throw terminal(w.about("`path` " + d.path() + " is a directory"));
        }
        if (d.size() == null) {
          throw terminal("`virt_path` " + d.path() + " is a directory: `disk_size` is needed");
        }
        dir = judged.real(); // a blank volume in that directory
        build = false;
      } else {
        if (w.single() && d.size() != null) {
          throw terminal(CreatePreflight.existingDiskSized(Path.of(d.path())));
        }
        DomainWriter.Disk existing = DomainWriter.Disk.existing(judged.source());
        return with(d, existing.path(), d.format() != null ? d.format() : existing.format());
      }
    }
    if (dir == null) {
      dir = d.pool() == null ? storageDir : storage.poolDirectory(d.pool());
    }
    long bytes = d.size() == null ? 0 : d.size() * Storage.GIB;
    String stem = w.stem(guest);
    if (d.image() != null) {
      w.image(marked, d);
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
        throw terminal(w.about(e.getMessage()));
      }
      Storage.Volume base = storage.describe(image);
      if (d.size() != null && Storage.wholeGiB(base.capacity()) > d.size()) {
        throw terminal(
            w.about(
                w.sizeKey()
                    + " "
                    + d.size()
                    + " GiB is smaller than the image "
                    + base.path()
                    + " ("
                    + Storage.wholeGiB(base.capacity())
                    + " GiB); disks are never shrunk"));
      }
      v =
          "clone".equals(d.imageMode())
              ? storage.copy(dir, stem + "." + base.format(), base, bytes)
              : storage.overlay(dir, stem + ".qcow2", base, bytes);
    } else {
      String format = d.format() == null ? "qcow2" : d.format();
      v = storage.blank(dir, build, stem + "." + format, bytes, format);
    }
    made.add(new Marks.Volume(v.pool(), v.name(), v.path()));
    w.made(marked, v);
    return with(d, v.path(), v.format());
  }

  private static DiskSpec with(DiskSpec d, String file, String format) {
    return d.withFormat(format).withFile(file);
  }

  private static DriverException terminal(String message) {
    return new DriverException(Kind.TERMINAL, "libvirt: " + message);
  }
}
