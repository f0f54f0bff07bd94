package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.plan.FieldChange;
import io.virtd.core.spi.DriverException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.libvirt.LibvirtException;

/**
 * What an update that adds disks or NICs to an existing guest makes first: each added disk's
 * storage ({@link DiskStorage}), each added NIC's MAC address (generated once, recorded in the
 * mark, never generated again). The changes come back with those filled in, so the definition and
 * the hot-plug get the same device.
 */
final class DeviceAdds {
  private final List<FieldChange> changes;
  private final DiskStorage.Made made;
  private final Map<String, String> markValues;
  private final Storage storage;

  private DeviceAdds(
      List<FieldChange> changes,
      DiskStorage.Made made,
      Map<String, String> markValues,
      Storage storage) {
    this.changes = List.copyOf(changes);
    this.made = made;
    this.markValues = Map.copyOf(markValues);
    this.storage = storage;
  }

  static DeviceAdds prepare(
      String guest,
      List<FieldChange> changes,
      Storage storage,
      Path storageDir,
      List<Marks.Volume> kept)
      throws LibvirtException, DriverException {
    List<DiskSpec> disks = new ArrayList<>();
    for (FieldChange c : changes) {
      if (c.field() == Field.DISKS && c.before() == null && c.after() instanceof DiskSpec d) {
        disks.add(d);
      }
    }
    DiskStorage.Made made =
        disks.isEmpty()
            ? new DiskStorage.Made(List.of(), List.of(), Map.of())
            : DiskStorage.make(guest, disks, storage, storageDir, kept);
    Map<String, String> marked = new LinkedHashMap<>(made.markValues());
    List<String> macs = new ArrayList<>();
    List<FieldChange> out = new ArrayList<>();
    int next = 0;
    for (FieldChange c : changes) {
      if (c.field() == Field.DISKS && c.before() == null && c.after() instanceof DiskSpec) {
        out.add(new FieldChange(c.field(), null, made.disks().get(next++), c.mutability()));
      } else if (c.field() == Field.DISKS
          && c.before() instanceof DiskSpec b
          && c.after() instanceof DiskSpec a
          && a.size() != null
          && !a.size().equals(b.size())) {
        marked.put(ObservedDevices.sizeKey(a.target()), Long.toString(a.size()));
        out.add(c);
      } else if (c.field() == Field.NICS && c.after() instanceof NicSpec n && n.mac() == null) {
        NicSpec withMac = n.withMac(DeviceXml.newMac());
        macs.add(withMac.mac());
        out.add(new FieldChange(c.field(), c.before(), withMac, c.mutability()));
      } else {
        out.add(c);
      }
    }
    if (!macs.isEmpty()) {
      marked.put(ObservedDevices.GENERATED_MACS, String.join(" ", macs));
    }
    return new DeviceAdds(out, made, marked, storage);
  }

  List<FieldChange> changes() {
    return changes;
  }

  Map<String, String> markValues() {
    return markValues;
  }

  List<Marks.Volume> volumes() {
    return made.volumes();
  }

  /** The definition was not written: the volumes made for it go again. */
  void discard() {
    GuestStorage.deleteQuietly(storage, made.volumes());
  }
}
