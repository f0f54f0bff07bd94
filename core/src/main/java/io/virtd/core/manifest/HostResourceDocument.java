package io.virtd.core.manifest;

import java.nio.file.Path;
import java.util.List;

/**
 * A document whose first key is {@code network} or {@code pool}: the host resources, read by {@link
 * NetworkDocument} and {@link PoolDocument}. As for guests, a document with any problem declares
 * nothing (and so changes nothing).
 */
final class HostResourceDocument {
  private HostResourceDocument() {}

  /** The title keys of the host resources, after {@code virt} the other document types. */
  static final List<String> TITLES = List.of("network", "pool");

  /** The first key of {@code doc} when it names a host resource, else empty. */
  static java.util.Optional<HostSpec.Kind> kindOf(YNode doc) {
    if (doc instanceof YNode.YMap map && !map.entries().isEmpty()) {
      return switch (map.entries().get(0).key()) {
        case "network" -> java.util.Optional.of(HostSpec.Kind.NETWORK);
        case "pool" -> java.util.Optional.of(HostSpec.Kind.POOL);
        default -> java.util.Optional.empty();
      };
    }
    return java.util.Optional.empty();
  }

  /**
   * A document whose first key is {@code network} or {@code pool} as its spec ({@link NetworkSpec}
   * or {@link PoolSpec}), or null (problems added) when it is not valid.
   */
  static HostSpec interpret(Path file, YNode.YMap map, List<Problem> problems) {
    YNode.Entry title = map.entries().get(0);
    String name = ResourceDocument.resourceName(file, title, problems);
    if (name == null) {
      return null;
    }
    return switch (title.key()) {
      case "network" -> NetworkDocument.network(file, map, name, problems);
      case "pool" -> PoolDocument.pool(file, map, name, problems);
      default -> throw new IllegalArgumentException("not a host resource: " + title.key());
    };
  }
}
