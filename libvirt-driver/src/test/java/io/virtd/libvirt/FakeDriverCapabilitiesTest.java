package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtd.core.manifest.Field;
import io.virtd.core.spi.Capabilities;
import io.virtd.core.spi.ObservedVm;
import io.virtd.core.spi.RunState;
import io.virtd.core.testing.FakeDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The planner, executor and daemon tests plan against {@link FakeDriver}'s capability table, which
 * stands for libvirt's: the two must decide alike for every field, value and kind of guest, or
 * those tests prove things about a driver that does not exist.
 */
class FakeDriverCapabilitiesTest {
  private static final long GIB = 1024L * 1024;

  private static final List<ObservedVm> GUESTS =
      List.of(
          guest(RunState.RUNNING, Map.of(), Set.of()),
          guest(RunState.SHUTOFF, Map.of(), Set.of()),
          guest(RunState.PAUSED, Map.of(Field.DISK_SIZE, 10 * GIB), Set.of()),
          guest(RunState.SHUTOFF, Map.of(Field.DISK_SIZE, 10 * GIB), Set.of()),
          guest(RunState.RUNNING, Map.of(Field.MAX_MEMORY, GIB), Set.of(Field.MEMORY)),
          guest(RunState.RUNNING, Map.of(Field.MAX_MEMORY, 2 * GIB), Set.of(Field.MEMORY)));

  /** Below, at and beyond the guests' maxima and disk size, and values of other types. */
  private static final List<Object> VALUES =
      java.util.stream.Stream.concat(
              java.util.stream.Stream.of(
                  1, 4, 5, GIB / 2, GIB, 2 * GIB, 10 * GIB, 20 * GIB, "x", true, List.of()),
              deviceEdits().stream())
          .toList();

  /** Every kind of edit of a disk and of a NIC, NICs of every source type. */
  private static List<Object> deviceEdits() {
    List<Object> out = new ArrayList<>();
    List<Object> items = new ArrayList<>();
    items.add(io.virtd.core.manifest.DiskSpec.blank("vdb", 1));
    for (var t : io.virtd.core.manifest.NicSpec.Type.values()) {
      items.add(new io.virtd.core.manifest.NicSpec(t, "n", null, null, null));
    }
    for (var k : io.virtd.core.spi.DeviceEdit.Kind.values()) {
      for (Object a : items) {
        for (Object b : items) {
          out.add(new io.virtd.core.spi.DeviceEdit(k, a, b));
        }
      }
    }
    return out;
  }

  private static ObservedVm guest(
      RunState state, Map<Field, Object> persistent, Set<Field> refused) {
    return new ObservedVm("g", state, persistent, Map.of(), Optional.empty(), GIB, 4, refused);
  }

  /** Every decision where the fake's table and libvirt's differ. */
  private static List<String> differences(Capabilities libvirt, Capabilities fake) {
    List<String> out = new ArrayList<>();
    for (Field f : Field.values()) {
      if (libvirt.declared().contains(f) != fake.declared().contains(f)
          || libvirt.absentIsUnknown(f) != fake.absentIsUnknown(f)) {
        out.add(f.key() + ": declared or absent-is-unknown differs");
      }
      for (ObservedVm g : GUESTS) {
        for (Object v : VALUES) {
          String l = decision(libvirt, f, v, g);
          String k = decision(fake, f, v, g);
          if (!l.equals(k)) {
            out.add(f.key() + "=" + v + " on " + g + ": libvirt " + l + ", fake " + k);
          }
        }
      }
    }
    return out;
  }

  private static String decision(Capabilities caps, Field f, Object v, ObservedVm g) {
    try {
      return caps.mutability(f, v, g).name();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  @Test
  void theFakeDecidesEveryChangeAsLibvirtDoes() {
    assertEquals(List.of(), differences(LibvirtCapabilities.TABLE, FakeDriver.capabilities(true)));
  }
}
