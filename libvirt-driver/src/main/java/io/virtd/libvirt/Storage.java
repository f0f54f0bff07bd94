package io.virtd.libvirt;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * Disks through libvirt's storage API: every file virtd creates is a volume of a directory pool, so
 * libvirt does the copying, the qcow2 overlays, the ownership and the resizing, and nothing here
 * runs {@code qemu-img}. A directory virtd has to read or write in (the configuration's {@code
 * storage_dir}, a {@code virt_path} directory, the directory of an {@code image}) gets a pool: an
 * existing one whose target is that directory, else one named after the path ({@link #poolName}),
 * defined, started and set to autostart.
 *
 * <p>Calls run on the driver's one connection; pool creation is synchronised so two guests created
 * at once do not define the same pool twice.
 */
final class Storage {
  static final long GIB = 1024L * 1024 * 1024;

  /** {@code VIR_DOMAIN_BLOCK_RESIZE_BYTES}: blockResize's size is in bytes, not KiB. */
  static final int BLOCK_RESIZE_BYTES = 1;

  /** A volume in a pool, as libvirt reports it. */
  record Volume(String pool, String name, String path, String format, long capacity) {}

  /** The image a qcow2 overlay reads through to. */
  record Backing(String path, String format) {}

  /** Told of each volume just before it is made, so a create cut off can be rolled back. */
  @FunctionalInterface
  interface BeforeCreate {
    void volume(Marks.Volume planned) throws DriverException;
  }

  private final Connect conn;
  private final BeforeCreate before;

  /**
   * The hypervisor is another machine ({@link LibvirtDriver#isRemote}): what is there is asked of
   * libvirt only, never of this machine's file system.
   */
  private final boolean remote;

  Storage(Connect conn) {
    this(conn, planned -> {}, false);
  }

  Storage(Connect conn, BeforeCreate before, boolean remote) {
    this.conn = conn;
    this.before = before;
    this.remote = remote;
  }

  boolean remote() {
    return remote;
  }

  /** Capacity in whole GiB, rounded down: a disk "is" {@code disk_size} N once it holds N GiB. */
  static long wholeGiB(long bytes) {
    return bytes / GIB;
  }

  // --- pools

  /**
   * The running pool whose target is {@code dir}; one is defined (and, when {@code build}, the
   * directory made) if there is none.
   */
  StoragePool poolFor(Path dir, boolean build) throws LibvirtException, DriverException {
    synchronized (Storage.class) {
      return poolForLocked(dir, build);
    }
  }

  private StoragePool poolForLocked(Path dir, boolean build)
      throws LibvirtException, DriverException {
    Path want = dir.toAbsolutePath().normalize();
    StoragePool found = findPool(want);
    if (found == null && remote) {
      return definedOnHypervisor(want, build);
    }
    if (found == null) {
      if (!build && !Files.isDirectory(want)) {
        throw new DriverException(Kind.TERMINAL, "libvirt: no directory " + want);
      }
      found = conn.storagePoolDefineXML(StorageXml.poolXml(StorageXml.poolName(want), want), 0);
      if (build && !Files.isDirectory(want)) {
        found.build(0); // a dir pool's build makes the directory; never run on an existing one
      }
      found.setAutostart(1);
    }
    if (found.isActive() != 1) {
      found.create(0);
    }
    return found;
  }

  /**
   * A pool defined for {@code dir} on a remote hypervisor, where only libvirt can tell whether the
   * directory exists: started as it is; when that fails, made first ({@code build}), or else the
   * definition is taken back and the directory reported missing.
   */
  private StoragePool definedOnHypervisor(Path dir, boolean build)
      throws LibvirtException, DriverException {
    StoragePool p = conn.storagePoolDefineXML(StorageXml.poolXml(StorageXml.poolName(dir), dir), 0);
    try {
      p.create(0);
    } catch (LibvirtException e) {
      if (!build) {
        try {
          p.undefine();
        } finally {
          p.free();
        }
        throw new DriverException(
            Kind.TERMINAL,
            "libvirt: no directory " + dir + " on the hypervisor: " + Errors.message(e),
            e);
      }
      p.build(0); // the directory is missing: a dir pool's build makes it
      p.create(0);
    }
    p.setAutostart(1);
    return p;
  }

  /**
   * The directory of the storage pool {@code name} (a {@code disks} item's {@code pool}): its
   * volumes are files there. A pool that does not exist, or has no directory, is refused.
   */
  Path poolDirectory(String name) throws LibvirtException, DriverException {
    StoragePool p =
        orMissing(() -> conn.storagePoolLookupByName(name), ErrorNumber.VIR_ERR_NO_STORAGE_POOL);
    if (p == null) {
      throw new DriverException(
          DriverException.Kind.TERMINAL, "libvirt: there is no storage pool `" + name + "`");
    }
    try {
      String dir = StorageXml.targetPath(p.getXMLDesc(0));
      if (dir.isEmpty()) {
        throw new DriverException(
            DriverException.Kind.TERMINAL,
            "libvirt: storage pool `" + name + "` has no directory for virtd to make volumes in");
      }
      return Path.of(dir);
    } finally {
      p.free();
    }
  }

  /** The directory pool whose target is {@code dir}, in any state; null when there is none. */
  StoragePool findPool(Path dir) throws LibvirtException {
    List<String> names = new ArrayList<>(List.of(conn.listStoragePools()));
    names.addAll(List.of(conn.listDefinedStoragePools()));
    for (String n : names) {
      StoragePool p;
      try {
        p = conn.storagePoolLookupByName(n);
      } catch (LibvirtException e) {
        continue; // gone since the listing
      }
      String xml = p.getXMLDesc(0);
      if (Dom.parse(xml).getDocumentElement().getAttribute("type").equals("dir")) {
        String t = StorageXml.targetPath(xml);
        if (!t.isEmpty() && Path.of(t).normalize().equals(dir)) {
          return p;
        }
      }
      p.free();
    }
    return null;
  }

  // --- volumes

  /** The volume of an existing file, putting a pool on its directory if libvirt knows none. */
  Volume describe(Path file) throws LibvirtException, DriverException {
    Path abs = file.toAbsolutePath().normalize();
    if (!remote && !Files.isRegularFile(abs)) {
      throw new DriverException(Kind.TERMINAL, "libvirt: no image file " + abs);
    }
    StorageVol v =
        orMissing(
            () -> conn.storageVolLookupByPath(abs.toString()), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
    if (v == null) {
      StoragePool pool = poolFor(abs.getParent(), false);
      // another guest's clone of this image may be under way: the pool then refuses a refresh,
      // and already knows the image
      refreshQuietly(pool);
      v =
          orMissing(
              () -> pool.storageVolLookupByName(abs.getFileName().toString()),
              ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
      if (v == null) {
        throw new DriverException(
            Kind.TERMINAL, "libvirt: no image file " + abs + " on the hypervisor");
      }
    }
    return created(v);
  }

  private static Volume volume(StorageVol v) throws LibvirtException {
    StoragePool p = v.storagePoolLookupByVolume();
    try {
      return new Volume(
          p.getName(),
          v.getName(),
          v.getPath(),
          StorageXml.formatOf(v.getXMLDesc(0)),
          v.getInfo().capacity);
    } finally {
      p.free();
    }
  }

  /** A new empty qcow2 disk {@code name} of {@code bytes} in {@code dir}. */
  Volume blank(Path dir, boolean build, String name, long bytes)
      throws LibvirtException, DriverException {
    return blank(dir, build, name, bytes, "qcow2");
  }

  /** A new empty disk {@code name} of {@code bytes} in {@code dir}, in {@code format}. */
  Volume blank(Path dir, boolean build, String name, long bytes, String format)
      throws LibvirtException, DriverException {
    StoragePool pool = poolFor(dir, build);
    String xml = StorageXml.volumeXml(name, format, bytes, Optional.empty());
    return created(making(pool, dir, name, () -> pool.storageVolCreateXML(xml, 0)));
  }

  /** A qcow2 overlay {@code name} backed by {@code base}, at least as large as the base. */
  Volume overlay(Path dir, String name, Volume base, long bytes)
      throws LibvirtException, DriverException {
    StoragePool pool = poolFor(dir, true);
    long capacity = Math.max(bytes, base.capacity());
    String xml =
        StorageXml.volumeXml(
            name, "qcow2", capacity, Optional.of(new Backing(base.path(), base.format())));
    return created(making(pool, dir, name, () -> pool.storageVolCreateXML(xml, 0)));
  }

  /** A full copy of {@code base} in its own format, grown to {@code bytes} when that is larger. */
  Volume copy(Path dir, String name, Volume base, long bytes)
      throws LibvirtException, DriverException {
    StoragePool pool = poolFor(dir, true);
    StoragePool from = conn.storagePoolLookupByName(base.pool());
    StorageVol source = from.storageVolLookupByName(base.name());
    StorageVol v;
    try {
      String xml = StorageXml.volumeXml(name, base.format(), base.capacity(), Optional.empty());
      v = making(pool, dir, name, () -> pool.storageVolCreateXMLFrom(xml, source, 0));
    } finally {
      source.free();
      from.free();
    }
    if (bytes > v.getInfo().capacity) {
      v.resize(bytes, 0);
    }
    return created(v);
  }

  interface Lookup<T> {
    T get() throws LibvirtException;
  }

  /** What {@code lookup} finds, or null when libvirt answers {@code missing}; other errors pass. */
  static <T> T orMissing(Lookup<T> lookup, ErrorNumber missing) throws LibvirtException {
    try {
      return lookup.get();
    } catch (LibvirtException e) {
      if (Errors.is(e, missing)) {
        return null;
      }
      throw e;
    }
  }

  private interface VolumeCall {
    StorageVol make() throws LibvirtException;
  }

  /**
   * Runs a volume creation. A file already there under that name is never overwritten; the error
   * says whose disk it is, or, when no guest uses it, that a create cut off may have left it.
   */
  private StorageVol making(StoragePool pool, Path dir, String name, VolumeCall call)
      throws LibvirtException, DriverException {
    if (remote) { // the intent record cannot look at the hypervisor's files: libvirt does
      refreshQuietly(pool);
      StorageVol there =
          orMissing(() -> pool.storageVolLookupByName(name), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
      if (there != null) {
        there.free();
        throw exists(dir.toAbsolutePath().normalize().resolve(name), null);
      }
    }
    before.volume(
        new Marks.Volume(
            pool.getName(), name, dir.toAbsolutePath().normalize().resolve(name).toString()));
    try {
      return call.make();
    } catch (LibvirtException e) {
      org.libvirt.Error err = e.getError();
      if (err == null || err.getCode() != ErrorNumber.VIR_ERR_STORAGE_VOL_EXIST) {
        throw e;
      }
      throw exists(dir.toAbsolutePath().normalize().resolve(name), e);
    }
  }

  /**
   * Has libvirt look at the pool's directory again, for files made outside libvirt. A pool with a
   * volume being made (a copy under way) refuses; what libvirt knows already is then the answer,
   * and a file it does not know still fails the creation of a volume by that name.
   */
  static void refreshQuietly(StoragePool pool) {
    try {
      pool.refresh(0);
    } catch (LibvirtException e) {
      org.slf4j.LoggerFactory.getLogger(Storage.class)
          .debug("a pool was not refreshed: {}", Errors.message(e));
    }
  }

  /** A volume virtd was to make is there already; the error says whose disk it is. */
  private DriverException exists(Path file, LibvirtException cause) {
    String whose;
    try {
      List<String> users = guestsUsing(Set.of(file.toString()), null);
      whose =
          users.isEmpty()
              ? "; no guest uses it: if a create that was cut off left it, remove it (virsh"
                  + " vol-delete "
                  + file
                  + ") and apply again, or name it in `virt_path` to use it"
              : ": it is the disk of " + String.join(", ", users);
    } catch (LibvirtException listing) {
      whose = "; the guests using it could not be listed: " + Errors.message(listing);
    }
    return new DriverException(
        Kind.TERMINAL,
        "libvirt: " + file + " exists already and virtd never overwrites a disk" + whose,
        cause);
  }

  /** The guests other than {@code except} that use one of {@code paths} ({@link DiskUsers}). */
  List<String> guestsUsing(Set<String> paths, String except) throws LibvirtException {
    return new DiskUsers(conn).guestsUsing(paths, except);
  }

  private static Volume created(StorageVol v) throws LibvirtException {
    try {
      return volume(v);
    } finally {
      v.free();
    }
  }

  /** The capacity of the volume at {@code path}, or empty when libvirt knows no such volume. */
  Optional<Long> capacity(String path) throws LibvirtException {
    StorageVol v =
        orMissing(() -> conn.storageVolLookupByPath(path), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(v.getInfo().capacity);
    } finally {
      v.free();
    }
  }

  /** Grows the (unused) volume at {@code path}; never shrinks. */
  void grow(String path, long bytes) throws LibvirtException {
    StorageVol v = conn.storageVolLookupByPath(path);
    try {
      if (v.getInfo().capacity < bytes) {
        v.resize(bytes, 0);
      }
    } finally {
      v.free();
    }
  }

  /**
   * Deletes a volume virtd created; one already gone is fine, and so is one whose path is no longer
   * the recorded one (then it is not the volume virtd made, and stays).
   */
  void delete(Marks.Volume vol) throws LibvirtException {
    StoragePool p =
        orMissing(
            () -> conn.storagePoolLookupByName(vol.pool()), ErrorNumber.VIR_ERR_NO_STORAGE_POOL);
    if (p == null) {
      return;
    }
    try {
      if (p.isActive() != 1) {
        p.create(0);
      }
      StorageVol v =
          orMissing(() -> p.storageVolLookupByName(vol.name()), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
      if (v == null) {
        p.refresh(0); // made while the pool was not looking
        v =
            orMissing(
                () -> p.storageVolLookupByName(vol.name()), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
        if (v == null) {
          return;
        }
      }
      try {
        if (v.getPath().equals(vol.path())) {
          v.delete(0);
        }
      } finally {
        v.free();
      }
    } finally {
      p.free();
    }
  }
}
