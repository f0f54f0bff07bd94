package io.virtd.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * Which guests use a disk: the walk over every guest's disks and, through libvirt's storage, down
 * their backing chains. What keeps a remove from deleting a disk another guest still reads.
 */
final class DiskUsers {
  private final Connect conn;

  DiskUsers(Connect conn) {
    this.conn = conn;
  }

  /**
   * The guests other than {@code except} (defined or running) that use one of {@code paths}: as a
   * disk, or as a disk's backing file, however deep in the chain (a cow clone of a guest, a guest
   * whose {@code image} is another guest's disk). Named in backquotes, for errors. A guest that
   * vanishes during the walk (undefined meanwhile, by anyone) uses nothing; any other failure to
   * read a guest or a volume is thrown, so a caller about to delete the disk refuses.
   */
  List<String> guestsUsing(Set<String> paths, String except) throws LibvirtException {
    List<String> users = new ArrayList<>();
    for (Domain d : conn.listAllDomains(0)) {
      try {
        if (d.getName().equals(except)) {
          continue;
        }
        String xml =
            Storage.orMissing(
                () -> d.getXMLDesc(0), ErrorNumber.VIR_ERR_NO_DOMAIN); // gone: no user
        if (xml != null && usesAny(DiskRefs.of(xml), paths)) {
          users.add("`" + d.getName() + "`");
        }
      } finally {
        d.free();
      }
    }
    return users;
  }

  private boolean usesAny(DiskRefs refs, Set<String> paths) throws LibvirtException {
    List<String> starts = new ArrayList<>(refs.paths());
    for (Marks.Volume v : refs.volumes()) {
      String path = pathOf(v);
      if (path != null) {
        starts.add(path);
      }
    }
    for (String start : starts) {
      String path = start;
      for (int depth = 0; path != null && depth < 16; depth++) {
        if (paths.contains(path)) {
          return true;
        }
        path = backingOf(path);
      }
    }
    return false;
  }

  /** The path of the volume a disk names by pool and volume, or null when there is no such one. */
  private String pathOf(Marks.Volume ref) throws LibvirtException {
    StoragePool p =
        Storage.orMissing(
            () -> conn.storagePoolLookupByName(ref.pool()), ErrorNumber.VIR_ERR_NO_STORAGE_POOL);
    if (p == null) {
      return null;
    }
    try {
      StorageVol v =
          Storage.orMissing(
              () -> p.storageVolLookupByName(ref.name()), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
      if (v == null) {
        return null;
      }
      try {
        return v.getPath();
      } finally {
        v.free();
      }
    } finally {
      p.free();
    }
  }

  /**
   * The backing file of the volume at {@code path}, as libvirt's storage reports it; null when it
   * has none or libvirt knows no volume there (then there is no chain to follow).
   */
  private String backingOf(String path) throws LibvirtException {
    StorageVol v =
        Storage.orMissing(
            () -> conn.storageVolLookupByPath(path), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
    if (v == null) {
      return null;
    }
    try {
      String xml = Storage.orMissing(() -> v.getXMLDesc(0), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
      return xml == null ? null : StorageXml.backingPath(xml).orElse(null);
    } finally {
      v.free();
    }
  }
}
