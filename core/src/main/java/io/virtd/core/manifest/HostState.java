package io.virtd.core.manifest;

import java.util.Locale;

/** The {@code ensure} of a {@code network} or {@code pool}: running, stopped or absent. */
public enum HostState {
  RUNNING,
  STOPPED,
  ABSENT;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
