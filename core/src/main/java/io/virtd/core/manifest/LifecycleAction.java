package io.virtd.core.manifest;

/**
 * What the hypervisor does when a guest powers off, reboots or crashes (libvirt's on_* elements).
 */
public enum LifecycleAction {
  DESTROY("destroy"),
  RESTART("restart"),
  PRESERVE("preserve"),
  RENAME_RESTART("rename-restart");

  private final String key;

  LifecycleAction(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static LifecycleAction fromKey(String key) {
    for (LifecycleAction a : values()) {
      if (a.key.equals(key)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown lifecycle action " + key);
  }

  @Override
  public String toString() {
    return key;
  }
}
