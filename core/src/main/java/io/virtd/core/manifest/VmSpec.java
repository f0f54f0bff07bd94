package io.virtd.core.manifest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code virt} resource as a manifest declares it. {@code values} holds exactly the keys the
 * manifest sets (parsed and normalised); what it leaves out is not managed on an existing guest and
 * takes its default only when the guest is created.
 */
public record VmSpec(
    String name,
    Map<Field, Object> values,
    Path file,
    Pos pos,
    Map<Field, Pos> keyPositions,
    Map<String, Pos> itemKeyPositions) {
  public static final long DEFAULT_MEMORY_KIB = 512L * 1024;
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(60);

  /** How a secret value prints, as in plans. */
  public static final String SENSITIVE = "(sensitive)";

  public VmSpec {
    if (!values.containsKey(Field.VIRT_TYPE)) {
      throw new IllegalArgumentException("virt_type is required");
    }
    EnumMap<Field, Object> copy = new EnumMap<>(Field.class);
    copy.putAll(values);
    values = Collections.unmodifiableMap(copy);
    EnumMap<Field, Pos> at = new EnumMap<>(Field.class);
    at.putAll(keyPositions);
    keyPositions = Collections.unmodifiableMap(at);
    itemKeyPositions = Map.copyOf(itemKeyPositions);
  }

  /** A resource whose list items' keys' positions are not known. */
  public VmSpec(
      String name, Map<Field, Object> values, Path file, Pos pos, Map<Field, Pos> keyPositions) {
    this(name, values, file, pos, keyPositions, Map.of());
  }

  /** A resource whose keys' positions are not known (built by code, not read from a file). */
  public VmSpec(String name, Map<Field, Object> values, Path file, Pos pos) {
    this(name, values, file, pos, Map.of());
  }

  /**
   * Where {@code f} is written, as {@code FILE:LINE:COL}, for errors found after loading (a file a
   * key names is missing); the resource's own position when the key's is not known.
   */
  public String origin(Field f) {
    return file + ":" + keyPositions.getOrDefault(f, pos);
  }

  /**
   * Where {@code key} of item {@code index} of list {@code f} is written ({@code nics[2].network}),
   * as {@code FILE:LINE:COL}; where the list is when that is not known.
   */
  public String origin(Field f, int index, String key) {
    Pos at = itemKeyPositions.get(itemKey(f, index, key));
    return at == null ? origin(f) : file + ":" + at;
  }

  /** How {@link #itemKeyPositions} names a key of a list item: {@code nics[2].network}. */
  public static String itemKey(Field f, int index, String key) {
    return f.key() + "[" + index + "]." + key;
  }

  public VirtType virtType() {
    return (VirtType) values.get(Field.VIRT_TYPE);
  }

  public DriverKind driver() {
    return virtType().driver();
  }

  public Ensure ensure() {
    return (Ensure) values.getOrDefault(Field.ENSURE, Ensure.RUNNING);
  }

  public boolean isSet(Field f) {
    return values.containsKey(f);
  }

  public Optional<Object> get(Field f) {
    return Optional.ofNullable(values.get(f));
  }

  /**
   * The guest properties this resource manages on an existing guest and their desired values: the
   * keys the manifest sets, plus {@code autoboot} derived from {@code ensure} when left out (on for
   * running, off for stopped, unmanaged for installed).
   */
  public Map<Field, Object> managed() {
    EnumMap<Field, Object> m = new EnumMap<>(Field.class);
    values.forEach(
        (f, v) -> {
          if (f.isGuestProperty()) {
            m.put(f, v);
          }
        });
    if (!m.containsKey(Field.AUTOBOOT)) {
      switch (ensure()) {
        case RUNNING -> m.put(Field.AUTOBOOT, true);
        case STOPPED -> m.put(Field.AUTOBOOT, false);
        default -> {}
      }
    }
    return Collections.unmodifiableMap(m);
  }

  public long memoryKiB() {
    return (Long) values.getOrDefault(Field.MEMORY, DEFAULT_MEMORY_KIB);
  }

  public int cpus() {
    return (Integer) values.getOrDefault(Field.CPUS, 1);
  }

  public Duration shutdownTimeout() {
    return (Duration) values.getOrDefault(Field.SHUTDOWN_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT);
  }

  public boolean restartOnChange() {
    return "on_change".equals(values.get(Field.RESTART));
  }

  public boolean protect() {
    return Boolean.TRUE.equals(values.get(Field.PROTECT));
  }

  public Optional<String> connect() {
    return Optional.ofNullable((String) values.get(Field.CONNECT));
  }

  public Optional<String> string(Field f) {
    return Optional.ofNullable(values.get(f)).map(Object::toString);
  }

  @SuppressWarnings("unchecked")
  public List<String> list(Field f) {
    return (List<String>) values.getOrDefault(f, List.of());
  }

  /**
   * As a record prints itself, with secret values ({@code user}, {@code vnc_password}, {@code
   * user_data}) shown as {@code (sensitive)}: a spec ends up in log lines, exception messages and
   * debugger views, none of which may hold a password.
   */
  @Override
  public String toString() {
    Map<Field, Object> shown = new EnumMap<>(Field.class);
    values.forEach((f, v) -> shown.put(f, f.secret() ? SENSITIVE : v));
    return "VmSpec[name=" + name + ", values=" + shown + ", file=" + file + ", pos=" + pos + "]";
  }

  /** Where the resource was declared, as {@code FILE:LINE:COL}. */
  public String origin() {
    return file + ":" + pos;
  }
}
