package io.virtd.core.manifest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules between keys of one resource: values each valid alone that its hypervisor, or each
 * other, would refuse together.
 */
final class CrossKeyRules {
  private CrossKeyRules() {}

  private static final Set<Field> STORAGE_KEYS =
      Set.of(Field.VIRT_PATH, Field.IMAGE, Field.CLONE_FROM, Field.XML_FILE);

  /** The on_* values the resource's hypervisor would refuse when the guest is defined. */
  static void checkLifecycleActions(
      Path file,
      VirtType type,
      Map<Field, Object> values,
      Map<Field, Pos> valuePos,
      List<Problem> problems) {
    for (Field f : List.of(Field.ON_POWEROFF, Field.ON_REBOOT, Field.ON_CRASH)) {
      if (values.get(f) instanceof LifecycleAction a && !a.supportedBy(type, f)) {
        List<String> usable =
            java.util.Arrays.stream(LifecycleAction.values())
                .filter(o -> o.supportedBy(type, f))
                .map(LifecycleAction::key)
                .toList();
        problems.add(
            Problem.error(
                file,
                valuePos.get(f),
                "`"
                    + f.key()
                    + ": "
                    + a.key()
                    + "` is not supported by QEMU (virt_type "
                    + type.key()
                    + "): use "
                    + String.join(" or ", usable)));
      }
    }
    // QEMU cannot tell a reboot from a power-off it is to turn into a restart
    if ((type == VirtType.KVM || type == VirtType.QEMU)
        && values.get(Field.ON_REBOOT) == LifecycleAction.DESTROY
        && values.get(Field.ON_POWEROFF) == LifecycleAction.RESTART) {
      problems.add(
          Problem.error(
              file,
              valuePos.get(Field.ON_REBOOT),
              "`on_reboot: destroy` with `on_poweroff: restart` is not supported by QEMU (virt_type "
                  + type.key()
                  + ")"));
    }
  }

  static void checkCombinations(
      Path file, Map<Field, Object> values, Map<Field, Pos> keyPos, List<Problem> problems) {
    // in the order they are written: the error goes to each later one, naming the first
    List<Field> storage =
        STORAGE_KEYS.stream()
            .filter(values::containsKey)
            .sorted(
                java.util.Comparator.comparingInt((Field f) -> keyPos.get(f).line())
                    .thenComparingInt(f -> keyPos.get(f).col()))
            .toList();
    if (storage.size() > 1) {
      for (Field f : storage.subList(1, storage.size())) {
        problems.add(
            Problem.error(
                file,
                keyPos.get(f),
                "only one of virt_path, image, clone_from, xml_file may be given; `"
                    + storage.get(0).key()
                    + "` is set too"));
      }
    }
    if (values.containsKey(Field.IMAGE_MODE)
        && !values.containsKey(Field.IMAGE)
        && !values.containsKey(Field.CLONE_FROM)) {
      problems.add(
          Problem.error(
              file, keyPos.get(Field.IMAGE_MODE), "`image_mode` needs `image` or `clone_from`"));
    }
    Object path = values.get(Field.VIRT_PATH);
    if (path != null
        && Files.isDirectory(Path.of(path.toString()))
        && !values.containsKey(Field.DISK_SIZE)) {
      problems.add(
          Problem.error(
              file,
              keyPos.get(Field.VIRT_PATH),
              "`virt_path` is a directory: `disk_size` is required to create a disk in it"));
    }
    refuseWith(
        file,
        keyPos,
        problems,
        Field.DISKS,
        values,
        List.of(
            Field.VIRT_PATH,
            Field.IMAGE,
            Field.IMAGE_MODE,
            Field.DISK_SIZE,
            Field.CLONE_FROM,
            Field.XML_FILE));
    refuseWith(file, keyPos, problems, Field.NICS, values, List.of(Field.INTERFACES));
    checkMaximum(file, values, keyPos, problems, Field.MAX_MEMORY, Field.MEMORY);
    checkMaximum(file, values, keyPos, problems, Field.MAX_CPUS, Field.CPUS);
    for (Field f : List.of(Field.BOOT_OPTIONS, Field.KICKSTART)) {
      if (values.containsKey(f) && !values.containsKey(Field.BOOT_LOCATION)) {
        problems.add(
            Problem.error(
                file,
                keyPos.get(f),
                "`" + f.key() + "` needs `boot_location` (direct kernel boot)"));
      }
    }
  }

  /**
   * A list key ({@code disks}, {@code nics}) with the keys it replaces: the error goes to each of
   * those.
   */
  private static void refuseWith(
      Path file,
      Map<Field, Pos> keyPos,
      List<Problem> problems,
      Field list,
      Map<Field, Object> values,
      List<Field> others) {
    if (!values.containsKey(list)) {
      return;
    }
    for (Field f : others) {
      if (values.containsKey(f)) {
        problems.add(
            Problem.error(
                file,
                keyPos.get(f),
                "`"
                    + f.key()
                    + "` cannot be combined with `"
                    + list.key()
                    + "`"
                    + (f == Field.CLONE_FROM || f == Field.XML_FILE
                        ? ": it brings its own devices"
                        : ": describe that device as an item of `" + list.key() + "`")));
      }
    }
  }

  /**
   * A maximum ({@code max_memory}, {@code max_cpus}) below its value: the value given, or the
   * default a new guest would get, since the maximum is used when the guest is created.
   */
  private static void checkMaximum(
      Path file,
      Map<Field, Object> values,
      Map<Field, Pos> keyPos,
      List<Problem> problems,
      Field max,
      Field value) {
    Object m = values.get(max);
    if (m == null) {
      return;
    }
    Object v = values.get(value);
    long given =
        v == null
            ? (value == Field.MEMORY ? VmSpec.DEFAULT_MEMORY_KIB : 1)
            : ((Number) v).longValue();
    if (((Number) m).longValue() < given) {
      String shown = value == Field.MEMORY ? Sizes.formatKiB(given) : Long.toString(given);
      problems.add(
          Problem.error(
              file,
              keyPos.get(max),
              "`"
                  + max.key()
                  + "` is below `"
                  + value.key()
                  + "` ("
                  + shown
                  + (v == null ? ", the default" : "")
                  + "): a maximum must be at least the value"));
    }
  }
}
