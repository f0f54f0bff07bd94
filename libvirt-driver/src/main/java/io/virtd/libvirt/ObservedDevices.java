package io.virtd.libvirt;

import io.virtd.core.manifest.DiskSpec;
import io.virtd.core.manifest.NicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A definition's disks and NICs as the planner compares them with {@code disks} and {@code nics}: a
 * disk whose file is a volume virtd made reports that volume's pool (and, from the mark, the image
 * it was made from); any other disk reports its file as {@code path}. Sizes are filled in by {@link
 * Observer} (they are the volumes' capacities, not in the XML).
 */
final class ObservedDevices {
  private ObservedDevices() {}

  /** The mark attribute recording the image a disk of {@code target} was made from. */
  static String imageKey(String target) {
    return "disk-" + target + "-" + Marks.IMAGE;
  }

  /**
   * The mark attribute recording the size (GiB) virtd made or last grew a disk of {@code target}
   * to: reported as the disk's size, so a plan reads no volume. Growing checks the volume's real
   * capacity first and never shrinks it.
   */
  static String sizeKey(String target) {
    return "disk-" + target + "-size";
  }

  static String imageModeKey(String target) {
    return "disk-" + target + "-" + Marks.IMAGE_MODE;
  }

  /** The mark attribute listing the MAC addresses virtd generated for the guest's NICs. */
  static final String GENERATED_MACS = "generated_macs";

  static List<DiskSpec> disks(
      List<Map<String, String>> items, Map<String, String> mark, List<Marks.Volume> volumes) {
    List<DiskSpec> out = new ArrayList<>();
    for (Map<String, String> d : items) {
      String target = d.get("target.dev");
      if (target == null) {
        continue;
      }
      String file = d.getOrDefault("source.file", d.get("source.dev"));
      Marks.Volume made = null;
      for (Marks.Volume v : volumes) {
        if (file != null && v.path().equals(file)
            || v.pool().equals(d.get("source.pool")) && v.name().equals(d.get("source.volume"))) {
          made = v;
        }
      }
      String image = mark == null ? null : mark.get(imageKey(target));
      String mode = mark == null ? null : mark.get(imageModeKey(target));
      if (image == null && mark != null && file != null && file.equals(mark.get(Marks.DISK))) {
        image = mark.get(Marks.IMAGE); // the one disk of a guest made from the single-disk keys
        mode = image == null ? null : mark.getOrDefault(Marks.IMAGE_MODE, "cow");
      }
      out.add(
          new DiskSpec(
              target,
              d.getOrDefault("target.bus", "virtio"),
              made == null ? null : image,
              made == null ? null : mode,
              made == null ? file : null,
              made == null ? null : recordedSize(mark, target),
              made == null ? null : made.pool(),
              d.get("driver.type"),
              d.get("driver.cache"),
              d.get("driver.io"),
              d.get("driver.discard"),
              d.containsKey("readonly"),
              d.containsKey("shareable"),
              d.get("serial"),
              made == null ? file : made.path()));
    }
    return List.copyOf(out);
  }

  private static Long recordedSize(Map<String, String> mark, String target) {
    String v = mark == null ? null : mark.get(sizeKey(target));
    try {
      return v == null ? null : Long.valueOf(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static List<NicSpec> nics(List<Map<String, String>> items) {
    List<NicSpec> out = new ArrayList<>();
    for (Map<String, String> n : items) {
      NicSpec.Type type;
      String source;
      switch (n.get("type")) {
        case "network" -> {
          type = NicSpec.Type.NETWORK;
          source = n.get("source.network");
        }
        case "bridge" -> {
          type = NicSpec.Type.BRIDGE;
          source = n.get("source.bridge");
        }
        case "direct" -> {
          type = NicSpec.Type.DIRECT;
          source = n.get("source.dev");
        }
        default -> {
          continue; // user-mode, ethernet, ...: nothing `nics` can describe
        }
      }
      String mac = n.get("mac.address");
      out.add(
          new NicSpec(
              type,
              source == null ? "" : source,
              mac == null ? null : mac.toLowerCase(java.util.Locale.ROOT),
              n.get("model.type"),
              n.get("link.state")));
    }
    return List.copyOf(out);
  }
}
