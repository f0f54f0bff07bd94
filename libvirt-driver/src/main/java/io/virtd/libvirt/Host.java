package io.virtd.libvirt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * What the host contributes to a new definition: its architecture (by libvirt's name), which names
 * are its bridges (the rest are libvirt networks), and its time zone.
 */
record Host(String arch, Predicate<String> isBridge, String timezone) {
  static Host local() {
    return new Host(localArch(), Host::isLocalBridge, localTimezone());
  }

  /** The host's architecture, by libvirt's name. */
  static String localArch() {
    String a = System.getProperty("os.arch", "x86_64");
    return switch (a) {
      case "amd64", "x86_64" -> "x86_64";
      case "x86", "i386", "i486", "i586", "i686" -> "i686";
      case "ppc", "powerpc" -> "ppc";
      default -> a;
    };
  }

  static boolean isLocalBridge(String name) {
    return !name.contains("/")
        && !name.startsWith(".")
        && Files.isDirectory(Path.of("/sys/class/net", name, "bridge"));
  }

  static String localTimezone() {
    String id = java.time.ZoneId.systemDefault().getId();
    return id.matches("[A-Za-z][A-Za-z0-9_+/-]*") ? id : "UTC";
  }
}
