package io.virtd.libvirt;

import static io.virtd.libvirt.Domains.sleep;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import io.virtd.core.spi.Mutability;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an update does to a guest once its definition is written: its autostart flag, the live calls
 * on a running guest (balloon, vcpu hot-plug, description, block resize) each read back, a stopped
 * guest's disk grown through the storage API, and the running guest's record of the live changes it
 * refused.
 */
final class LiveChanges {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

  static final int METADATA_DESCRIPTION = 0;
  static final int METADATA_ELEMENT = 2;
  static final int AFFECT_LIVE = 1;

  /**
   * How long a live change may take to show: libvirt learns a balloon's size from QEMU's
   * BALLOON_CHANGE events, which QEMU sends at most once a second, so the final size can come a
   * second after the first change and more under load.
   */
  private static final Duration READ_BACK = Duration.ofSeconds(3);

  /** Reads a domain XML (the driver's cache of parsed definitions). */
  @FunctionalInterface
  interface Parser {
    DomainReader.Facts parse(String xml) throws DriverException;
  }

  private final Parser parser;

  LiveChanges(Parser parser) {
    this.parser = parser;
  }

  /**
   * Makes {@code changes} to guest {@code d}, whose persistent definition was {@code inactive}
   * before the update: returns the fields it did not honour (a live change refused).
   */
  Set<Field> apply(Domain d, boolean active, String inactive, List<FieldChange> changes)
      throws LibvirtException, DriverException {
    Set<Field> notHonoured = EnumSet.noneOf(Field.class);
    Set<Field> honoured = EnumSet.noneOf(Field.class);
    for (FieldChange change : changes) {
      boolean live = active && change.mutability() == Mutability.LIVE;
      boolean ok =
          switch (change.field()) {
            case AUTOBOOT -> {
              d.setAutostart((Boolean) change.after());
              yield true;
            }
            case MEMORY -> !live || setMemory(d, ((Number) change.after()).longValue());
            case CPUS -> !live || setVcpus(d, ((Number) change.after()).intValue());
            case DESC -> !live || liveDescription(d, change.after().toString());
            case DISK_SIZE ->
                growDisk(d, active, parser.parse(inactive), ((Number) change.after()).longValue());
            case DISKS -> disk(d, active, live, change);
            case NICS -> !live || nic(d, change);
            default -> true;
          };
      if (!ok) {
        notHonoured.add(change.field());
      } else if (live) {
        honoured.add(change.field());
      }
    }
    honoured.removeAll(notHonoured); // a list field with one item refused stays refused
    if (active && (!notHonoured.isEmpty() || !honoured.isEmpty())) {
      recordRefused(d, notHonoured, honoured);
    }
    return notHonoured;
  }

  /**
   * Keeps the running guest's record of the live changes it refused ({@link
   * Marks#REFUSED_NAMESPACE}) up to date: {@code refused} join it, {@code honoured} leave it.
   */
  private void recordRefused(Domain d, Set<Field> refused, Set<Field> honoured)
      throws LibvirtException, DriverException {
    Set<Field> before = parser.parse(d.getXMLDesc(0)).refusedLive();
    Set<Field> now = EnumSet.noneOf(Field.class);
    now.addAll(before);
    now.addAll(refused);
    now.removeAll(honoured);
    if (now.equals(before)) {
      return;
    }
    try {
      d.setMetadata(
          METADATA_ELEMENT,
          now.isEmpty() ? null : Marks.refusedElement(now),
          Marks.REFUSED_PREFIX,
          Marks.REFUSED_NAMESPACE,
          AFFECT_LIVE);
    } catch (LibvirtException e) {
      Errors.rethrowIfLost(e);
      log.warn(
          "{}: cannot record the live changes it refused ({}); they are tried again",
          d.getName(),
          Errors.message(e));
    }
  }

  /**
   * Grows the disk virtd made for the guest: a running guest's through QEMU ({@code
   * virDomainBlockResize}, so the guest sees the new size at once), a stopped one's volume through
   * the storage API. False when the running guest refuses; the difference then stays in the plan.
   */
  private static boolean growDisk(Domain d, boolean active, DomainReader.Facts facts, long gib)
      throws LibvirtException, DriverException {
    if (facts.disk().isEmpty()) {
      throw new DriverException(
          Kind.TERMINAL,
          "libvirt: `disk_size` of `" + facts.name() + "`: virtd made no disk for it to grow");
    }
    if (grow(d, active, facts.disk().get(), facts.disk().get(), gib)) {
      return true;
    }
    log.warn("growing the disk of {} while it runs was refused", facts.name());
    return false;
  }

  /**
   * Grows the disk in {@code file} (the guest's {@code device}, a target or that file) to {@code
   * gib}: a running guest's through QEMU's block resize, a stopped one's volume through the storage
   * API; nothing when it is that large already (grown by someone else: nothing is ever shrunk).
   * False when the running guest refuses.
   */
  private static boolean grow(Domain d, boolean active, String file, String device, long gib)
      throws LibvirtException, DriverException {
    long bytes = gib * Storage.GIB;
    Storage storage = new Storage(d.getConnect());
    Optional<Long> now = storage.capacity(file);
    if (now.isPresent() && now.get() >= bytes) {
      return true;
    }
    if (!active) {
      storage.grow(file, bytes);
      return true;
    }
    return tried("disk resize", () -> d.blockResize(device, bytes, Storage.BLOCK_RESIZE_BYTES));
  }

  /** How long a guest may take to release a device it is asked to unplug. */
  private static final Duration UNPLUG = Duration.ofSeconds(10);

  /**
   * One disk of the list: hot-plugged or unplugged (the definition has it already), or grown: live
   * by QEMU's block resize, a stopped guest's volume through the storage API. False when the
   * running guest refuses, or does not release a disk it was asked to unplug.
   */
  private boolean disk(Domain d, boolean active, boolean live, FieldChange c)
      throws LibvirtException, DriverException {
    DiskSpec before = (DiskSpec) c.before();
    DiskSpec after = (DiskSpec) c.after();
    if (before != null
        && after != null
        && after.size() != null
        && before.size() != null
        && after.size() > before.size()) {
      if (!grow(d, active, before.file(), before.target(), after.size())) {
        return false;
      }
    }
    if (!live) {
      return true;
    }
    if (before == null) {
      return tried("disk attach", () -> d.attachDeviceFlags(DeviceXml.disk(after), AFFECT_LIVE));
    }
    if (after == null) {
      return tried("disk detach", () -> d.detachDeviceFlags(DeviceXml.disk(before), AFFECT_LIVE))
          && released(d, before);
    }
    return true;
  }

  /** One NIC of the list: hot-plugged, unplugged, or its link or source changed in place. */
  private boolean nic(Domain d, FieldChange c) throws LibvirtException, DriverException {
    NicSpec before = (NicSpec) c.before();
    NicSpec after = (NicSpec) c.after();
    if (before == null) {
      return tried("NIC attach", () -> d.attachDeviceFlags(DeviceXml.nic(after), AFFECT_LIVE));
    }
    if (after == null) {
      return tried("NIC detach", () -> d.detachDeviceFlags(DeviceXml.nic(before), AFFECT_LIVE))
          && released(d, before);
    }
    return tried("NIC update", () -> d.updateDeviceFlags(DeviceXml.nic(after), AFFECT_LIVE));
  }

  /** Whether the running guest let go of {@code item} within {@link #UNPLUG}. */
  private boolean released(Domain d, Object item) throws LibvirtException, DriverException {
    long deadline = System.nanoTime() + UNPLUG.toNanos();
    while (true) {
      Object listed =
          parser
              .parse(d.getXMLDesc(0))
              .fields()
              .get(item instanceof DiskSpec ? Field.DISKS : Field.NICS);
      boolean there =
          listed instanceof List<?> l
              && l.stream().anyMatch(o -> io.virtd.core.plan.DeviceItems.same(o, item));
      if (!there) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        log.warn(
            "{} did not release the device it was asked to unplug; it goes at its next restart",
            d.getName());
        return false;
      }
      sleep(Domains.POLL_MS);
    }
  }

  /** Balloons a running guest; false when it refuses or does not follow (no balloon driver). */
  private static boolean setMemory(Domain d, long kib) throws LibvirtException, DriverException {
    return tried("memory", () -> d.setMemory(kib)) && readBack(() -> d.getInfo().memory == kib);
  }

  /** Hot-plugs or unplugs vcpus; false when the guest refuses (no ACPI, no guest support). */
  private static boolean setVcpus(Domain d, int n) throws LibvirtException, DriverException {
    return tried("vcpu", () -> d.setVcpus(n)) && readBack(() -> d.getInfo().nrVirtCpu == n);
  }

  private static boolean liveDescription(Domain d, String desc) throws LibvirtException {
    return tried(
        "description", () -> d.setMetadata(METADATA_DESCRIPTION, desc, null, null, AFFECT_LIVE));
  }

  @FunctionalInterface
  private interface LiveCall {
    void run() throws LibvirtException;
  }

  /**
   * Makes one live call; false when the guest refuses it (logged). A lost connection is thrown: it
   * is no refusal.
   */
  private static boolean tried(String what, LiveCall call) throws LibvirtException {
    try {
      call.run();
      return true;
    } catch (LibvirtException e) {
      Errors.rethrowIfLost(e);
      log.debug("live {} change refused: {}", what, Errors.message(e));
      return false;
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws LibvirtException;
  }

  private static boolean readBack(Check check) throws LibvirtException, DriverException {
    long deadline = System.nanoTime() + READ_BACK.toNanos();
    while (true) {
      if (check.ok()) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      sleep(Domains.POLL_MS);
    }
  }
}
