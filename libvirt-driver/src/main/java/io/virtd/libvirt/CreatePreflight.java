package io.virtd.libvirt;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.manifest.XmlFile;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files a new guest's manifest names ({@code xml_file}, {@code image}, {@code virt_path},
 * {@code boot_location}), checked before the plan promises a create. {@code xml_file} is read with
 * the manifest, on this host; the others here only for a hypervisor on this host: they are paths of
 * the host libvirt runs on, and for {@code qemu+ssh://other/system} they are looked up through
 * libvirt instead ({@link RemotePreflight}).
 */
final class CreatePreflight {
  private CreatePreflight() {}

  static List<String> problems(VmSpec spec, String uri) {
    return problems(spec, uri, java.util.Set.of());
  }

  /**
   * As above; a {@code virt_path} in {@code poolDirectories} is a directory a pool planned before
   * the guest makes, so it need not exist yet.
   */
  static List<String> problems(VmSpec spec, String uri, java.util.Set<Path> poolDirectories) {
    List<String> out = new ArrayList<>();
    // read here with the manifest, whatever the hypervisor: its text is sent through libvirt
    if (spec.get(Field.XML_FILE).orElse(null) instanceof XmlFile x && x.content().isEmpty()) {
      out.add(at(spec, Field.XML_FILE, "cannot read `xml_file` " + x.path() + ": no such file"));
    }
    if (LibvirtDriver.isRemote(uri)) {
      return out;
    }
    path(spec, Field.IMAGE)
        .flatMap(CreatePreflight::imageProblem)
        .ifPresent(m -> out.add(at(spec, Field.IMAGE, m)));
    path(spec, Field.VIRT_PATH)
        .filter(p -> !poolDirectories.contains(p.toAbsolutePath().normalize()))
        .flatMap(p -> virtPathProblem(spec, p))
        .ifPresent(out::add);
    path(spec, Field.BOOT_LOCATION)
        .flatMap(CreatePreflight::kernelProblem)
        .ifPresent(m -> out.add(at(spec, Field.BOOT_LOCATION, m)));
    out.addAll(diskProblems(spec));
    return out;
  }

  /** Each item of {@code disks} whose image or path cannot be used, at the {@code disks} key. */
  private static List<String> diskProblems(VmSpec spec) {
    List<String> out = new ArrayList<>();
    List<?> disks = spec.get(Field.DISKS).map(List.class::cast).orElse(List.of());
    for (int i = 0; i < disks.size(); i++) {
      io.virtd.core.manifest.DiskSpec d = (io.virtd.core.manifest.DiskSpec) disks.get(i);
      Optional<String> problem = Optional.empty();
      if (d.image() != null) {
        problem = imageProblem(Path.of(d.image()));
      } else if (d.path() != null) {
        try {
          if (VirtPath.judge(Path.of(d.path())).kind() == VirtPath.Kind.DIRECTORY) {
            problem = Optional.of("`path` " + d.path() + " is a directory, not a disk");
          }
        } catch (VirtPath.Refused e) {
          problem = Optional.of(e.getMessage());
        }
      }
      int n = i;
      problem.ifPresent(m -> out.add(at(spec, Field.DISKS, "`disks[" + n + "]`: " + m)));
    }
    return out;
  }

  /**
   * A {@code virt_path} of a kind the contract does not list, at its key; or an existing disk given
   * a {@code disk_size}, at that key: virtd grows only disks it made, so apply could not honour it.
   */
  private static Optional<String> virtPathProblem(VmSpec spec, Path p) {
    VirtPath v;
    try {
      v = VirtPath.judge(p);
    } catch (VirtPath.Refused e) {
      return Optional.of(at(spec, Field.VIRT_PATH, e.getMessage()));
    }
    if (v.kind() != VirtPath.Kind.DIRECTORY && spec.isSet(Field.DISK_SIZE)) {
      return Optional.of(at(spec, Field.DISK_SIZE, existingDiskSized(p)));
    }
    return Optional.empty();
  }

  static String existingDiskSized(Path p) {
    return "`disk_size` with `virt_path` "
        + p
        + ", an existing disk: virtd never resizes a disk it did not create (leave `disk_size`"
        + " out, or name a directory to have a disk of that size made in it)";
  }

  private static Optional<Path> path(VmSpec spec, Field f) {
    return spec.string(f).map(Path::of);
  }

  static String at(VmSpec spec, Field f, String message) {
    return spec.origin(f) + ": " + message;
  }

  private static Optional<String> imageProblem(Path p) {
    try {
      VirtPath.baseImage(p);
    } catch (VirtPath.Refused e) {
      return Optional.of(e.getMessage());
    }
    return readableFile(p, "no image file at `image`");
  }

  /** Why {@code p} is no readable regular file, after {@code what} (which names the key). */
  private static Optional<String> readableFile(Path p, String what) {
    if (!Files.exists(p)) {
      return Optional.of(what + " " + p + ": no such file");
    }
    if (Files.isDirectory(p)) {
      return Optional.of(what + " " + p + ": it is a directory");
    }
    if (!Files.isReadable(p)) {
      return Optional.of(what + " " + p + ": permission denied");
    }
    return Optional.empty();
  }

  /** A directory holding {@code vmlinuz}, or a kernel file, as {@code DomainWriter} reads it. */
  private static Optional<String> kernelProblem(Path loc) {
    if (!Files.exists(loc)) {
      return Optional.of("no kernel at `boot_location` " + loc + ": no such file or directory");
    }
    if (Files.isDirectory(loc) && !Files.isRegularFile(loc.resolve("vmlinuz"))) {
      return Optional.of(
          "no kernel at `boot_location` " + loc + ": the directory holds no `vmlinuz`");
    }
    return Optional.empty();
  }

  /** An I/O error as a person reads it: "no such file", not a Java class name. */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e.getMessage() != null && e.getMessage().contains("Is a directory")) {
      return "it is a directory";
    }
    return e.getMessage() == null ? "cannot be read" : e.getMessage();
  }
}
