package io.virtd.core.spi;

import io.virtd.core.manifest.Field;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A driver's declaration of how each field changes on an existing guest. Every field of the spec
 * must be declared (tests check it), {@link Mutability#UNSUPPORTED} included.
 */
public final class Capabilities {
  /** How a change to one field is applied, possibly depending on the value and the guest. */
  @FunctionalInterface
  public interface Rule {
    Mutability mutability(Object desired, ObservedVm guest);
  }

  private final Map<Field, Rule> rules;
  private final Set<Field> absentIsUnknown;

  private Capabilities(Map<Field, Rule> rules, Set<Field> absentIsUnknown) {
    this.rules = Collections.unmodifiableMap(new EnumMap<>(rules));
    this.absentIsUnknown =
        absentIsUnknown.isEmpty()
            ? Set.of()
            : Collections.unmodifiableSet(EnumSet.copyOf(absentIsUnknown));
  }

  public static Builder builder() {
    return new Builder();
  }

  public Set<Field> declared() {
    return rules.keySet();
  }

  /**
   * Whether a create-time {@code field} that the driver does not report for a guest virtd created
   * says nothing about it, rather than "created without it".
   */
  public boolean absentIsUnknown(Field field) {
    return absentIsUnknown.contains(field);
  }

  public Mutability mutability(Field field, Object desired, ObservedVm guest) {
    Rule r = rules.get(field);
    return r == null ? Mutability.UNSUPPORTED : r.mutability(desired, guest);
  }

  public static final class Builder {
    private final Map<Field, Rule> rules = new EnumMap<>(Field.class);
    private final Set<Field> absentIsUnknown = EnumSet.noneOf(Field.class);

    public Builder set(Mutability m, Field... fields) {
      for (Field f : fields) {
        rules.put(f, (d, g) -> m);
      }
      return this;
    }

    public Builder rule(Field f, Rule rule) {
      rules.put(f, rule);
      return this;
    }

    /**
     * What holds for every driver: the create-time keys it supports need re-creating, its policy
     * keys (and ensure) change no guest property.
     */
    public Builder defaultsFor(io.virtd.core.manifest.DriverKind driver) {
      for (Field f : Field.values()) {
        if (f.supportedBy(driver)) {
          switch (f.kind()) {
            case CREATE_TIME -> set(Mutability.REPLACE, f);
            case POLICY, ENSURE -> set(Mutability.CONFIG, f);
            default -> {}
          }
        }
      }
      return this;
    }

    /**
     * Create-time fields this driver reports only for some of the guests it created, so that their
     * absence is no evidence the guest was created without them (libvirt's {@code disk_size}: only
     * a disk virtd made has a size virtd manages). Every other create-time field must be reported
     * for every guest virtd created with it, or plans show it as added later.
     */
    public Builder absentIsUnknown(Field... fields) {
      absentIsUnknown.addAll(java.util.List.of(fields));
      return this;
    }

    /** Every field not declared yet is unsupported. */
    public Builder restUnsupported() {
      for (Field f : Field.values()) {
        rules.putIfAbsent(f, (d, g) -> Mutability.UNSUPPORTED);
      }
      return this;
    }

    public Capabilities build() {
      return new Capabilities(rules, absentIsUnknown);
    }
  }
}
