package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.RunState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Makes the storage a new guest's manifest asks for and says what the definition is to hold: the
 * disks of {@code disks}, or of the single-disk keys ({@code image} with {@code image_mode}, {@code
 * virt_path}, {@code disk_size}) as the one item of {@code disks} they are (both by {@link
 * DiskStorage}), or {@code clone_from}'s copies of a base's disks. Every volume made is listed in
 * the result, so the caller can delete them when the define fails and the mark can name them for
 * {@code ensure: absent}.
 */
final class GuestStorage {
  private GuestStorage() {}

  /**
   * The storage of a new guest.
   *
   * @param template the base domain's XML prepared for the clone ({@code clone_from} only)
   */
  record Prepared(Optional<String> template, DomainWriter.Provisioned storage) {}

  /** Creates the guest's storage; on failure, deletes whatever it had created already. */
  static Prepared prepare(VmSpec spec, Storage storage, Path storageDir, Connect conn)
      throws LibvirtException, DriverException {
    List<Marks.Volume> made = new ArrayList<>();
    try {
      return prepare(spec, storage, storageDir, conn, made);
    } catch (LibvirtException | DriverException | RuntimeException e) {
      deleteQuietly(storage, made);
      throw e;
    }
  }

  static void deleteQuietly(Storage storage, List<Marks.Volume> volumes) {
    for (Marks.Volume v : volumes) {
      try {
        storage.delete(v);
      } catch (LibvirtException e) {
        org.slf4j.LoggerFactory.getLogger(GuestStorage.class)
            .warn("could not delete volume {}: {}", v.path(), Errors.message(e));
      }
    }
  }

  private static Prepared prepare(
      VmSpec spec, Storage storage, Path storageDir, Connect conn, List<Marks.Volume> made)
      throws LibvirtException, DriverException {
    DiskStorage.Made m;
    if (spec.get(Field.DISKS).orElse(null) instanceof List<?> disks) {
      m =
          DiskStorage.make(
              spec.name(),
              disks.stream().map(DiskSpec.class::cast).toList(),
              storage,
              storageDir,
              List.of());
    } else if (spec.isSet(Field.CLONE_FROM)) {
      Optional<Long> size = spec.get(Field.DISK_SIZE).map(v -> ((Number) v).longValue());
      return cloneFrom(
          spec, storage, storageDir, conn, made, size, spec.string(Field.IMAGE_MODE).orElse("cow"));
    } else {
      refuseSingleDisk(spec, storage, conn);
      m = DiskStorage.makeSingle(spec, storage, storageDir);
    }
    made.addAll(m.volumes());
    return new Prepared(
        Optional.empty(), new DomainWriter.Provisioned(m.markValues(), m.volumes(), m.disks()));
  }

  /** What the single-disk keys cannot ask of this hypervisor, refused before anything is made. */
  private static void refuseSingleDisk(VmSpec spec, Storage storage, Connect conn)
      throws LibvirtException, DriverException {
    if (spec.isSet(Field.IMAGE)) {
      if (storage.remote()) { // the hypervisor's file: libvirt finds it or says why not
        Optional<String> problem =
            RemotePreflight.imageProblem(conn, Path.of(spec.string(Field.IMAGE).get()));
        if (problem.isPresent()) {
          throw terminal(problem.get());
        }
      }
      return;
    }
    if (spec.isSet(Field.VIRT_PATH)) {
      if (storage.remote()) {
        throw terminal("`virt_path` is not supported on a remote hypervisor");
      }
      return;
    }
    if (spec.isSet(Field.DISK_SIZE) && spec.isSet(Field.XML_FILE)) {
      throw terminal("`disk_size` with `xml_file`: the template's disks are used as they are");
    }
  }

  /**
   * {@code clone_from}: the base's file disks cloned (overlay or copy), its XML with the new disks,
   * without its UUID, MAC addresses, NVRAM path and virtd mark (libvirt makes new ones).
   */
  private static Prepared cloneFrom(
      VmSpec spec,
      Storage storage,
      Path storageDir,
      Connect conn,
      List<Marks.Volume> made,
      Optional<Long> size,
      String mode)
      throws LibvirtException, DriverException {
    String from = spec.string(Field.CLONE_FROM).get();
    String xml;
    Domain base;
    try {
      base = conn.domainLookupByName(from);
    } catch (LibvirtException e) {
      if (Errors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        throw terminal("`clone_from`: there is no domain `" + from + "`");
      }
      throw e;
    }
    try {
      RunState s = Domains.state(base.getInfo().state);
      if (s != RunState.SHUTOFF) {
        throw new DriverException(
            Kind.CONFLICT,
            "libvirt: `clone_from`: the base domain `"
                + from
                + "` is "
                + s.key()
                + "; shut it off to clone it");
      }
      xml = base.getXMLDesc(LibvirtDriver.XML_INACTIVE | LibvirtDriver.XML_SECURE);
    } finally {
      base.free();
    }
    Document doc = Dom.parse(xml);
    Element domain = doc.getDocumentElement();
    Element devices = Dom.first(domain, "devices");
    String first = null;
    int n = 0;
    for (Element disk : devices == null ? List.<Element>of() : Dom.children(devices, "disk")) {
      String device = disk.getAttribute("device");
      if (!device.isEmpty() && !device.equals("disk")) {
        continue; // cdroms and floppies are shared read-only media
      }
      Element source = Dom.first(disk, "source");
      Element target = Dom.first(disk, "target");
      String dev = target == null ? "disk" + n : target.getAttribute("dev");
      if (!disk.getAttribute("type").equals("file")
          || source == null
          || !source.hasAttribute("file")) {
        throw terminal(
            "`clone_from`: disk "
                + dev
                + " of `"
                + from
                + "` is not a file; only file disks can be"
                + " cloned");
      }
      Storage.Volume src = storage.describe(Path.of(source.getAttribute("file")));
      long bytes = 0;
      if (n == 0) {
        refuseSmaller(size, src, "disk " + dev + " of `" + from + "`");
        bytes = size.orElse(0L) * Storage.GIB;
      }
      String stem = n == 0 ? spec.name() : spec.name() + "-" + dev;
      Storage.Volume v =
          mode.equals("clone")
              ? storage.copy(storageDir, stem + "." + src.format(), src, bytes)
              : storage.overlay(storageDir, stem + ".qcow2", src, bytes);
      made.add(ref(v));
      source.setAttribute("file", v.path());
      for (Element bs : Dom.children(disk, "backingStore")) {
        disk.removeChild(bs);
      }
      Element driver = Dom.first(disk, "driver");
      if (driver != null && driver.hasAttribute("type")) {
        driver.setAttribute("type", v.format());
      }
      if (first == null) {
        first = v.path();
      }
      n++;
    }
    for (Element uuid : Dom.children(domain, "uuid")) {
      domain.removeChild(uuid);
    }
    if (devices != null) {
      for (Element nic : Dom.children(devices, "interface")) {
        for (Element mac : Dom.children(nic, "mac")) {
          nic.removeChild(mac);
        }
      }
    }
    Element os = Dom.first(domain, "os");
    if (os != null) {
      for (Element nvram : Dom.children(os, "nvram")) {
        os.removeChild(nvram);
      }
    }
    Map<String, String> marked = new LinkedHashMap<>();
    marked.put(Marks.CLONE_FROM, from);
    marked.put(Marks.IMAGE_MODE, mode);
    if (first != null) {
      marked.put(Marks.DISK, first);
    } else if (size.isPresent()) {
      throw terminal("`disk_size`: the base domain `" + from + "` has no disk to grow");
    }
    return new Prepared(
        Optional.of(Dom.serialize(doc)), new DomainWriter.Provisioned(marked, made, List.of()));
  }

  /** A disk_size below the source's size could only be met by shrinking it: refused. */
  private static void refuseSmaller(Optional<Long> size, Storage.Volume src, String what)
      throws DriverException {
    if (size.isPresent() && Storage.wholeGiB(src.capacity()) > size.get()) {
      throw terminal(
          "`disk_size` "
              + size.get()
              + " GiB is smaller than "
              + what
              + " ("
              + Storage.wholeGiB(src.capacity())
              + " GiB); disks are never shrunk");
    }
  }

  private static Marks.Volume ref(Storage.Volume v) {
    return new Marks.Volume(v.pool(), v.name(), v.path());
  }

  private static DriverException terminal(String message) {
    return new DriverException(Kind.TERMINAL, "libvirt: " + message);
  }
}
