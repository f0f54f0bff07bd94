package io.virtd.libvirt;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.w3c.dom.Element;

/**
 * The files a new guest's manifest names, checked on a remote hypervisor before the plan promises a
 * create: through libvirt's storage API, which sees the hypervisor's files, never this machine's.
 * Nothing is left changed on the hypervisor: a directory no pool holds is looked at through a
 * transient pool that is stopped again (a transient pool leaves no definition behind).
 *
 * <p>{@code virt_path} and {@code boot_location} are refused on a remote hypervisor: what they may
 * name (a block device not in use, a kernel directory) can only be judged on the host itself.
 */
final class RemotePreflight {
  private RemotePreflight() {}

  private static final List<Path> SYSTEM =
      List.of(Path.of("/etc"), Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));

  static List<String> problems(VmSpec spec, String uri, Connect c) {
    List<String> out = new ArrayList<>();
    for (Field f : List.of(Field.VIRT_PATH, Field.BOOT_LOCATION)) {
      if (spec.isSet(f)) {
        out.add(
            CreatePreflight.at(
                spec,
                f,
                "`"
                    + f.key()
                    + "` is not supported on a remote hypervisor ("
                    + uri
                    + "): what it names can only be examined on the hypervisor itself; use"
                    + " `image` or `disk_size`, which virtd makes through libvirt"));
      }
    }
    Optional<String> image = spec.string(Field.IMAGE);
    if (image.isPresent()) {
      try {
        imageProblem(c, Path.of(image.get()))
            .ifPresent(m -> out.add(CreatePreflight.at(spec, Field.IMAGE, m)));
      } catch (LibvirtException e) {
        out.add(
            CreatePreflight.at(
                spec,
                Field.IMAGE,
                "cannot look up `image` "
                    + image.get()
                    + " on the hypervisor: "
                    + Errors.message(e)));
      }
    }
    return out;
  }

  /** Why {@code image} is no image file on the hypervisor, if it is none. */
  static Optional<String> imageProblem(Connect c, Path image) throws LibvirtException {
    Path p = image.toAbsolutePath().normalize();
    String at = "no image file at `image` " + p + " on the hypervisor: ";
    for (Path system : SYSTEM) {
      if (p.startsWith(system)) {
        return Optional.of("`image` " + p + " is under " + system + ": never a guest's disk");
      }
    }
    Probe probe = probe(c, p);
    if (!probe.directory()) {
      return Optional.of(at + "no directory " + p.getParent());
    }
    if (probe.type().isEmpty()) {
      return Optional.of(at + "no such file");
    }
    String type = probe.type().get();
    return type.equals("file")
        ? Optional.empty()
        : Optional.of(at + "it is a " + (type.equals("dir") ? "directory" : type));
  }

  /**
   * What the hypervisor has at a path: whether its directory exists, and the type of the volume
   * there ({@code file}, {@code dir}, {@code block}), if any.
   */
  private record Probe(boolean directory, Optional<String> type) {}

  private static Probe probe(Connect c, Path file) throws LibvirtException {
    StorageVol v =
        Storage.orMissing(
            () -> c.storageVolLookupByPath(file.toString()), ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
    if (v != null) {
      return new Probe(true, Optional.of(typeOf(v)));
    }
    Path dir = file.getParent();
    StoragePool pool = new Storage(c).findPool(dir);
    boolean transientPool = false;
    try {
      if (pool == null) {
        try {
          pool =
              c.storagePoolCreateXML(
                  StorageXml.poolXml(StorageXml.poolName(dir) + "-probe", dir), 0);
          transientPool = true;
        } catch (LibvirtException e) {
          return new Probe(false, Optional.empty()); // a dir pool starts on existing directories
        }
      } else if (pool.isActive() != 1) {
        try {
          pool.create(0); // virtd's pools start with the host; a create would start it too
        } catch (LibvirtException e) {
          return new Probe(false, Optional.empty());
        }
      } else {
        Storage.refreshQuietly(pool);
      }
      StoragePool in = pool;
      StorageVol found =
          Storage.orMissing(
              () -> in.storageVolLookupByName(file.getFileName().toString()),
              ErrorNumber.VIR_ERR_NO_STORAGE_VOL);
      return new Probe(true, found == null ? Optional.empty() : Optional.of(typeOf(found)));
    } finally {
      if (pool != null) {
        if (transientPool) {
          pool.destroy(); // a transient pool is gone once stopped
        }
        pool.free();
      }
    }
  }

  private static String typeOf(StorageVol v) throws LibvirtException {
    try {
      Element vol = Dom.parse(v.getXMLDesc(0)).getDocumentElement();
      return vol.getAttribute("type").isEmpty() ? "file" : vol.getAttribute("type");
    } finally {
      v.free();
    }
  }
}
