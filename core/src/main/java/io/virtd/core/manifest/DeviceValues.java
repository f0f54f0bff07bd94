package io.virtd.core.manifest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The device lists {@code disks} and {@code nics}: each item a map of known keys. */
final class DeviceValues {
  private DeviceValues() {}

  private static final Pattern TARGET = Pattern.compile("(vd|sd|hd|xvd)[a-z]{1,2}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,63}");
  private static final Pattern SERIAL = Pattern.compile("[A-Za-z0-9_.+-]{1,36}");
  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
  private static final Pattern MODEL = Pattern.compile("[a-z0-9_-]{1,32}");

  static final List<String> DISK_KEYS =
      List.of(
          "image",
          "image_mode",
          "path",
          "size",
          "pool",
          "format",
          "target",
          "bus",
          "cache",
          "io",
          "discard",
          "readonly",
          "shareable",
          "serial");
  static final List<String> NIC_KEYS =
      List.of("network", "bridge", "direct", "mac", "model", "link");

  static final Parser DISKS = Values.described(DeviceValues::disks, schema(DISK_KEYS));
  static final Parser NICS = Values.described(DeviceValues::nics, schema(NIC_KEYS));

  private static final Parser IMAGE_MODE = WordValues.oneOf(WordValues.words("cow", "clone"));
  private static final Parser FORMAT = WordValues.oneOf(WordValues.words("qcow2", "raw"));
  private static final Parser BUS =
      WordValues.oneOf(WordValues.words(DiskSpec.BUSES.toArray(String[]::new)));
  private static final Parser CACHE =
      WordValues.oneOf(
          WordValues.words("none", "writethrough", "writeback", "directsync", "unsafe", "default"));
  private static final Parser IO =
      WordValues.oneOf(WordValues.words("native", "threads", "io_uring", "default"));
  private static final Parser DISCARD = WordValues.oneOf(WordValues.words("unmap", "ignore"));
  private static final Parser LINK = WordValues.oneOf(WordValues.words("up", "down"));

  /** One item's keys, each parsed under the name {@code disks[N].KEY}. */
  private record Item(String list, int index, Map<String, YNode> nodes, Map<String, Pos> keyPos) {
    Ctx ctx(String key, Ctx outer) {
      return new Ctx(list + "[" + index + "]." + key, outer.baseDir(), false);
    }

    Object parse(String key, Parser p, Ctx outer) {
      YNode n = nodes.get(key);
      return n == null ? null : p.parse(n, ctx(key, outer));
    }

    String text(String key, Parser p, Ctx outer) {
      return (String) parse(key, p, outer);
    }

    boolean has(String key) {
      return nodes.containsKey(key);
    }

    BadValue bad(String key, String message) {
      return new BadValue(keyPos.get(key), "`" + list + "[" + index + "]`: " + message);
    }

    /** An error about the item as a whole, at its first key (an empty item is refused first). */
    BadValue bad(String message) {
      return new BadValue(
          keyPos.values().iterator().next(), "`" + list + "[" + index + "]`: " + message);
    }
  }

  static List<DiskSpec> disks(YNode node, Ctx ctx) {
    List<Item> items = items(node, ctx, DISK_KEYS);
    List<DiskSpec> partial = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    List<String> buses = new ArrayList<>();
    Map<String, Pos> targetAt = new HashMap<>();
    for (Item it : items) {
      String image = it.text("image", TextValues.PATH, ctx);
      String path = it.text("path", TextValues.PATH, ctx);
      Long size =
          it.has("size")
              ? NumberValues.integer(it.nodes().get("size"), it.ctx("size", ctx), 1, 1024 * 1024)
              : null;
      if (image != null && path != null) {
        throw it.bad("path", "only one of `image`, `path` may be given; `image` is set too");
      }
      if (path != null) {
        for (String k : List.of("size", "pool", "image_mode")) {
          if (it.has(k)) {
            throw it.bad(
                k,
                "`" + k + "` does not go with `path`: an existing file or device is used as it is");
          }
        }
      }
      if (image == null && it.has("image_mode")) {
        throw it.bad("image_mode", "`image_mode` needs `image`");
      }
      if (image == null && path == null && size == null) {
        throw it.bad("a blank disk needs `size` (GiB); or give `image` or `path`");
      }
      String bus = it.has("bus") ? it.text("bus", BUS, ctx) : "virtio";
      String target = it.text("target", TextValues.STRING, ctx);
      if (target != null) {
        if (!TARGET.matcher(target).matches()) {
          throw new BadValue(
              it.nodes().get("target").pos(),
              "`"
                  + it.ctx("target", ctx).key()
                  + "` must be a device name such as vdb or sdc, not `"
                  + Values.describeText(target)
                  + "`");
        }
        Pos first = targetAt.putIfAbsent(target, it.keyPos().get("target"));
        if (first != null) {
          throw it.bad(
              "target", "target `" + target + "` is already the target of the disk at " + first);
        }
      }
      targets.add(target);
      buses.add(bus);
      String mode =
          image == null
              ? null
              : it.has("image_mode") ? it.text("image_mode", IMAGE_MODE, ctx) : "cow";
      partial.add(
          new DiskSpec(
              target,
              bus,
              image,
              mode,
              path,
              size,
              it.text("pool", TextValues.matching(NAME, "a storage pool name"), ctx),
              it.text("format", FORMAT, ctx),
              it.text("cache", CACHE, ctx),
              it.text("io", IO, ctx),
              it.text("discard", DISCARD, ctx),
              Boolean.TRUE.equals(it.parse("readonly", WordValues.BOOL, ctx)),
              Boolean.TRUE.equals(it.parse("shareable", WordValues.BOOL, ctx)),
              it.text("serial", TextValues.matching(SERIAL, "1-36 of A-Z a-z 0-9 _ . + -"), ctx),
              null));
    }
    List<String> resolved = DiskSpec.defaultTargets(targets, buses);
    List<DiskSpec> out = new ArrayList<>();
    for (int i = 0; i < partial.size(); i++) {
      DiskSpec d = partial.get(i);
      if (resolved.get(i) == null) {
        throw items.get(i).bad("no free device name left on bus " + d.bus());
      }
      out.add(d.withTarget(resolved.get(i)));
    }
    return List.copyOf(out);
  }

  static List<NicSpec> nics(YNode node, Ctx ctx) {
    List<NicSpec> out = new ArrayList<>();
    Map<String, Pos> macAt = new HashMap<>();
    for (Item it : items(node, ctx, NIC_KEYS)) {
      List<NicSpec.Type> given =
          java.util.Arrays.stream(NicSpec.Type.values()).filter(t -> it.has(t.key())).toList();
      if (given.isEmpty()) {
        throw it.bad("a NIC needs one of `network`, `bridge`, `direct`");
      }
      if (given.size() > 1) {
        throw it.bad(
            given.get(1).key(),
            "only one of `network`, `bridge`, `direct` may be given; `"
                + given.get(0).key()
                + "` is set too");
      }
      NicSpec.Type type = given.get(0);
      String source =
          it.text(type.key(), TextValues.matching(NAME, "a network, bridge or device name"), ctx);
      String mac = null;
      if (it.has("mac")) {
        YNode macNode = it.nodes().get("mac");
        String written = TextValues.string(macNode, it.ctx("mac", ctx));
        mac = written.toLowerCase(Locale.ROOT);
        if (!MAC.matcher(mac).matches()) {
          throw new BadValue(
              macNode.pos(),
              "`"
                  + it.ctx("mac", ctx).key()
                  + "` must be a MAC address such as 52:54:00:12:34:56, not `"
                  + Values.describeText(written)
                  + "`");
        }
        if (NicSpec.multicast(mac)) {
          throw new BadValue(
              macNode.pos(),
              "`"
                  + it.ctx("mac", ctx).key()
                  + "`: "
                  + mac
                  + " is a multicast address (the first octet is odd); a NIC needs a unicast one");
        }
        Pos first = macAt.putIfAbsent(mac, it.keyPos().get("mac"));
        if (first != null) {
          throw it.bad("mac", "MAC " + mac + " is already the MAC of the NIC at " + first);
        }
      }
      out.add(
          new NicSpec(
              type,
              source,
              mac,
              it.text("model", TextValues.matching(MODEL, "a NIC model such as virtio"), ctx),
              it.text("link", LINK, ctx)));
    }
    return List.copyOf(out);
  }

  private static List<Item> items(YNode node, Ctx ctx, List<String> known) {
    if (!(node instanceof YNode.YSeq seq)) {
      throw new BadValue(
          node.pos(), "`" + ctx.key() + "` must be a list of maps, not " + node.kindName());
    }
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < seq.items().size(); i++) {
      YNode item = seq.items().get(i);
      if (!(item instanceof YNode.YMap map)) {
        throw new BadValue(
            item.pos(),
            "`" + ctx.key() + "[" + i + "]` must be a map of keys, not " + item.kindName());
      }
      Map<String, YNode> nodes = new LinkedHashMap<>();
      Map<String, Pos> keyPos = new LinkedHashMap<>();
      for (YNode.Entry e : map.entries()) {
        if (!known.contains(e.key())) {
          String hint =
              DidYouMean.suggest(e.key(), known)
                  .map(s -> "; did you mean `" + s + "`?")
                  .orElse("; known: " + String.join(", ", known));
          throw new BadValue(
              e.keyPos(),
              "`"
                  + ctx.key()
                  + "["
                  + i
                  + "]`: unknown key `"
                  + SafeText.of(DocumentKeys.shorten(e.key()))
                  + "`"
                  + hint);
        }
        nodes.put(e.key(), e.value());
        keyPos.put(e.key(), e.keyPos());
      }
      if (nodes.isEmpty()) {
        throw new BadValue(item.pos(), "`" + ctx.key() + "[" + i + "]` is empty");
      }
      out.add(new Item(ctx.key(), i, nodes, keyPos));
    }
    return out;
  }

  private static ObjectNode schema(List<String> keys) {
    ObjectNode item = Values.type("object");
    ObjectNode props = item.putObject("properties");
    keys.forEach(k -> props.putObject(k));
    item.put("additionalProperties", false);
    ObjectNode list = Values.type("array");
    list.set("items", item);
    return list;
  }
}
