package io.virtd.core.manifest;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A valid {@code pool:} document: a libvirt storage pool as declared, with where each key was
 * written. {@code type} and {@code source} are create-time.
 */
public record PoolSpec(
    String name,
    Type type,
    Optional<String> path,
    Optional<String> source,
    Optional<Boolean> autostart,
    HostState ensure,
    Optional<String> connect,
    Path file,
    Pos pos,
    Map<String, Pos> keyPos)
    implements HostSpec {

  public PoolSpec {
    keyPos = Map.copyOf(keyPos);
  }

  @Override
  public Kind kind() {
    return Kind.POOL;
  }

  @Override
  public Map<String, Object> managed() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(Key.TYPE.key(), type);
    path.ifPresent(v -> m.put(Key.PATH.key(), v));
    source.ifPresent(v -> m.put(Key.SOURCE.key(), v));
    autostart.ifPresent(v -> m.put(Key.AUTOSTART.key(), v));
    return m;
  }

  public enum Type {
    DIR,
    FS,
    NETFS,
    LOGICAL,
    ZFS;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How a change of each key reaches a pool. */
  public enum Change {
    /** Applied at once (autostart). */
    LIVE,
    /** The pool is defined again while stopped: its guests' disks are unreachable meanwhile. */
    RESTART,
    /** Only at creation; a difference is reported, never acted on. */
    CREATE_TIME,
    ENSURE,
    POLICY
  }

  public enum Key {
    TYPE("type", Change.CREATE_TIME),
    PATH("path", Change.RESTART),
    SOURCE("source", Change.CREATE_TIME),
    AUTOSTART("autostart", Change.LIVE),
    ENSURE("ensure", Change.ENSURE),
    CONNECT("connect", Change.POLICY);

    private final String key;
    private final Change change;

    Key(String key, Change change) {
      this.key = key;
      this.change = change;
    }

    public String key() {
      return key;
    }

    public Change change() {
      return change;
    }
  }
}
