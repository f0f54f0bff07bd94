package io.virtd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The run the launcher records a class-data archive from ({@code -XX:ArchiveClassesAtExit}): it
 * validates and plans a small manifest against libvirt's in-process {@code test:///default}, text
 * and JSON, so the classes of a typical {@code virtctl} run (YAML, picocli, JNA, libvirt, the
 * planner, Jackson, and the XML a guest's disk and network checks read) are in the archive. Touches
 * nothing outside a temporary directory.
 */
public final class CdsTraining {
  private static final String MANIFEST =
      """
      virt: train01
      virt_type: kvm
      ensure: running
      desc: "class-data training <run>"
      memory: 1GiB
      cpus: 2
      on_crash: restart
      shutdown_timeout: 30s
      disks:
        - size: 1
      nics:
        - network: default
      ---
      virt: test
      virt_type: kvm
      ensure: stopped
      """;

  private CdsTraining() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("virtd-cds-");
    try {
      Path m = Files.writeString(dir.resolve("train.yaml"), MANIFEST);
      Path config =
          Files.writeString(
              dir.resolve("virtd.yaml"),
              "storage_dir: "
                  + dir.resolve("images")
                  + "\nlock_dir: "
                  + dir.resolve("locks")
                  + "\n");
      String[] plan = {
        "plan", "--config", config.toString(), "--connect", "test:///default", "-m", m.toString()
      };
      run("validate", "-m", m.toString());
      run(plan);
      run(Stream.concat(Stream.of(plan), Stream.of("--json")).toArray(String[]::new));
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void run(String... args) {
    var cl = Virtctl.commandLine();
    cl.setOut(new PrintWriter(Writer.nullWriter()));
    cl.setErr(new PrintWriter(Writer.nullWriter()));
    cl.execute(args);
  }
}
