package io.virtd.core.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.NicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code item} of a change to a device list ({@code disks}, {@code nics}) in the plan's JSON:
 * which device, whether it is added, removed or changed, and what changes, as {@link PlanText}
 * prints it.
 */
final class DeviceChangeJson {
  private DeviceChangeJson() {}

  static ObjectNode item(FieldChange c) {
    ObjectNode n = PlanJson.NODES.objectNode();
    Object any = c.after() != null ? c.after() : c.before();
    n.put("kind", any instanceof DiskSpec ? "disk" : "nic");
    String id = id(c.before(), c.after());
    if (id == null) {
      n.putNull("id");
    } else {
      n.put("id", id);
    }
    String op = c.before() == null ? "add" : c.after() == null ? "remove" : "change";
    n.put("op", op);
    n.put(
        "summary",
        switch (op) {
          case "add" -> describe(c.after());
          case "remove" -> describe(c.before());
          default -> String.join(", ", differences(c.before(), c.after()));
        });
    if (op.equals("remove") && c.before() instanceof DiskSpec d && kept(d)) {
      n.put("volume_kept", d.file());
    } else {
      n.putNull("volume_kept");
    }
    return n;
  }

  /** A disk whose file virtd made (not a {@code path} used as it is): its volume stays. */
  private static boolean kept(DiskSpec d) {
    return d.file() != null && d.path() == null;
  }

  private static String id(Object before, Object after) {
    for (Object o : new Object[] {before, after}) {
      if (o instanceof DiskSpec d) {
        return d.target();
      }
      if (o instanceof NicSpec n && n.mac() != null) {
        return n.mac();
      }
    }
    return null;
  }

  static String describe(Object item) {
    if (item instanceof DiskSpec d) {
      return d.describe();
    }
    return item == null ? "" : ((NicSpec) item).describe();
  }

  private static List<String> differences(Object before, Object after) {
    List<String> out = new ArrayList<>();
    if (before instanceof DiskSpec b && after instanceof DiskSpec a) {
      diff(out, "image", b.image(), a.image());
      diff(out, "image_mode", b.imageMode(), a.imageMode());
      diff(out, "path", b.path(), a.path());
      diff(out, "pool", b.pool(), a.pool());
      diff(out, "format", b.format(), a.format());
      diff(
          out,
          "size",
          b.size() == null ? null : b.size() + " GiB",
          a.size() == null ? null : a.size() + " GiB");
      diff(out, "bus", b.bus(), a.bus());
      diff(out, "cache", b.cache(), a.cache());
      diff(out, "io", b.io(), a.io());
      diff(out, "discard", b.discard(), a.discard());
      diff(out, "readonly", b.readonly(), a.readonly());
      diff(out, "shareable", b.shareable(), a.shareable());
      diff(out, "serial", b.serial(), a.serial());
    } else if (before instanceof NicSpec b && after instanceof NicSpec a) {
      diff(out, "source", b.describe(), a.describe());
      diff(out, "model", b.model(), a.model());
      diff(out, "link", b.linkState(), a.linkState());
    }
    return out;
  }

  private static void diff(List<String> out, String what, Object before, Object after) {
    if (!Objects.equals(before, after)) {
      out.add(
          what
              + " "
              + (before == null ? "(none)" : before)
              + " -> "
              + (after == null ? "(none)" : after));
    }
  }
}
