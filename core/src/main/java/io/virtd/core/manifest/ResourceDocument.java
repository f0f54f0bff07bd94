package io.virtd.core.manifest;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One YAML document as a resource: {@code virt: NAME} first, then known keys with valid values,
 * checked against each other ({@link CrossKeyRules}).
 */
final class ResourceDocument {
  private ResourceDocument() {}

  /** The {@code virt: NAME} entry of a document when NAME is a valid name, else null. */
  static YNode.Entry titleOf(YNode doc) {
    if (doc instanceof YNode.YMap map
        && !map.entries().isEmpty()
        && map.entries().get(0).key().equals("virt")
        && map.entries().get(0).value() instanceof YNode.YScalar s
        && s.value() != null
        && !(s.value() instanceof Boolean)
        && Names.isValid(s.text())) {
      return map.entries().get(0);
    }
    return null;
  }

  /**
   * One document as a resource, or null (its problems added) when it declares none or is invalid.
   */
  static VmSpec interpret(Path file, Path baseDir, YNode doc, List<Problem> problems) {
    if (doc instanceof YNode.YScalar s && (s.value() == null || "".equals(s.value()))) {
      return null; // an empty document declares nothing
    }
    if (!(doc instanceof YNode.YMap map)) {
      problems.add(
          Problem.error(
              file,
              doc.pos(),
              "a resource must be a map starting with `virt: NAME`, not " + doc.kindName()));
      return null;
    }
    if (map.entries().isEmpty()) {
      return null;
    }
    YNode.Entry title = map.entries().get(0);
    if (!title.key().equals("virt")) {
      // the file may be anything (a link to /etc/shadow): its key is quoted only when it is one
      // a manifest could hold
      boolean nearVirt =
          title.key().equalsIgnoreCase("virt") || DidYouMean.distance(title.key(), "virt") <= 1;
      // `netwrok:`, `Pool:`: one of the other document types, misspelt
      java.util.Optional<String> otherType =
          nearVirt
              ? java.util.Optional.empty()
              : DidYouMean.suggest(title.key(), HostResourceDocument.TITLES);
      String shown =
          nearVirt || otherType.isPresent() || Field.byKey(title.key()).isPresent()
              ? ", not `" + title.key() + "`"
              : " (this document starts with another key)";
      problems.add(
          Problem.error(
              file,
              title.keyPos(),
              "a resource must start with `virt: NAME`"
                  + shown
                  + (nearVirt
                      ? "; did you mean `virt`?"
                      : otherType.map(t -> "; did you mean `" + t + "`?").orElse(""))));
      return null;
    }
    int before = problems.size();
    String name = resourceName(file, title, problems);
    Map<Field, Object> values = new EnumMap<>(Field.class);
    Map<Field, Pos> keyPos = new EnumMap<>(Field.class);
    Map<Field, Pos> valuePos = new EnumMap<>(Field.class);
    Map<String, Pos> itemKeyPos = new HashMap<>();
    for (YNode.Entry e : map.entries().subList(1, map.entries().size())) {
      var field = Field.byKey(e.key());
      if (field.isEmpty()) {
        String hint =
            DidYouMean.suggest(e.key(), Field.keys())
                .map(s -> "; did you mean `" + s + "`?")
                .orElse("");
        String shown = e.key().length() > 40 ? e.key().substring(0, 37) + "..." : e.key();
        problems.add(
            Problem.error(file, e.keyPos(), "unknown key `" + SafeText.of(shown) + "`" + hint));
        continue;
      }
      try {
        values.put(field.get(), field.get().parse(e.value(), baseDir));
        keyPos.put(field.get(), e.keyPos());
        valuePos.put(field.get(), e.value().pos());
        itemKeyPositions(field.get(), e.value(), itemKeyPos);
      } catch (BadValue bad) {
        problems.add(Problem.error(file, bad.pos(), bad.getMessage()));
      }
    }
    VirtType type = (VirtType) values.get(Field.VIRT_TYPE);
    boolean typeWritten =
        map.entries().stream().anyMatch(e -> e.key().equals(Field.VIRT_TYPE.key()));
    if (type == null && !typeWritten) {
      problems.add(
          Problem.error(
              file,
              title.keyPos(),
              (name == null ? "the resource" : "resource `" + name + "`")
                  + " has no `virt_type` (kvm, qemu, xen-fullyvirt, xen-paravirt or openvz)"));
    }
    if (type != null) {
      for (Field f : values.keySet()) {
        if (!f.supportedBy(type.driver())) {
          problems.add(
              Problem.error(
                  file,
                  keyPos.get(f),
                  "`"
                      + f.key()
                      + "` is not supported by the "
                      + type.driver()
                      + " driver (virt_type "
                      + type.key()
                      + ")"));
        }
      }
    }
    if (type != null) {
      CrossKeyRules.checkLifecycleActions(file, type, values, valuePos, problems);
    }
    CrossKeyRules.checkCombinations(file, values, keyPos, problems);
    if (problems.size() != before || name == null || type == null) {
      return null;
    }
    return new VmSpec(name, values, file, title.keyPos(), keyPos, itemKeyPos);
  }

  /** The positions of the keys of a list of maps ({@code nics}, {@code disks}), item by item. */
  private static void itemKeyPositions(Field f, YNode value, Map<String, Pos> out) {
    if (value instanceof YNode.YSeq seq) {
      for (int i = 0; i < seq.items().size(); i++) {
        if (seq.items().get(i) instanceof YNode.YMap item) {
          for (YNode.Entry e : item.entries()) {
            out.put(VmSpec.itemKey(f, i, e.key()), e.keyPos());
          }
        }
      }
    }
  }

  static String resourceName(Path file, YNode.Entry title, List<Problem> problems) {
    YNode v = title.value();
    if (!(v instanceof YNode.YScalar s) || s.value() == null || s.value() instanceof Boolean) {
      problems.add(
          Problem.error(
              file,
              v.pos(),
              "`" + title.key() + "` must be followed by the resource name, not " + v.kindName()));
      return null;
    }
    String name = s.text(); // as written: `virt: 1.10` is named "1.10", not "1.1"
    if (!Names.isValid(name)) {
      String shown = name.length() > 70 ? name.substring(0, 67) + "..." : name;
      problems.add(
          Problem.error(
              file,
              v.pos(),
              "`"
                  + SafeText.of(shown)
                  + "` is not a valid resource name: use 1-64 of A-Z a-z 0-9 _ . -, not starting with - or ."));
      return null;
    }
    return name;
  }
}
