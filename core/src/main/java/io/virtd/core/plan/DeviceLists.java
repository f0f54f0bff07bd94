package io.virtd.core.plan;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.NicSpec;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.DeviceEdit;
import io.virtd.core.spi.Mutability;
import io.virtd.core.spi.ObservedVm;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Plans the device lists {@code disks} and {@code nics} item by item, for {@link Planner}: items
 * matched by identity (a disk's target; a NIC's MAC when the manifest gives one, else its
 * position), each difference asked of the driver's capability table as a {@link DeviceEdit}. One
 * {@link FieldChange} per item and kind of edit: {@code before} the item as it is, {@code after} as
 * it will be (null for an item added or removed).
 */
final class DeviceLists {
  private DeviceLists() {}

  static boolean handles(Field f) {
    return f == Field.DISKS || f == Field.NICS;
  }

  /** Where the planner collects what one guest needs. */
  record Out(List<FieldChange> changes, List<FieldChange> recreate, List<Field> pending) {
    void pending(Field f) {
      if (!pending.contains(f)) {
        pending.add(f);
      }
    }
  }

  /** One item as desired, with what it is matched against: its persistent and running halves. */
  private record Match(Object desired, Object persistent, Object live) {}

  static void plan(
      Field f,
      VmSpec spec,
      Object desired,
      ObservedVm vm,
      Capabilities caps,
      boolean running,
      Out out) {
    List<?> want = (List<?>) desired;
    List<?> had = list(vm.persistent().get(f));
    List<?> live = running && vm.live().containsKey(f) ? list(vm.live().get(f)) : null;
    List<Match> matches =
        f == Field.DISKS ? matchDisks(want, had, live) : matchNics(spec, want, had, live);
    for (Match m : matches) {
      item(f, m, vm, caps, running, out);
    }
  }

  private static List<?> list(Object o) {
    return o instanceof List<?> l ? l : List.of();
  }

  private static List<Match> matchDisks(List<?> want, List<?> had, List<?> live) {
    List<Object[]> rows = new ArrayList<>(want.size() + 1); // {desired, persistent, live}
    for (Object o : want) {
      rows.add(new Object[] {o, null, null});
    }
    for (Object o : had) {
      row(rows, ((DiskSpec) o).target())[1] = o;
    }
    if (live != null) {
      for (Object o : live) {
        row(rows, ((DiskSpec) o).target())[2] = o;
      }
    }
    List<Match> out = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      out.add(new Match(r[0], r[1], r[2]));
    }
    return out;
  }

  /** The row of the disk with {@code target}, added when there is none (a guest has a few). */
  private static Object[] row(List<Object[]> rows, String target) {
    for (Object[] r : rows) {
      Object any = r[0] != null ? r[0] : r[1] != null ? r[1] : r[2];
      if (((DiskSpec) any).target().equals(target)) {
        return r;
      }
    }
    Object[] r = new Object[3];
    rows.add(r);
    return r;
  }

  /**
   * NICs with a MAC in the manifest match the observed NIC with that MAC; the others match the
   * observed NICs left over, in order. The running guest's NICs match the persistent ones by MAC.
   */
  private static List<Match> matchNics(VmSpec spec, List<?> want, List<?> had, List<?> live) {
    List<NicSpec> left = new ArrayList<>(had.size());
    had.forEach(o -> left.add((NicSpec) o));
    List<Object[]> rows = new ArrayList<>();
    List<Object[]> byPosition = new ArrayList<>();
    for (Object o : want) {
      NicSpec d = (NicSpec) o;
      String model = DeviceItems.model(d, spec);
      if (!model.equals(d.model())) {
        d = d.withModel(model);
      }
      Object[] row = {d, null};
      if (d.mac() != null) {
        NicSpec h = take(left, d.mac(), true);
        row[1] = h;
      } else {
        byPosition.add(row);
      }
      rows.add(row);
    }
    List<NicSpec> unclaimed = new ArrayList<>(left.size());
    for (NicSpec h : left) {
      if (h.mac() == null || !wanted(want, h.mac())) {
        unclaimed.add(h);
      }
    }
    for (Object[] row : byPosition) {
      if (!unclaimed.isEmpty()) {
        row[1] = unclaimed.remove(0);
      }
    }
    for (NicSpec h : unclaimed) {
      rows.add(new Object[] {null, h});
    }
    List<Match> out = new ArrayList<>(rows.size());
    List<NicSpec> liveLeft = new ArrayList<>();
    if (live != null) {
      live.forEach(o -> liveLeft.add((NicSpec) o));
    }
    for (Object[] row : rows) {
      NicSpec l = null;
      if (row[1] instanceof NicSpec h && live != null) {
        l = take(liveLeft, h.mac(), false);
      } else if (row[0] instanceof NicSpec d && d.mac() != null && live != null) {
        l = take(liveLeft, d.mac(), false);
      }
      out.add(new Match(row[0], row[1], l));
    }
    for (NicSpec l : liveLeft) { // running, but gone from the definition
      out.add(new Match(null, null, l));
    }
    return out;
  }

  /** Removes and returns the first NIC of {@code nics} with {@code mac}, or null. */
  private static NicSpec take(List<NicSpec> nics, String mac, boolean ignoreCase) {
    for (int i = 0; i < nics.size(); i++) {
      String m = nics.get(i).mac();
      if (ignoreCase ? mac.equalsIgnoreCase(m) : Objects.equals(mac, m)) {
        return nics.remove(i);
      }
    }
    return null;
  }

  /** Whether the manifest lists a NIC with {@code mac}. */
  private static boolean wanted(List<?> want, String mac) {
    for (Object o : want) {
      if (mac.equalsIgnoreCase(((NicSpec) o).mac())) {
        return true;
      }
    }
    return false;
  }

  private static void item(
      Field f, Match m, ObservedVm vm, Capabilities caps, boolean running, Out out) {
    Object d = m.desired();
    Object p = m.persistent();
    Object l = m.live();
    if (d != null && p == null) {
      if (running && l != null) {
        out.changes().add(new FieldChange(f, null, d, Mutability.CONFIG)); // running only
        return;
      }
      edit(f, new DeviceEdit(DeviceEdit.Kind.ADD, null, d), vm, caps, running, out, true);
      return;
    }
    if (d == null) {
      Object was = p != null ? p : l;
      if (p == null && vm.refusedLive().contains(f)) {
        out.pending(f); // the guest did not release it: it goes at the next restart
        return;
      }
      boolean liveToo = running && l != null;
      edit(f, new DeviceEdit(DeviceEdit.Kind.REMOVE, was, null), vm, caps, liveToo, out, p != null);
      return;
    }
    if (running && l == null && vm.live().containsKey(f)) {
      out.pending(f); // in the definition, not in the running guest: it gets it at its restart
    }
    Object current = p;
    for (DeviceEdit.Kind kind : kinds(f)) {
      Object next = apply(kind, current, d);
      boolean configDiffers = !Objects.equals(next, current);
      boolean liveDiffers =
          running && l != null && !Objects.equals(apply(kind, l, d), l) && differsLive(kind);
      if (!configDiffers && !liveDiffers) {
        continue;
      }
      DeviceEdit.Kind k = kind;
      if (kind == DeviceEdit.Kind.GROW && size(next) < size(current)) {
        k = DeviceEdit.Kind.SHRINK;
      }
      Object before = configDiffers ? current : l;
      edit(f, new DeviceEdit(k, before, next), vm, caps, running, out, configDiffers);
      current = next;
    }
  }

  /** Whether the running guest has its own value of what {@code kind} edits. */
  private static boolean differsLive(DeviceEdit.Kind kind) {
    return kind == DeviceEdit.Kind.LINK
        || kind == DeviceEdit.Kind.SETTING
        || kind == DeviceEdit.Kind.NIC_SOURCE;
  }

  private static long size(Object disk) {
    Long s = ((DiskSpec) disk).size();
    return s == null ? 0 : s;
  }

  private static void edit(
      Field f,
      DeviceEdit e,
      ObservedVm vm,
      Capabilities caps,
      boolean running,
      Out out,
      boolean configDiffers) {
    Mutability m = caps.mutability(f, e, vm);
    FieldChange c;
    switch (m) {
      case REPLACE, UNSUPPORTED -> {
        out.recreate().add(new FieldChange(f, e.before(), e.after(), Mutability.REPLACE));
        return;
      }
      case LIVE -> c = new FieldChange(f, e.before(), e.after(), running ? m : Mutability.CONFIG);
      case RESTART -> {
        if (running) {
          out.pending(f);
        }
        if (!configDiffers) {
          return;
        }
        c = new FieldChange(f, e.before(), e.after(), running ? m : Mutability.CONFIG);
      }
      default -> {
        if (!configDiffers) {
          return;
        }
        c = new FieldChange(f, e.before(), e.after(), Mutability.CONFIG);
      }
    }
    out.changes().add(c);
  }

  private static List<DeviceEdit.Kind> kinds(Field f) {
    return f == Field.DISKS
        ? List.of(DeviceEdit.Kind.SOURCE, DeviceEdit.Kind.GROW, DeviceEdit.Kind.SETTING)
        : List.of(DeviceEdit.Kind.NIC_SOURCE, DeviceEdit.Kind.SETTING, DeviceEdit.Kind.LINK);
  }

  /**
   * {@code current} with what {@code kind} edits taken from {@code desired}, where the manifest
   * says it (a value it leaves out is not managed).
   */
  static Object apply(DeviceEdit.Kind kind, Object current, Object desired) {
    if (current instanceof DiskSpec c && desired instanceof DiskSpec d) {
      return switch (kind) {
        case SOURCE -> {
          boolean same =
              c.source() == d.source()
                  && Objects.equals(c.image(), d.image())
                  && (d.image() == null || Objects.equals(c.imageMode(), d.imageMode()))
                  && Objects.equals(c.path(), d.path())
                  && (d.pool() == null || d.pool().equals(c.pool()))
                  && (d.format() == null || d.format().equals(c.format()));
          yield same ? c : c.withSourceOf(d);
        }
        case GROW ->
            d.size() == null || c.size() == null || d.size().equals(c.size())
                ? c
                : c.withSize(d.size());
        default -> sameSettings(c, d) ? c : c.withSettingsOf(d);
      };
    }
    NicSpec c = (NicSpec) current;
    NicSpec d = (NicSpec) desired;
    return switch (kind) {
      case NIC_SOURCE ->
          c.type() == d.type() && Objects.equals(c.source(), d.source())
              ? c
              : c.withSource(d.type(), d.source());
      case SETTING -> d.model() == null || d.model().equals(c.model()) ? c : c.withModel(d.model());
      default -> Objects.equals(c.linkState(), d.linkState()) ? c : c.withLink(d.linkState());
    };
  }

  /** Whether {@code desired} leaves every setting of {@code current} as it is. */
  private static boolean sameSettings(DiskSpec current, DiskSpec desired) {
    return Objects.equals(desired.bus(), current.bus())
        && unchanged(desired.cache(), current.cache())
        && unchanged(desired.io(), current.io())
        && unchanged(desired.discard(), current.discard())
        && desired.readonly() == current.readonly()
        && desired.shareable() == current.shareable()
        && unchanged(desired.serial(), current.serial());
  }

  /** A value the manifest leaves out is not managed: only one it gives can differ. */
  private static boolean unchanged(String desired, String current) {
    return desired == null || desired.equals(current);
  }
}
