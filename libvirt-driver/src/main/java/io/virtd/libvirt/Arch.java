package io.virtd.libvirt;

/** Architecture names: the manifest keeps Puppet's, libvirt has its own for two of them. */
final class Arch {
  private Arch() {}

  /**
   * libvirt's name for a manifest {@code arch}: the spec keeps Puppet's {@code powerpc} and {@code
   * hppa}, which libvirt calls {@code ppc} and {@code parisc} ("Unknown architecture powerpc").
   */
  static String toLibvirt(String manifestArch) {
    return switch (manifestArch) {
      case "powerpc" -> "ppc";
      case "hppa" -> "parisc";
      default -> manifestArch; // i686, x86_64, ia64 are libvirt's names too
    };
  }

  /** The manifest's name for a libvirt arch, so a guest made with {@code powerpc} reads back so. */
  static String toManifest(String libvirtArch) {
    return switch (libvirtArch) {
      case "ppc" -> "powerpc";
      case "parisc" -> "hppa";
      default -> libvirtArch;
    };
  }
}
