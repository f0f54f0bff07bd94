package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * Reads guests as the planner sees them: everything from the domain XML (persistent and live),
 * {@code getInfo} and {@code getAutostart}, and a disk virtd made from its volume's capacity.
 * Parsed definitions are cached by their text ({@link FactsCache}).
 */
final class Observer {
  private final FactsCache parsed = new FactsCache();
  private final Connections connections;

  Observer(Connections connections) {
    this.connections = connections;
  }

  Map<String, ObservedVm> all(Connect c) throws DriverException {
    Domain[] all;
    parsed.nextGeneration();
    try {
      all = c.listAllDomains(0);
    } catch (LibvirtException e) {
      throw connections.fail(e, "list domains", null);
    }
    Map<String, ObservedVm> out = new LinkedHashMap<>();
    try {
      for (Domain d : all) {
        try {
          ObservedVm vm = read(d);
          out.put(vm.name(), vm);
        } catch (LibvirtException e) {
          if (!Errors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) { // gone since the listing
            throw connections.fail(e, "observe", null);
          }
        }
      }
    } finally {
      for (Domain d : all) {
        Domains.free(d);
      }
    }
    return out;
  }

  /**
   * Four calls: getInfo, the persistent XML, the live XML if it runs, getAutostart; and for a guest
   * with a disk virtd made, that volume's capacity ({@code disk_size}, in whole GiB).
   */
  ObservedVm read(Domain d) throws LibvirtException, DriverException {
    DomainInfo info = d.getInfo();
    RunState state = Domains.state(info.state);
    DomainReader.Facts persistent =
        parse(d.getXMLDesc(LibvirtDriver.XML_INACTIVE | LibvirtDriver.XML_SECURE));
    DomainReader.Facts live = state.isActive() ? parse(d.getXMLDesc(0)) : null;
    boolean autostart = d.getAutostart();
    Map<Field, Object> p = new EnumMap<>(Field.class);
    p.putAll(persistent.fields());
    p.put(Field.AUTOBOOT, autostart);
    if (persistent.disk().isPresent()) {
      new Storage(d.getConnect())
          .capacity(persistent.disk().get())
          .ifPresent(bytes -> p.put(Field.DISK_SIZE, Storage.wholeGiB(bytes)));
    }
    p.put(Field.DISKS, sized(d, p.get(Field.DISKS), persistent.disk(), p.get(Field.DISK_SIZE)));
    Map<Field, Object> l = new EnumMap<>(Field.class);
    if (live != null) {
      l.putAll(live.fields());
      // the maximums are create-time keys a running guest has its own value of, fixed at its start
      l.keySet()
          .removeIf(
              f ->
                  f.kind() == Field.Kind.CREATE_TIME
                      && f != Field.MAX_MEMORY
                      && f != Field.MAX_CPUS);
      if (List.of().equals(l.get(Field.INTERFACES))) {
        l.remove(Field.NETWORK_MODEL); // only the boot-time mark's record: nothing runs with it
      }
      // What the guest booted with: the running definition's seed CD-ROM and the digests its mark
      // had at boot (an update rewrites only the persistent definition's mark). A document it did
      // not boot with is none, so a seed or document added while it runs is "restart pending".
      for (Field f : CloudInitSeed.FILES.keySet()) {
        if (!live.seedAttached()) {
          l.remove(f);
        }
        l.putIfAbsent(f, Unset.VALUE);
      }
    }
    return new ObservedVm(
        persistent.name(),
        state,
        p,
        l,
        persistent.mark(),
        live != null ? live.maxMemoryKiB() : persistent.maxMemoryKiB(),
        live != null ? live.maxVcpus() : persistent.maxVcpus(),
        live != null ? live.refusedLive() : Set.of());
  }

  /**
   * The disks of a definition with the sizes of the volumes virtd made for them (in whole GiB): as
   * the mark recorded them, else the volume's capacity (the one {@code disk_size} measured already
   * taken from it).
   */
  private static List<DiskSpec> sized(
      Domain d, Object disks, java.util.Optional<String> measured, Object measuredSize)
      throws LibvirtException {
    List<DiskSpec> out = new ArrayList<>();
    Storage storage = null;
    for (Object o : disks instanceof List<?> l ? l : List.of()) {
      DiskSpec disk = (DiskSpec) o;
      if (disk.pool() != null && disk.file() != null && disk.size() == null) {
        if (measured.isPresent() && measured.get().equals(disk.file())) {
          disk = disk.withSize(measuredSize instanceof Long n ? n : null);
        } else {
          storage = storage == null ? new Storage(d.getConnect()) : storage;
          disk = disk.withSize(storage.capacity(disk.file()).map(Storage::wholeGiB).orElse(null));
        }
      }
      out.add(disk);
    }
    return List.copyOf(out);
  }

  DomainReader.Facts parse(String xml) throws DriverException {
    try {
      return parsed.read(xml);
    } catch (IllegalArgumentException e) {
      throw new DriverException(Kind.TERMINAL, "libvirt: " + e.getMessage(), e);
    }
  }
}
