package io.virtd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.testing.Commands;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What virtctl's cold start leaves out, checked in a JVM of its own. */
class ColdStartTest {
  private static final String OBJECT_MAPPER = "com.fasterxml.jackson.databind.ObjectMapper ";

  @TempDir Path dir;

  /** The classes a {@code virtctl plan} of the example manifests loads, one per line. */
  private String classesLoadedByPlan(String... extra) throws Exception {
    Path config = Files.writeString(dir.resolve("virtd.yaml"), "lock_dir: " + dir + "/locks\n");
    Path log = dir.resolve("classes.log");
    Files.deleteIfExists(log);
    List<String> argv =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xlog:class+load=info:file=" + log,
                "-cp",
                System.getProperty("java.class.path"),
                "io.virtd.cli.Virtctl",
                "plan",
                "--config",
                config.toString(),
                "--connect",
                "test:///default",
                "-m",
                ExamplesIT.REPO.resolve("manifests/libvirt").toString()));
    argv.addAll(List.of(extra));
    Commands.Result r = Commands.run(argv, Duration.ofMinutes(2));
    assertEquals(2, r.exit(), r::out);
    return Files.readString(log);
  }

  @Test
  void aTextPlanOfCreatesBuildsNoObjectMapper() throws Exception {
    String text = classesLoadedByPlan();
    assertTrue(text.contains("io.virtd.core.plan.PlanText "), "the plan was rendered as text");
    assertFalse(text.contains(OBJECT_MAPPER), "a text plan of creates needs no ObjectMapper");
    // the same check sees the mapper where one is built: the JSON output
    assertTrue(classesLoadedByPlan("--json").contains(OBJECT_MAPPER));
  }

  @Test
  void virtdsClassesConcatenateStringsWithoutInvokedynamic() throws IOException {
    // javac's -XDstringConcat=inline (pom.xml): an invokedynamic concatenation spins method
    // handles the first time it runs, which a short-lived virtctl pays for at every start
    int checked = 0;
    List<String> indy = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p) && !p.endsWith("test-classes")) { // what the jar ships
        try (Stream<Path> s = Files.walk(p)) {
          for (Path c : s.filter(ColdStartTest::isVirtdClass).toList()) {
            checked++;
            if (concatenatesByInvokedynamic(Files.readAllBytes(c))) {
              indy.add(c.toString());
            }
          }
        }
      } else if (entry.endsWith(".jar") && p.getFileName().toString().startsWith("virtd-")) {
        try (JarFile jar = new JarFile(p.toFile())) {
          for (var e : jar.stream().filter(e -> isVirtdClass(Path.of(e.getName()))).toList()) {
            checked++;
            try (InputStream in = jar.getInputStream(e)) {
              if (concatenatesByInvokedynamic(in.readAllBytes())) {
                indy.add(p.getFileName() + "!" + e.getName());
              }
            }
          }
        }
      }
    }
    assertTrue(checked > 300, "the modules' classes were found on the class path: " + checked);
    assertEquals(List.of(), indy);
  }

  private static boolean isVirtdClass(Path p) {
    return p.toString().endsWith(".class") && p.toString().contains("io/virtd/");
  }

  private static boolean concatenatesByInvokedynamic(byte[] classFile) {
    return new String(classFile, StandardCharsets.ISO_8859_1).contains("makeConcatWithConstants");
  }
}
