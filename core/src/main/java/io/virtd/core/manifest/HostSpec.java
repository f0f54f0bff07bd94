package io.virtd.core.manifest;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A resource of the hypervisor itself, declared beside the guests: a {@link NetworkSpec} or a
 * {@link PoolSpec}. What the planner and the executor need of either; a switch on the record
 * reaches the rest.
 */
public sealed interface HostSpec permits NetworkSpec, PoolSpec {
  /** The type a document's first key names. */
  enum Kind {
    NETWORK,
    POOL;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  Kind kind();

  String name();

  HostState ensure();

  Optional<String> connect();

  Path file();

  Pos pos();

  Map<String, Pos> keyPos();

  /**
   * The values the document declares that virtd keeps in line, by key ({@code forward}, {@code
   * dhcp.hosts}, {@code path}, …), in the order the keys are documented; keys left out are not
   * managed.
   */
  Map<String, Object> managed();

  /**
   * Whether a change that needs the resource restarted may be made ({@code restart: on_change}).
   */
  default boolean restartOnChange() {
    return false;
  }

  /** How plans address it: {@code network/backend}, {@code pool/fast}. */
  default String address() {
    return kind().key() + "/" + name();
  }

  /** {@code FILE:LINE:COL} of the document. */
  default String origin() {
    return file() + ":" + pos();
  }

  /** {@code FILE:LINE:COL} of {@code key}, or of the document when the key is not written. */
  default String origin(String key) {
    return file() + ":" + keyPos().getOrDefault(key, pos());
  }
}
