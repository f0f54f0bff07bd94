package io.virtd.libvirt;

import io.virtd.core.spi.ObservedValue;
import java.nio.file.Path;

/**
 * The file or device a guest's first disk reads, for a guest whose mark does not record how its
 * disk was made (an adopted one): {@code virt_path} matches it when it names that file or device,
 * or the directory holding it (a {@code virt_path} directory gets its disk made inside).
 */
record DiskSource(String path) implements ObservedValue {
  @Override
  public boolean matches(Object desired) {
    String d = desired.toString();
    Path parent = Path.of(path).getParent();
    return d.equals(path) || (parent != null && parent.toString().equals(d));
  }

  @Override
  public String toString() {
    return path;
  }
}
