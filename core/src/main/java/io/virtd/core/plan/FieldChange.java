package io.virtd.core.plan;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.Mutability;

/** One field going from {@code before} (as observed; null when unset) to {@code after}. */
public record FieldChange(Field field, Object before, Object after, Mutability mutability) {
  /** As a record prints itself, with both values of a secret field shown as {@code (sensitive)}. */
  @Override
  public String toString() {
    Object b = field.secret() && before != null ? VmSpec.SENSITIVE : before;
    Object a = field.secret() && after != null ? VmSpec.SENSITIVE : after;
    return "FieldChange[field="
        + field
        + ", before="
        + b
        + ", after="
        + a
        + ", mutability="
        + mutability
        + "]";
  }
}
