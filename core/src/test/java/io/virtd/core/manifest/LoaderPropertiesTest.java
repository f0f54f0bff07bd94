package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.testing.ManifestArbitraries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Whatever a manifest file holds, {@link ManifestLoader#load} answers with problems, never with an
 * exception: each problem names the file and a position inside it, and only valid resources are kept.
 */
class LoaderPropertiesTest {
  static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("virtd-loader-props");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterContainer
  static void cleanUp() throws Exception {
    try (var files = Files.list(DIR)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(DIR);
  }

  @Property(tries = 200)
  void arbitraryBytesGiveProblemsNotExceptions(@ForAll @Size(max = 600) byte[] bytes) throws Exception {
    check(bytes);
  }

  @Property(tries = 200)
  @StatisticsReport(onFailureOnly = true)
  void generatedYamlGivesProblemsNotExceptions(@ForAll("yamlFiles") String text) throws Exception {
    DesiredState s = check(text.getBytes(StandardCharsets.UTF_8));
    String outcome =
        s.hasErrors()
            ? s.errors().get(0).message().startsWith("YAML") ? "syntax error" : "invalid"
            : s.resources().isEmpty() ? "declares nothing" : "valid";
    Statistics.collect(outcome);
    // the generator reaches past the parser: some files are valid, many fail validation
    Statistics.coverage(c -> {
      c.check("valid").count(n -> n >= 1);
      c.check("invalid").percentage(p -> p >= 20);
      c.check("syntax error").count(n -> n >= 1);
    });
  }

  @Provide
  Arbitrary<String> yamlFiles() {
    return ManifestArbitraries.yamlFile();
  }

  private static DesiredState check(byte[] bytes) throws Exception {
    Path f = DIR.resolve("m.yaml");
    Files.write(f, bytes);
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.WARN).load(f);
    long lines = 1 + new String(bytes, StandardCharsets.ISO_8859_1).chars().filter(c -> c == '\n').count();
    for (Problem p : s.problems()) {
      assertEquals(f, p.file(), p::toString);
      assertTrue(p.pos().line() >= 1 && p.pos().line() <= lines + 1 && p.pos().col() >= 1, p::toString);
      assertTrue(p.toString().startsWith(f + ":" + p.pos().line() + ":" + p.pos().col() + ": "), p::toString);
    }
    for (VmSpec spec : s.resources().values()) {
      assertTrue(Names.isValid(spec.name()), spec::toString);
      assertTrue(spec.isSet(Field.VIRT_TYPE), spec::toString);
    }
    return s;
  }
}
