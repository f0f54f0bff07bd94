package io.virtd.core.plan;

import io.virtd.core.manifest.Field;
import java.util.List;

/**
 * Something the operator should know that does not stop the plan, as data; the English is rendered
 * from it by {@link PlanText#warning(PlanWarning)}.
 *
 * @param reason what the planner noticed
 * @param field the field it is about, or null when it is about the whole guest
 * @param detail what the reason needs to be told: see each {@link Reason}
 */
public record PlanWarning(Reason reason, Field field, List<String> detail) {
  public PlanWarning {
    detail = List.copyOf(detail);
  }

  public enum Reason {
    /** The guest's mark names another manifest file; {@code detail}: that file, then this one. */
    MARKED_BY_ANOTHER_MANIFEST,
    /** The driver cannot change {@code field}; {@code detail}: the driver. */
    CANNOT_CHANGE,
    /**
     * The running guest's {@code field} differs and the driver can bring it to the manifest's value
     * neither live nor by a restart; {@code detail}: the driver.
     */
    CANNOT_CHANGE_RUNNING
  }
}
