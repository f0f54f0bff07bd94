package io.virtd.core.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.spi.ObservedHost;
import io.virtd.core.spi.ObservedValue;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A manifest written from a guest as it was read ({@code virtctl export}): every key virtd manages
 * that the guest's definition shows, so that planning the manifest against the same guest finds
 * nothing to do but adopt it. Secrets are never written, nor values only their digest is known of
 * (the cloud-init documents).
 */
public final class ManifestExport {
  private ManifestExport() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One YAML document for {@code vm} on a hypervisor of {@code driver} reached at {@code connect}
   * (written as the {@code connect} key when not empty).
   */
  public static String yaml(ObservedVm vm, DriverKind driver, Optional<String> connect) {
    return yaml(vm, driver, connect, Optional.empty());
  }

  /**
   * As {@link #yaml(ObservedVm, DriverKind, Optional)}; a volume in {@code storageDir} (virtd's
   * {@code storage_dir}) is written without its pool, which is storage_dir's.
   */
  public static String yaml(
      ObservedVm vm, DriverKind driver, Optional<String> connect, Optional<Path> storageDir) {
    List<String> lines = new ArrayList<>();
    lines.add("virt: " + quoted(vm.name()));
    Object type = vm.persistent().get(Field.VIRT_TYPE);
    if (type != null) {
      lines.add("virt_type: " + type);
    } else if (driver == DriverKind.OPENVZ) {
      lines.add("virt_type: " + VirtType.OPENVZ);
    } else { // a hypervisor type virtd does not name (libvirt's test driver): the key is required
      lines.add("virt_type: " + VirtType.KVM + "  # the hypervisor does not say; not compared");
    }
    lines.add("ensure: " + ensure(vm.state()).key());
    Optional<String> disks = disks(vm.persistent().get(Field.DISKS), storageDir);
    Optional<String> nics = nics(vm.persistent().get(Field.NICS));
    for (Field f : Field.values()) {
      if (f == Field.VIRT_TYPE
          || !exported(f, driver)
          || disks.isPresent() && SINGLE_DISK.contains(f)
          || nics.isPresent() && (f == Field.INTERFACES || f == Field.NETWORK_MODEL)) {
        continue;
      }
      Optional<String> v =
          f == Field.DISKS ? disks : f == Field.NICS ? nics : value(f, vm.persistent().get(f));
      v.ifPresent(text -> lines.add(f.key() + ":" + (text.startsWith("\n") ? "" : " ") + text));
    }
    connect.ifPresent(c -> lines.add("connect: " + quoted(c)));
    return String.join("\n", lines) + "\n";
  }

  /**
   * One YAML document for a network or a storage pool as it was read: every key virtd manages that
   * its definition shows, and {@code ensure} from whether it is active. Planning it against the
   * same network or pool finds nothing to do but adopt it.
   */
  public static String yaml(ObservedHost h, Optional<String> connect) {
    List<String> lines = new ArrayList<>();
    lines.add(h.kind().key() + ": " + quoted(h.name()));
    Map<String, Object> v = h.values();
    for (Map.Entry<String, Object> e : v.entrySet()) {
      if (e.getKey().startsWith("dhcp.")) {
        continue;
      }
      Object x = e.getValue();
      String text =
          x instanceof Boolean
              ? x.toString()
              : quoted(
                  x instanceof NetworkSpec.Forward f
                      ? f.key()
                      : x instanceof PoolSpec.Type t ? t.key() : x.toString());
      lines.add(e.getKey() + ": " + text);
    }
    Object range = v.get("dhcp.range");
    List<?> hosts = v.get("dhcp.hosts") instanceof List<?> l ? l : List.of();
    if (range != null || !hosts.isEmpty()) {
      lines.add("dhcp:");
      if (range != null) {
        lines.add("  range: " + quoted(range.toString()));
      }
      if (!hosts.isEmpty()) {
        lines.add("  hosts:");
        for (Object o : hosts) {
          NetworkSpec.DhcpHost d = (NetworkSpec.DhcpHost) o;
          lines.add(
              "    - {mac: "
                  + quoted(d.mac())
                  + ", ip: "
                  + quoted(d.ip())
                  + d.name().map(n -> ", name: " + quoted(n)).orElse("")
                  + "}");
        }
      }
    }
    lines.add("ensure: " + (h.active() ? HostState.RUNNING : HostState.STOPPED).key());
    connect.ifPresent(c -> lines.add("connect: " + quoted(c)));
    return String.join("\n", lines) + "\n";
  }

  /** The keys that mean a one-item {@code disks}: never written beside it. */
  private static final Set<Field> SINGLE_DISK =
      Set.of(Field.VIRT_PATH, Field.IMAGE, Field.IMAGE_MODE, Field.DISK_SIZE);

  /**
   * {@code disks} as a block list, when the single-disk keys cannot say what the guest has: several
   * disks, or one with a bus other than virtio or any setting (cache, io, discard, readonly,
   * shareable, serial). Each disk is written as the planner compares it: a volume virtd made by its
   * image (and mode), size and pool, any other disk by its {@code path}; its target always.
   */
  static Optional<String> disks(Object observed, Optional<Path> storageDir) {
    List<DiskSpec> all = items(observed, DiskSpec.class);
    boolean simple =
        all.size() <= 1
            && all.stream()
                .allMatch(
                    d ->
                        "virtio".equals(d.bus())
                            && d.cache() == null
                            && d.io() == null
                            && d.discard() == null
                            && !d.readonly()
                            && !d.shareable()
                            && d.serial() == null);
    if (simple) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder();
    for (DiskSpec d : all) {
      List<String> kv = new ArrayList<>();
      kv.add("target: " + quoted(d.target()));
      if (d.image() != null) {
        kv.add("image: " + quoted(d.image()));
        kv.add("image_mode: " + quoted(d.imageMode() == null ? "cow" : d.imageMode()));
      } else if (d.path() != null) {
        kv.add("path: " + quoted(d.path()));
      }
      if (d.path() == null) {
        if (d.size() != null) {
          kv.add("size: " + d.size());
        }
        if (d.pool() != null && !inDirectory(d.file(), storageDir)) {
          kv.add("pool: " + quoted(d.pool()));
        }
      }
      kv.add("bus: " + quoted(d.bus()));
      optional(kv, "format", d.format());
      optional(kv, "cache", d.cache());
      optional(kv, "io", d.io());
      optional(kv, "discard", d.discard());
      if (d.readonly()) {
        kv.add("readonly: true");
      }
      if (d.shareable()) {
        kv.add("shareable: true");
      }
      optional(kv, "serial", d.serial());
      out.append("\n  - {").append(String.join(", ", kv)).append('}');
    }
    return Optional.of(out.toString());
  }

  /**
   * {@code nics} as a block list, each NIC with its source, MAC, model and (when down) link: the
   * MAC is what a DHCP server or a firewall knows the guest by, which {@code interfaces} cannot
   * keep. Empty, for {@code interfaces} to be written instead, when the guest has no NIC or a NIC
   * {@code nics} cannot describe exactly (one without a model in its definition, whose model the
   * manifest could only set).
   */
  static Optional<String> nics(Object observed) {
    List<NicSpec> all = items(observed, NicSpec.class);
    if (all.isEmpty() || all.stream().anyMatch(n -> n.model() == null || n.source().isEmpty())) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder();
    for (NicSpec n : all) {
      List<String> kv = new ArrayList<>();
      kv.add(n.type().key() + ": " + quoted(n.source()));
      optional(kv, "mac", n.mac());
      kv.add("model: " + quoted(n.model()));
      if (!"up".equals(n.linkState())) {
        kv.add("link: " + quoted(n.linkState()));
      }
      out.append("\n  - {").append(String.join(", ", kv)).append('}');
    }
    return Optional.of(out.toString());
  }

  private static boolean inDirectory(String file, Optional<Path> dir) {
    if (file == null || dir.isEmpty()) {
      return false;
    }
    Path parent = Path.of(file).normalize().getParent();
    return parent != null && parent.equals(dir.get().toAbsolutePath().normalize());
  }

  private static <T> List<T> items(Object observed, Class<T> type) {
    if (!(observed instanceof List<?> l)) {
      return List.of();
    }
    return l.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static void optional(List<String> kv, String key, String value) {
    if (value != null) {
      kv.add(key + ": " + quoted(value));
    }
  }

  /** Whether {@code f} is written: a property of the guest the driver has, never a secret. */
  static boolean exported(Field f, DriverKind driver) {
    return f.isGuestProperty() && f.supportedBy(driver) && !f.secret();
  }

  /** The run state an operator would ask for: a paused or suspended guest is left as it is. */
  static Ensure ensure(RunState state) {
    return switch (state) {
      case RUNNING, BLOCKED -> Ensure.RUNNING;
      case SHUTOFF, CRASHED, NOSTATE -> Ensure.STOPPED;
      default -> Ensure.INSTALLED;
    };
  }

  /**
   * A value as YAML — the one place a new kind of observed value (a list of disks or NICs) gets its
   * manifest form — or empty when the guest has none ({@link Unset}) or it cannot be written back
   * as a manifest value (a document known by its digest only).
   */
  static Optional<String> value(Field f, Object v) {
    if (v == null || v instanceof Unset || f == Field.DISKS || f == Field.NICS) {
      return Optional.empty(); // the device lists are written by disks() and nics()
    }
    if ((f == Field.MEMORY || f == Field.MAX_MEMORY) && v instanceof Number n) {
      long kib = n.longValue();
      return Optional.of(kib % 1024 == 0 ? kib / 1024 + "MiB" : kib + "KiB");
    }
    if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      return Optional.of(v.toString());
    }
    if (v instanceof String
        || v instanceof Enum<?>
        || v instanceof ObservedValue
        || v instanceof VirtType
        || v instanceof LifecycleAction) {
      return Optional.of(quoted(v.toString()));
    }
    if (v instanceof List<?> l && l.stream().allMatch(String.class::isInstance)) {
      List<String> items = l.stream().map(o -> quoted((String) o)).toList();
      return Optional.of("[" + String.join(", ", items) + "]");
    }
    return Optional.empty();
  }

  /** A YAML double-quoted scalar (JSON's string syntax is one), so no value can add keys. */
  static String quoted(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
