package io.virtd.dist;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.virtd.cli.Virtctl;
import io.virtd.core.manifest.ManifestSchema;
import io.virtd.daemon.Virtd;
import io.virtd.dist.ManPage.Item;
import io.virtd.dist.ManPage.Section;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes what the Debian package ships besides the jar and the hand-written files, each from the
 * program's own model: the bash completion and the man pages from picocli's command model, the
 * manifest JSON Schema from {@link io.virtd.core.manifest.Field}, and the changelog with the
 * package's version. Run by the build (exec:java in {@code process-classes}).
 *
 * <p>Arguments: OUT_DIR MAVEN_VERSION DEB_REVISION DATE(yyyy-MM-dd) CHANGELOG_TEMPLATE.
 */
public final class Generate {
  private Generate() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 5) {
      throw new IllegalArgumentException(
          "usage: Generate OUT_DIR MAVEN_VERSION DEB_REVISION DATE CHANGELOG_TEMPLATE");
    }
    Path out = Path.of(args[0]);
    String version = debianVersion(args[1], args[2]);
    String date = args[3];
    String source = "virtd " + version;

    CommandLine virtctl = Virtctl.commandLine();
    write(
        out.resolve("bash-completion/virtctl"),
        completion(virtctl).getBytes(StandardCharsets.UTF_8));

    Path man1 = out.resolve("man/man1");
    write(
        man1.resolve("virtctl.1.gz"),
        gzip(ManPage.render(virtctl.getCommandSpec(), 1, date, source, virtctlSections())));
    for (var e : virtctl.getSubcommands().entrySet()) {
      if (ManPage.hasOwnPage(e.getValue())) {
        var spec = e.getValue().getCommandSpec();
        write(
            man1.resolve(ManPage.pageName(spec) + ".1.gz"),
            gzip(ManPage.render(spec, 1, date, source, subcommandSections(e.getKey()))));
      }
    }
    CommandLine virtd = new CommandLine(new Virtd());
    write(
        out.resolve("man/man8/virtd.8.gz"),
        gzip(ManPage.render(virtd.getCommandSpec(), 8, date, source, virtdSections())));

    var json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    write(
        out.resolve("virtd/manifest.schema.json"),
        (json.writeValueAsString(ManifestSchema.generate()) + "\n")
            .getBytes(StandardCharsets.UTF_8));

    String changelog = Files.readString(Path.of(args[4])).replace("@VERSION@", version);
    write(out.resolve("doc/changelog.Debian.gz"), gzip(changelog));
  }

  /**
   * The package version from Maven's: {@code 0.1.0-SNAPSHOT} and revision 1 give {@code
   * 0.1.0~SNAPSHOT-1}.
   */
  static String debianVersion(String mavenVersion, String revision) {
    return mavenVersion.replaceFirst("[-+]SNAPSHOT$", "~SNAPSHOT") + "-" + revision;
  }

  /** picocli's script, without its #! line: bash-completion sources it, nobody runs it. */
  static String completion(CommandLine cl) {
    String s = AutoComplete.bash("virtctl", cl);
    return s.startsWith("#!") ? s.substring(s.indexOf('\n') + 1) : s;
  }

  private static final Section LAUNCHER_ENV =
      Section.items(
          "Environment",
          new Item("VIRTD_JAR", "the jar to run instead of /usr/share/virtd/virtd.jar."),
          new Item(
              "VIRTD_JAVA_OPTS", "extra options for the Java virtual machine, e.g. -Xmx256m."));

  private static List<Section> virtctlSections() {
    return List.of(
        Section.text(
            "Exit status",
            "Each command's page lists its own. A usage error (an unknown option, a missing argument) exits 1 with the usage text."),
        LAUNCHER_ENV,
        Section.items(
            "Files",
            new Item(
                "/etc/virtd/virtd.yaml",
                "the configuration (--config); a missing default file means all defaults."),
            new Item(
                "/etc/virtd/manifests",
                "the manifests read when no -m is given (the configuration's `manifests`)."),
            new Item(
                "/run/virtd/virtd.sock",
                "the daemon's control socket (status, reconcile, hold, release)."),
            new Item(
                "/usr/share/virtd/manifest.schema.json",
                "the JSON Schema of one manifest document, for editors.")),
        Section.text("See also", "virtd(8); the manifest reference in /usr/share/doc/virtd."));
  }

  private static final Map<String, List<Item>> EXIT_STATUS =
      Map.of(
          "validate",
          List.of(new Item("0", "all manifests are valid."), new Item("1", "any problem.")),
          "plan",
          List.of(
              new Item("0", "nothing to do."),
              new Item(
                  "1",
                  "an error: an invalid manifest, no driver for a resource, an unreachable hypervisor."),
              new Item(
                  "2",
                  "changes pending: any action apply would take, or a difference that needs re-creating.")),
          "apply",
          List.of(
              new Item("0", "converged."),
              new Item(
                  "1",
                  "a step failed (the other resources still ran), or the guest read back after apply still differs."),
              new Item(
                  "3",
                  "converged as far as allowed, but a restart is pending or a re-create is required.")));

  private static List<Section> subcommandSections(String name) {
    List<Item> exit =
        EXIT_STATUS.getOrDefault(
            name,
            List.of(
                new Item("0", "done."), new Item("1", "no daemon answers, or an unknown name.")));
    List<Section> s = new ArrayList<>();
    s.add(Section.items("Exit status", exit.toArray(Item[]::new)));
    s.add(Section.text("See also", "virtctl(1), virtd(8)."));
    return s;
  }

  private static List<Section> virtdSections() {
    return List.of(
        Section.items(
            "Signals",
            new Item(
                "SIGTERM",
                "stop taking new work, let running steps finish (at most 60 s), exit 0."),
            new Item(
                "SIGHUP",
                "reload the configuration; an invalid one is logged and the running one kept.")),
        Section.items(
            "Exit status",
            new Item("0", "stopped by SIGTERM."),
            new Item(
                "1",
                "the configuration is invalid or cannot be read (or is writable by group or others).")),
        Section.items(
            "Environment",
            new Item(
                "VIRTD_LOG_LEVEL",
                "the log level until the configuration's `log_level` is read (default INFO)."),
            LAUNCHER_ENV.items().get(0),
            LAUNCHER_ENV.items().get(1)),
        Section.items(
            "Files",
            new Item(
                "/etc/virtd/virtd.yaml",
                "the configuration; every key has a default, so an empty file is valid."),
            new Item(
                "/etc/virtd/manifests", "the manifests watched (the configuration's `manifests`)."),
            new Item("/run/virtd/virtd.sock", "the control socket, mode 0660."),
            new Item("/run/virtd/locks", "the per-guest locks shared with virtctl."),
            new Item(
                "/var/lib/virtd/images",
                "where guest volumes are created (the configuration's `storage_dir`)."),
            new Item(
                "/lib/systemd/system/virtd.service",
                "the systemd unit; /usr/share/doc/virtd/openvz.conf is its drop-in for OpenVZ hosts.")),
        Section.text("See also", "virtctl(1), systemctl(1)."));
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }

  /**
   * gzip at the best compression, with no name and no time in the header (a reproducible file, and
   * the "max compression" flag Debian's tools look for): java.util.zip.GZIPOutputStream writes
   * neither the level nor its flag.
   */
  static byte[] gzip(String text) throws IOException {
    byte[] data = text.getBytes(StandardCharsets.UTF_8);
    var bytes = new ByteArrayOutputStream();
    bytes.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 3});
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    try (OutputStream z = new DeflaterOutputStream(nonClosing(bytes), deflater)) {
      z.write(data);
    } finally {
      deflater.end();
    }
    CRC32 crc = new CRC32();
    crc.update(data);
    writeLe(bytes, crc.getValue());
    writeLe(bytes, data.length & 0xffffffffL);
    return bytes.toByteArray();
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  private static void writeLe(ByteArrayOutputStream out, long v) {
    for (int i = 0; i < 4; i++) {
      out.write((int) (v >>> (8 * i)) & 0xff);
    }
  }
}
