package io.virtd.core.plan;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.manifest.VmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What drivers share about device-list changes: how one change edits a list, a NIC's model. */
public final class DeviceItems {
  private DeviceItems() {}

  /** Whether {@code f} is a device list, whose changes are one per item. */
  public static boolean isDeviceList(Field f) {
    return DeviceLists.handles(f);
  }

  /**
   * {@code list} after change {@code c}: the item {@code c.before()} names (by target, or by MAC)
   * replaced by {@code c.after()}, removed when that is null, {@code c.after()} appended when there
   * was none.
   */
  public static List<Object> applied(List<?> list, FieldChange c) {
    List<Object> out = new ArrayList<>(list);
    int at = c.before() == null ? -1 : indexOf(out, c.before());
    if (at < 0 && c.after() != null) {
      at = indexOf(out, c.after());
    }
    if (at >= 0) {
      if (c.after() == null) {
        out.remove(at);
      } else {
        out.set(at, c.after());
      }
    } else if (c.after() != null) {
      out.add(c.after());
    }
    return out;
  }

  private static int indexOf(List<Object> list, Object item) {
    for (int i = 0; i < list.size(); i++) {
      if (same(list.get(i), item)) {
        return i;
      }
    }
    return -1;
  }

  /** The same device: one target, or one MAC (a NIC without one only as an equal value). */
  public static boolean same(Object a, Object b) {
    if (a instanceof DiskSpec x && b instanceof DiskSpec y) {
      return x.target().equals(y.target());
    }
    if (a instanceof NicSpec x && b instanceof NicSpec y) {
      return x.mac() != null ? x.mac().equalsIgnoreCase(y.mac()) : Objects.equals(x, y);
    }
    return false;
  }

  /** The model a NIC gets: its own, else the guest's {@code network_model}, else virtio. */
  public static String model(NicSpec n, VmSpec spec) {
    return n.model() != null ? n.model() : spec.string(Field.NETWORK_MODEL).orElse("virtio");
  }
}
