package io.virtd.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a {@code virt_path} names, judged after its symbolic links and {@code ..} are resolved: only
 * the kinds the manifest contract lists. A manifest is untrusted input that root acts on, and
 * libvirt hands a guest's disk to the QEMU user (dynamic ownership), so a path that reaches {@code
 * /etc/shadow} must never become a disk.
 *
 * <ul>
 *   <li>an existing disk image: a regular file named {@code .img}, {@code .qcow2}, {@code .qcow} or
 *       {@code .raw} (the name says how QEMU reads it);
 *   <li>a block device that is not in use on the host (not mounted, no partition of it mounted, not
 *       swap, not held by device-mapper such as an LVM physical volume);
 *   <li>a directory, where a blank disk is made.
 * </ul>
 *
 * Never anything under {@code /etc}, {@code /proc}, {@code /sys} or (block devices aside) {@code
 * /dev}, and never a file owned by a user other than root, the QEMU user and the user virtd runs
 * as.
 */
record VirtPath(Path given, Path real, Kind kind) {
  enum Kind {
    IMAGE,
    BLOCK,
    DIRECTORY
  }

  /** A {@code virt_path} that is none of the kinds allowed; the message says why. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  static final List<String> IMAGE_SUFFIXES = List.of(".img", ".qcow2", ".qcow", ".raw");
  private static final List<Path> SYSTEM =
      List.of(Path.of("/etc"), Path.of("/proc"), Path.of("/sys"));
  private static final Path DEV = Path.of("/dev");
  private static final Set<String> OWNERS = Set.of("root", "libvirt-qemu", "qemu");
  private static final int S_IFMT = 0170000;
  private static final int S_IFBLK = 0060000;

  /** Where the disk's source points: a block device by the name given (stable: /dev/vg/lv). */
  Path source() {
    return kind == Kind.BLOCK ? given : real;
  }

  /** A path resolved and found in an allowed place with an allowed owner. */
  private record Examined(Path real, int mode, String shown) {}

  /** Where {@code given} really is, refused under a system directory or of another owner. */
  private static Examined examine(Path given, String key, String missing) throws Refused {
    String at = "`" + key + "` " + given;
    Path real;
    try {
      real = given.toRealPath();
    } catch (NoSuchFileException e) {
      throw new Refused(missing);
    } catch (IOException e) {
      throw new Refused(at + " cannot be resolved: " + CreatePreflight.reason(e));
    }
    String shown = real.equals(given) ? at : at + " (" + real + ")";
    for (Path system : SYSTEM) {
      if (real.startsWith(system)) {
        throw new Refused(shown + " is under " + system + ": never a guest's disk");
      }
    }
    int mode;
    String owner;
    try {
      mode = (Integer) Files.getAttribute(real, "unix:mode");
      owner = Files.getOwner(real).getName();
    } catch (IOException | UnsupportedOperationException e) {
      throw new Refused(shown + " cannot be examined");
    }
    if (!OWNERS.contains(owner) && !owner.equals(System.getProperty("user.name"))) {
      throw new Refused(
          shown
              + " is owned by `"
              + owner
              + "`: only files of root, the QEMU user or virtd's own user become disks");
    }
    return new Examined(real, mode, shown);
  }

  static VirtPath judge(Path given) throws Refused {
    Examined e =
        examine(
            given,
            "virt_path",
            "no disk image, block device or directory at `virt_path` " + given + ": no such file");
    Path real = e.real();
    boolean block = (e.mode() & S_IFMT) == S_IFBLK;
    if (real.startsWith(DEV) && !block) {
      throw new Refused(e.shown() + " is under /dev and no block device");
    }
    if (block) {
      var use = inUse(real);
      if (use.isPresent()) {
        throw new Refused(e.shown() + " is a block device in use on this host: " + use.get());
      }
      return new VirtPath(given, real, Kind.BLOCK);
    }
    if (Files.isDirectory(real)) {
      return new VirtPath(given, real, Kind.DIRECTORY);
    }
    if (!Files.isRegularFile(real)) {
      throw new Refused(e.shown() + " is a FIFO, socket or character device, not a disk");
    }
    String name = real.getFileName().toString();
    if (IMAGE_SUFFIXES.stream().noneMatch(name::endsWith)) {
      throw new Refused(
          e.shown()
              + " is no disk image: its name must end in "
              + String.join(", ", IMAGE_SUFFIXES));
    }
    return new VirtPath(given, real, Kind.IMAGE);
  }

  /**
   * The file an {@code image} names, resolved: a regular file, in an allowed place, of an allowed
   * owner, as for {@code virt_path} (its format is libvirt's to probe, so any name).
   */
  static Path baseImage(Path given) throws Refused {
    Examined e = examine(given, "image", "no image file at `image` " + given + ": no such file");
    if (!Files.isRegularFile(e.real())) {
      throw new Refused(e.shown() + " is no regular file, so no disk image");
    }
    return e.real();
  }

  /**
   * How the host uses a block device, or itself or one of its partitions: mounted, swap, or held by
   * device-mapper. Empty when it is free, or when this host's /proc and /sys cannot tell.
   */
  static Optional<String> inUse(Path dev) {
    try {
      Set<String> ids = new HashSet<>();
      String id = deviceId(dev);
      ids.add(id);
      Path sys = Path.of("/sys/dev/block", id).toRealPath();
      try (var children = Files.list(sys)) {
        for (Path c : children.toList()) {
          if (Files.isRegularFile(c.resolve("partition"))) {
            ids.add(Files.readString(c.resolve("dev")).strip());
          }
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f.length > 4 && ids.contains(f[2])) {
          return Optional.of("mounted on " + f[4]);
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/swaps"))) {
        String file = line.split("\\s+")[0];
        if (file.startsWith("/") && Files.exists(Path.of(file))) {
          try {
            if (ids.contains(deviceId(Path.of(file)))) {
              return Optional.of("swap");
            }
          } catch (IOException | RuntimeException e) {
            // a swap file: no device of its own
          }
        }
      }
      for (String d : ids) {
        Path holders = Path.of("/sys/dev/block", d, "holders");
        if (Files.isDirectory(holders)) {
          try (var h = Files.list(holders)) {
            if (h.findAny().isPresent()) {
              return Optional.of("held by device-mapper (an LVM physical volume, crypt or RAID)");
            }
          }
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** {@code MAJOR:MINOR} of a device node, as /sys and /proc/self/mountinfo write it. */
  private static String deviceId(Path dev) throws IOException {
    long rdev = (Long) Files.getAttribute(dev, "unix:rdev");
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    return major + ":" + minor;
  }
}
