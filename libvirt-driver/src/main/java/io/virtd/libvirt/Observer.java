package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  /**
   * Every guest; with {@code addresses}, the running guests' addresses read within {@link
   * AddressReads#BUDGET}, else unknown.
   */
  Map<String, ObservedVm> all(Connect c, boolean addresses) throws DriverException {
    Domain[] all;
    parsed.nextGeneration();
    try {
      all = c.listAllDomains(0);
    } catch (LibvirtException e) {
      throw connections.fail(e, "list domains", null);
    }
    Map<String, ObservedVm> out = new LinkedHashMap<>(all.length * 4 / 3 + 1);
    Map<String, AddressRead> reads = new LinkedHashMap<>();
    try {
      for (int i = 0; i < all.length; i++) {
        try {
          Read r = readFacts(all[i]);
          out.put(r.vm().name(), r.vm());
          if (addresses && r.addressable()) {
            reads.put(r.vm().name(), new AddressRead(all[i], r.nics(), r.agent()));
            all[i] = null; // the address read frees it
          }
        } catch (LibvirtException e) {
          if (!Errors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) { // gone since the listing
            throw connections.fail(e, "observe", null);
          }
        }
      }
    } catch (DriverException | RuntimeException e) {
      reads.values().forEach(r -> Domains.free(r.domain()));
      throw e;
    } finally {
      for (Domain d : all) {
        Domains.free(d);
      }
    }
    return reads.isEmpty() ? out : withAddresses(out, reads);
  }

  /**
   * One guest; with {@code addresses}, its addresses read within {@link AddressReads#BUDGET}
   * through a handle of its own ({@code d} stays the caller's to free), else unknown.
   */
  ObservedVm one(Domain d, boolean addresses) throws LibvirtException, DriverException {
    Read r = readFacts(d);
    if (!addresses || !r.addressable()) {
      return r.vm();
    }
    Domain own = d.getConnect().domainLookupByUUID(d.getUUID());
    return withAddresses(
            Map.of(r.vm().name(), r.vm()),
            Map.of(r.vm().name(), new AddressRead(own, r.nics(), r.agent())))
        .get(r.vm().name());
  }

  /** A running guest's handle and what its addresses are read by. */
  private record AddressRead(Domain domain, List<String> nics, boolean agent) {}

  /**
   * A guest as read (its addresses none when it has none to ask for, else unknown), and whether
   * (and how) its addresses can be asked for.
   */
  private record Read(ObservedVm vm, List<String> nics, boolean agent) {
    boolean addressable() {
      return addressable(vm.state(), nics);
    }

    static boolean addressable(RunState state, List<String> nics) {
      return state.isActive() && !nics.isEmpty();
    }
  }

  /**
   * The guests with their addresses: those of {@code reads} as read in time (unknown otherwise),
   * every other guest as it was read (with none: it does not run, or has no NIC).
   */
  private static Map<String, ObservedVm> withAddresses(
      Map<String, ObservedVm> guests, Map<String, AddressRead> reads) {
    Map<String, Optional<List<GuestAddress>>> found =
        AddressReads.read(
            reads,
            r -> GuestAddresses.read(r.domain(), r.nics(), r.agent()),
            r -> Domains.free(r.domain()),
            AddressReads.BUDGET);
    Map<String, ObservedVm> out = new LinkedHashMap<>();
    guests.forEach(
        (name, vm) ->
            out.put(name, found.containsKey(name) ? vm.withAddresses(found.get(name)) : vm));
    return out;
  }

  /**
   * Four calls: getInfo, the persistent XML, the live XML if it runs, getAutostart; and for a guest
   * with a disk virtd made, that volume's capacity ({@code disk_size}, in whole GiB).
   */
  ObservedVm read(Domain d) throws LibvirtException, DriverException {
    return readFacts(d).vm();
  }

  private Read readFacts(Domain d) throws LibvirtException, DriverException {
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
    List<String> nics = live == null ? List.of() : live.nics();
    ObservedVm vm =
        new ObservedVm(
            persistent.name(),
            state,
            p,
            l,
            persistent.mark(),
            live != null ? live.maxMemoryKiB() : persistent.maxMemoryKiB(),
            live != null ? live.maxVcpus() : persistent.maxVcpus(),
            live != null ? live.refusedLive() : Set.of(),
            Read.addressable(state, nics) ? Optional.empty() : Optional.of(List.of()));
    return new Read(vm, nics, live != null && live.agentConnected());
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
