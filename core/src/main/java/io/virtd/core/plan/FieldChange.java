package io.virtd.core.plan;

import io.virtd.core.manifest.Field;
import io.virtd.core.spi.Mutability;

/** One field going from {@code before} (as observed; null when unset) to {@code after}. */
public record FieldChange(Field field, Object before, Object after, Mutability mutability) {}
