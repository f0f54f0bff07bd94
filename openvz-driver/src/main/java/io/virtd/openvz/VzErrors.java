package io.virtd.openvz;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;

/**
 * The one place where vzctl's exit codes ({@code include/vzerror.h} of vzctl 4.11) become {@link
 * Kind}s. Codes not listed are {@link Kind#TERMINAL}: they fail again until the manifest or the
 * host changes.
 */
public final class VzErrors {
  /** {@code VZ_LOCKED}: another vzctl holds the container's lock. */
  public static final int LOCKED = 9;

  /** {@code VZ_NOVECONFIG}: no {@code CTID.conf}. */
  public static final int NO_CONFIG = 14;

  /** {@code VZ_VE_NOT_RUNNING}. */
  public static final int NOT_RUNNING = 31;

  /** {@code VZ_VE_RUNNING}: "already running", "Stop it first". */
  public static final int RUNNING = 32;

  /** {@code VZ_START_DISABLED}: {@code DISABLED="yes"}, start needs {@code --force}. */
  public static final int START_DISABLED = 105;

  private VzErrors() {}

  public static Kind kindOf(int exit) {
    return switch (exit) {
      case LOCKED -> Kind.TRANSIENT;
      case 3 -> Kind.TRANSIENT; // VZ_SYSTEM_ERROR: fork, open, ... failed
      case NO_CONFIG -> Kind.NOT_FOUND;
      case NOT_RUNNING, RUNNING -> Kind.CONFLICT;
      case 40, 41 -> Kind.CONFLICT; // VZ_FS_NOT_MOUNTED, VZ_FS_MOUNTED
      case 44 -> Kind.CONFLICT; // VZ_FS_PRVT_AREA_EXIST: the CTID's private area is taken
      case 78 -> Kind.CONFLICT; // VZ_IP_INUSE: another running container has the address
      case START_DISABLED -> Kind.CONFLICT;
      default ->
          Kind.TERMINAL; // 20/21 bad syntax/value, 28 UBC, 29/91 template, 43 no private area, ...
    };
  }

  /**
   * The exception for a failed run, worded for an operator: what, which container, vzctl's words.
   */
  public static DriverException failure(VzCommand cmd, VzResult r, String container) {
    String words = r.message();
    String hint = hint(r);
    return new DriverException(
        kindOf(r.exit()),
        "openvz: `"
            + cmd.display()
            + "` ("
            + container
            + ") failed with exit code "
            + r.exit()
            + (words.isEmpty() ? "" : ": " + words)
            + hint);
  }

  private static String hint(VzResult r) {
    if (r.stderr().contains("unrecognized option '--noatime'")) {
      return " (`noatime` needs Virtuozzo 7's vzctl; this vzctl is older)";
    }
    return switch (r.exit()) {
      case START_DISABLED ->
          " (the manifest sets `disabled: true`; a disabled container is not started)";
      case LOCKED -> " (locked by another vzctl; will retry)";
      default -> "";
    };
  }
}
