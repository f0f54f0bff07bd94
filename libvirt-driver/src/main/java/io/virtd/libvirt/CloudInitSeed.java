package io.virtd.libvirt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VirtType;
import io.virtd.core.manifest.VmSpec;
import io.virtd.core.spi.DocumentDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A guest's cloud-init NoCloud seed: {@code user_data}, {@code meta_data} and {@code
 * network_config} as the files {@code user-data}, {@code meta-data} and {@code network-config} on
 * an ISO 9660 image labelled {@code cidata}, attached as a read-only CD-ROM. The image lives in the
 * configuration's {@code storage_dir} as {@code NAME-cidata.iso}; it is rewritten when a document
 * changes (the guest sees it at its next boot) and removed with the guest.
 *
 * <p>What the guest was built with is recorded in virtd's mark as a salted digest of each document
 * ({@link DocumentDigest}), so observing a guest never reads the image and the documents
 * (passwords, often) are not copied into the domain XML.
 */
final class CloudInitSeed {
  private CloudInitSeed() {}

  static final Map<Field, String> FILES =
      Map.of(
          Field.USER_DATA, "user-data",
          Field.META_DATA, "meta-data",
          Field.NETWORK_CONFIG, "network-config");

  /** The mark attribute holding each document's digest. */
  static final Map<Field, String> MARKS =
      Map.of(
          Field.USER_DATA, Marks.USER_DATA,
          Field.META_DATA, Marks.META_DATA,
          Field.NETWORK_CONFIG, Marks.NETWORK_CONFIG);

  static final String LABEL = "cidata";
  static final Path GENISOIMAGE = Path.of("/usr/bin/genisoimage");

  /** Built on first use: the observer reads {@link #FILES} for every guest, seeds or not. */
  private static final class Yaml {
    static final YAMLMapper MAPPER =
        YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .build();
  }

  static boolean wanted(VmSpec spec) {
    return FILES.keySet().stream().anyMatch(spec::isSet);
  }

  static boolean touches(List<io.virtd.core.plan.FieldChange> changes) {
    return changes.stream().anyMatch(c -> FILES.containsKey(c.field()));
  }

  static Path isoPath(Path storageDir, String name) {
    return storageDir.resolve(name + "-" + LABEL + ".iso");
  }

  /**
   * The seed's files and their contents, in order. NoCloud needs a {@code meta-data} file: without
   * {@code meta_data} it names the instance after the guest, so cloud-init keeps one instance id
   * over the guest's life (a changed {@code user_data} is not a new instance: cloud-init's
   * per-instance modules run once, as on any cloud).
   */
  static Map<String, String> files(VmSpec spec) {
    Map<String, String> out = new LinkedHashMap<>();
    spec.get(Field.USER_DATA).ifPresent(d -> out.put("user-data", userData(d)));
    out.put(
        "meta-data",
        spec.get(Field.META_DATA)
            .map(CloudInitSeed::text)
            .orElse("instance-id: " + spec.name() + "\nlocal-hostname: " + spec.name() + "\n"));
    spec.get(Field.NETWORK_CONFIG).ifPresent(d -> out.put("network-config", text(d)));
    return out;
  }

  /** A map becomes cloud-config, which cloud-init recognises by its first line only. */
  static String userData(Object doc) {
    return doc instanceof String s ? s : "#cloud-config\n" + yaml(doc);
  }

  static String text(Object doc) {
    return doc instanceof String s ? s : yaml(doc);
  }

  private static String yaml(Object doc) {
    try {
      return Yaml.MAPPER.writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write a cloud-init document as YAML", e);
    }
  }

  /** The digests to record in the mark, one per document the manifest sets. */
  static Map<String, String> digests(VmSpec spec) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Field f : List.of(Field.USER_DATA, Field.META_DATA, Field.NETWORK_CONFIG)) {
      spec.get(f).ifPresent(d -> out.put(MARKS.get(f), DocumentDigest.of(d).encoded()));
    }
    return out;
  }

  /**
   * genisoimage (Debian package genisoimage) rather than an ISO writer of our own: ISO 9660 with
   * Rock Ridge and Joliet is a format full of corner cases that cloud-init's readers (blkid, mount,
   * pycdlib) are picky about, and the same tool is what cloud-localds and most clouds' docs use.
   * Run with the seed directory as its working directory, so the file names are relative.
   */
  static List<String> genisoimageArgs(Path output, List<String> files) {
    List<String> argv = new ArrayList<>();
    argv.add(GENISOIMAGE.toString());
    argv.add("-quiet");
    argv.add("-output");
    argv.add(output.toString());
    argv.add("-volid");
    argv.add(LABEL);
    argv.add("-joliet");
    argv.add("-rock");
    argv.add("--");
    argv.addAll(files);
    return argv;
  }

  /**
   * Writes the seed image for {@code spec} to {@code iso}, replacing an existing one atomically: a
   * running guest keeps reading the image it booted with (QEMU holds it open) and sees the new one
   * at its next boot. Readable by its owner only: libvirt hands it to the QEMU user when the guest
   * starts (dynamic ownership), and user-data may hold passwords.
   *
   * @return whether this call made the file (there was none at {@code iso}); only then may a failed
   *     create delete it: an existing one may be another run's, in use by its guest
   */
  static boolean write(VmSpec spec, Path iso) throws IOException {
    Path dir = iso.getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }
    Path work =
        Files.createTempDirectory(
            dir,
            "." + iso.getFileName() + ".",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Map<String, String> files = files(spec);
      for (Map.Entry<String, String> e : files.entrySet()) {
        Files.writeString(work.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
      }
      Path out = work.resolve("seed.iso");
      run(genisoimageArgs(out, List.copyOf(files.keySet())), work);
      Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
      try {
        Files.createLink(iso, out); // link(2) never replaces: made here, or there already
        return true;
      } catch (FileAlreadyExistsException e) {
        // replaced below
      } catch (UnsupportedOperationException | IOException e) {
        // no hard links on this file system: tell "made here" by looking first
        boolean existed = Files.exists(iso, LinkOption.NOFOLLOW_LINKS);
        replace(out, iso);
        return !existed;
      }
      replace(out, iso);
      return false;
    } finally {
      deleteTree(work);
    }
  }

  private static void replace(Path out, Path iso) throws IOException {
    try {
      Files.move(out, iso, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(out, iso, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void run(List<String> argv, Path cwd) throws IOException {
    Process p =
        new ProcessBuilder(argv)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    String output;
    try (var in = p.getInputStream()) {
      output = new String(in.readNBytes(8192), StandardCharsets.UTF_8).strip();
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("genisoimage did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while genisoimage ran", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException("genisoimage failed (exit " + p.exitValue() + "): " + output);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * The domain XML with the seed attached as a read-only CD-ROM (once: an existing CD-ROM showing
   * {@code iso} is kept, with its address) and {@code digests} written into virtd's mark. The bus
   * follows the machine: IDE on {@code pc} (i440fx, QEMU's default here), SATA on q35, which has no
   * IDE; Xen paravirt guests see it as a xen disk.
   */
  static String attach(String xml, Path iso, VirtType vt, Map<String, String> digests) {
    Document doc = Dom.parse(xml);
    Element domain = doc.getDocumentElement();
    Element devices = Dom.firstOrChild(domain, "devices");
    boolean present = false;
    Set<String> taken = new java.util.HashSet<>();
    for (Element disk : Dom.children(devices, "disk")) {
      Element source = Dom.first(disk, "source");
      if (source != null && isSeed(source.getAttribute("file"), iso)) {
        source.setAttribute("file", iso.toString()); // one seed: one written elsewhere is moved
        present = true;
      }
      Element target = Dom.first(disk, "target");
      if (target != null) {
        taken.add(target.getAttribute("dev"));
      }
    }
    if (!present) {
      devices.appendChild(cdrom(doc, iso, vt, machine(domain), taken));
    }
    for (Element mark : Marks.findAll(doc)) {
      MARKS.values().forEach(mark::removeAttribute); // the seed holds exactly these documents now
      digests.forEach(mark::setAttribute);
      mark.setAttribute(Marks.SEED, iso.toString());
    }
    return Dom.serialize(doc);
  }

  /** Whether a disk's file is this guest's seed: the image's name is the guest's. */
  private static boolean isSeed(String file, Path iso) {
    return !file.isEmpty() && iso.getFileName().equals(Path.of(file).getFileName());
  }

  /** The seed image the mark in {@code xml} says virtd wrote for the guest. */
  static java.util.Optional<Path> recorded(String xml) {
    return Marks.find(Dom.parse(xml))
        .map(m -> m.getAttribute(Marks.SEED))
        .filter(s -> !s.isEmpty())
        .map(Path::of);
  }

  /**
   * Deletes the seed image {@code iso} of guest {@code name} that virtd wrote: only a file by the
   * name virtd gives seeds, never through a symbolic link; one already gone is fine.
   */
  static void delete(Path iso, String name) throws IOException {
    if (!named(iso, name)) {
      return; // not a name virtd gives a seed: not one of ours, whatever the mark says
    }
    if (Files.isRegularFile(iso, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(iso);
    }
  }

  /** Whether {@code iso} is an absolute path by the name virtd gives guest {@code name}'s seed. */
  static boolean named(Path iso, String name) {
    return iso.isAbsolute() && iso.getFileName().equals(isoPath(Path.of("/"), name).getFileName());
  }

  private static Element cdrom(
      Document doc, Path iso, VirtType vt, String machine, Set<String> taken) {
    Element disk = doc.createElement("disk");
    disk.setAttribute("type", "file");
    disk.setAttribute("device", vt == VirtType.XEN_PARAVIRT ? "disk" : "cdrom");
    if (!vt.isXen()) {
      Element driver = doc.createElement("driver");
      driver.setAttribute("name", "qemu");
      driver.setAttribute("type", "raw");
      disk.appendChild(driver);
    }
    Element source = doc.createElement("source");
    source.setAttribute("file", iso.toString());
    disk.appendChild(source);
    String bus;
    String prefix;
    if (vt == VirtType.XEN_PARAVIRT) {
      bus = "xen";
      prefix = "xvd";
    } else if (machine.contains("q35")) {
      bus = "sata";
      prefix = "sd";
    } else {
      bus = "ide";
      prefix = "hd";
    }
    String dev = null;
    for (char c : "cdbefghijklmnopqrstuvwxyz".toCharArray()) { // hdc: the secondary master, as ever
      if (!taken.contains(prefix + c) && !(bus.equals("xen") && c == 'a')) {
        dev = prefix + c;
        break;
      }
    }
    Element target = doc.createElement("target");
    target.setAttribute("dev", dev == null ? prefix + "z" : dev);
    target.setAttribute("bus", bus);
    disk.appendChild(target);
    disk.appendChild(doc.createElement("readonly"));
    return disk;
  }

  private static String machine(Element domain) {
    Element os = Dom.first(domain, "os");
    Element type = os == null ? null : Dom.first(os, "type");
    return type == null ? "" : type.getAttribute("machine");
  }
}
