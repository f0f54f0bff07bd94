package io.virtd.core.spi;

/** The run state of a guest, as libvirt names them (OpenVZ maps onto RUNNING and SHUTOFF). */
public enum RunState {
  RUNNING,
  BLOCKED,
  PAUSED,
  SHUTDOWN,
  SHUTOFF,
  CRASHED,
  PMSUSPENDED,
  NOSTATE;

  /** Whether the guest's processes exist (it holds memory, it could be resumed). */
  public boolean isActive() {
    return this != SHUTOFF && this != CRASHED && this != NOSTATE;
  }

  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
