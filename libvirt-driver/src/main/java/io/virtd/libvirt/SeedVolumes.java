package io.virtd.libvirt;

import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DriverException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * Cloud-init seeds on a remote hypervisor ({@code qemu+ssh://host/system}), where virtd cannot
 * write files: the image is made on this machine in a private temporary directory (as {@link
 * CloudInitSeed#write} makes it) and uploaded through a libvirt stream ({@code
 * virStorageVolUpload}) into a volume {@code NAME-cidata.iso} of the pool of {@code storage_dir} on
 * the hypervisor, the path a local hypervisor's seed has. Replacing one deletes the old volume
 * first: a running guest keeps reading the image it opened, as with the local atomic rename, and
 * sees the new one at its next boot.
 */
final class SeedVolumes {
  private SeedVolumes() {}

  /** Bytes per stream send: libvirt's RPC messages carry at most 256 KiB of stream data. */
  private static final int CHUNK = 256 * 1024;

  /**
   * Writes guest {@code spec}'s seed to {@code iso} on the hypervisor.
   *
   * @param intent told of the volume before it is made, when there was none; may be null
   * @return whether this call made the volume (there was none at {@code iso})
   */
  static boolean write(Connect c, Storage storage, VmSpec spec, Path iso, Intents.Step intent)
      throws IOException, LibvirtException, DriverException {
    Path tmp =
        Files.createTempDirectory(
            "virtd-seed-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path local = tmp.resolve(iso.getFileName());
      CloudInitSeed.write(spec, local);
      byte[] bytes = Files.readAllBytes(local);
      String name = iso.getFileName().toString();
      StoragePool pool = storage.poolFor(iso.getParent(), true);
      try {
        Storage.refreshQuietly(pool);
        StorageVol old =
            Storage.orMissing(
                () -> pool.storageVolLookupByName(name), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
        if (old != null) {
          try {
            old.delete(0);
          } finally {
            old.free();
          }
        } else if (intent != null) {
          intent.volume(new Marks.Volume(pool.getName(), name, iso.toString()));
        }
        StorageVol v =
            pool.storageVolCreateXML(
                StorageXml.volumeXml(name, "raw", bytes.length, Optional.empty()), 0);
        try {
          upload(c, v, bytes);
        } finally {
          v.free();
        }
        return old == null;
      } finally {
        pool.free();
      }
    } finally {
      CloudInitSeed.deleteTree(tmp);
    }
  }

  private static void upload(Connect c, StorageVol v, byte[] bytes) throws LibvirtException {
    org.libvirt.Stream st = c.streamNew(0);
    try {
      v.upload(st, 0, bytes.length, 0);
      int off = 0;
      while (off < bytes.length) {
        int n = st.send(Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + CHUNK)));
        if (n <= 0) {
          throw new IllegalStateException("libvirt accepted no bytes of the seed upload");
        }
        off += n;
      }
      st.finish();
    } catch (LibvirtException | RuntimeException e) {
      try {
        st.abort();
      } catch (LibvirtException again) {
        e.addSuppressed(again);
      }
      throw e;
    } finally {
      st.free();
    }
  }

  /**
   * The volume of guest {@code name}'s seed at {@code iso} on the hypervisor, for deleting it with
   * the guest's volumes; none when it is not a name virtd gives seeds or no pool holds its
   * directory.
   */
  static Optional<Marks.Volume> volumeOf(Storage storage, Path iso, String name)
      throws LibvirtException {
    if (!CloudInitSeed.named(iso, name)) {
      return Optional.empty(); // not one of ours, whatever the mark says
    }
    StoragePool p = storage.findPool(iso.getParent());
    if (p == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Marks.Volume(p.getName(), iso.getFileName().toString(), iso.toString()));
    } finally {
      p.free();
    }
  }

  /**
   * Deletes guest {@code name}'s seed at {@code iso} on the hypervisor; one already gone is fine.
   */
  static void delete(Storage storage, Path iso, String name) throws LibvirtException {
    Optional<Marks.Volume> v = volumeOf(storage, iso, name);
    if (v.isPresent()) {
      storage.delete(v.get());
    }
  }
}
