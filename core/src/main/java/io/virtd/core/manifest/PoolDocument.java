package io.virtd.core.manifest;

import io.virtd.core.manifest.Values.Ctx;
import io.virtd.core.manifest.Values.Parser;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A {@code pool: NAME} document as its {@link PoolSpec}. */
final class PoolDocument {
  private PoolDocument() {}

  private static final Parser POOL_TYPE =
      WordValues.oneOf(DocumentKeys.enumMap(PoolSpec.Type.values(), PoolSpec.Type::key));

  /** Reads a {@code pool: NAME} document; null (problems added) when it is not valid. */
  static PoolSpec pool(Path file, YNode.YMap map, String name, List<Problem> problems) {
    DocumentKeys keys =
        new DocumentKeys(
            file,
            DocumentKeys.afterTitle(map),
            DocumentKeys.keyNames(PoolSpec.Key.values(), PoolSpec.Key::key));
    int before = problems.size();
    keys.check(problems);
    Optional<PoolSpec.Type> type =
        keys.value("type", POOL_TYPE, problems).map(PoolSpec.Type.class::cast);
    Optional<String> path = keys.value("path", PoolDocument::hostPath, problems);
    Optional<String> source = keys.value("source", TextValues::string, problems);
    Optional<Boolean> autostart = keys.autostart(problems);
    HostState ensure = keys.ensure(problems);
    Optional<String> connect = keys.connect(problems);
    Pos titlePos = map.entries().get(0).keyPos();
    if (type.isEmpty() && !keys.keyPos.containsKey("type")) {
      problems.add(
          Problem.error(
              file,
              titlePos,
              "pool `" + name + "` has no `type` (dir, fs, netfs, logical or zfs)"));
    }
    if (type.isPresent()) {
      PoolSpec.Type t = type.get();
      boolean needsPath =
          t == PoolSpec.Type.DIR || t == PoolSpec.Type.FS || t == PoolSpec.Type.NETFS;
      if (needsPath && path.isEmpty() && !keys.keyPos.containsKey("path")) {
        problems.add(
            Problem.error(file, titlePos, "a `" + t.key() + "` pool needs `path`, its directory"));
      }
      if (!needsPath && keys.keyPos.containsKey("path")) {
        problems.add(
            Problem.error(
                file,
                keys.keyPos.get("path"),
                "`path` is not for a `"
                    + t.key()
                    + "` pool: libvirt names its volumes' directory"));
      }
      boolean needsSource = t == PoolSpec.Type.FS || t == PoolSpec.Type.NETFS;
      if (needsSource && source.isEmpty() && !keys.keyPos.containsKey("source")) {
        problems.add(
            Problem.error(
                file,
                titlePos,
                "a `"
                    + t.key()
                    + "` pool needs `source`"
                    + (t == PoolSpec.Type.FS ? ", the block device" : ", HOST:/EXPORT")));
      }
      if (t == PoolSpec.Type.DIR && keys.keyPos.containsKey("source")) {
        problems.add(
            Problem.error(file, keys.keyPos.get("source"), "`source` is not for a `dir` pool"));
      }
      source.ifPresent(s -> checkSource(file, t, s, keys.valuePos.get("source"), problems));
    }
    if (problems.size() != before) {
      return null;
    }
    return new PoolSpec(
        name,
        type.orElseThrow(),
        path,
        source,
        autostart,
        ensure,
        connect,
        file,
        titlePos,
        keys.keyPos);
  }

  /** An absolute path on the hypervisor: no {@code ..}, nothing a shell or XML would trip on. */
  private static String hostPath(YNode node, Ctx ctx) {
    String s = TextValues.string(node, ctx);
    if (!s.startsWith("/") || s.contains("/../") || s.endsWith("/..") || s.contains("\n")) {
      throw new BadValue(
          node.pos(),
          "`"
              + ctx.key()
              + "` must be an absolute path on the hypervisor, not `"
              + SafeText.of(DocumentKeys.shorten(s))
              + "`");
    }
    return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static void checkSource(
      Path file, PoolSpec.Type type, String source, Pos pos, List<Problem> problems) {
    String why =
        switch (type) {
          case FS -> source.startsWith("/dev/") ? null : "a block device under /dev";
          case NETFS -> source.matches("[A-Za-z0-9.-]+:/[^\\s]*") ? null : "HOST:/EXPORT";
          case LOGICAL -> {
            for (String d : source.split(",")) {
              if (!d.strip().startsWith("/dev/")) {
                yield "the volume group's devices under /dev, comma-separated";
              }
            }
            yield null;
          }
          case ZFS -> source.matches("[A-Za-z0-9][A-Za-z0-9_.:-]*") ? null : "the ZFS pool's name";
          case DIR -> null;
        };
    if (why != null) {
      problems.add(
          Problem.error(
              file,
              pos,
              "`source` of a `"
                  + type.key()
                  + "` pool must be "
                  + why
                  + ", not `"
                  + SafeText.of(DocumentKeys.shorten(source))
                  + "`"));
    }
  }
}
