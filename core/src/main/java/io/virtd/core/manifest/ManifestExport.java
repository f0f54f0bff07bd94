package io.virtd.core.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.spi.ObservedValue;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import io.virtd.core.spi.Unset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
    for (Field f : Field.values()) {
      if (f == Field.VIRT_TYPE || !exported(f, driver)) {
        continue;
      }
      value(f, vm.persistent().get(f)).ifPresent(v -> lines.add(f.key() + ": " + v));
    }
    connect.ifPresent(c -> lines.add("connect: " + quoted(c)));
    return String.join("\n", lines) + "\n";
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
      return Optional
          .empty(); // the device lists are exported in their single-disk and interfaces form
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
