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

  /**
   * Whether libvirt's qemu driver ({@code virt_type} kvm and qemu) accepts this action for {@code
   * key}: it refuses {@code rename-restart} everywhere and {@code preserve} for {@code on_poweroff}
   * and {@code on_reboot}, at define, so the manifest is refused at validation instead. Xen takes
   * them all.
   */
  public boolean supportedBy(VirtType type, Field key) {
    if (type != VirtType.KVM && type != VirtType.QEMU) {
      return true;
    }
    return switch (this) {
      case DESTROY, RESTART -> true;
      case PRESERVE -> key == Field.ON_CRASH;
      case RENAME_RESTART -> false;
    };
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
