package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.testing.ManifestGen;
import io.virtd.core.testing.PropertyCases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Whatever a manifest file holds, {@link ManifestLoader#load} answers with problems, never with an
 * exception: each problem names the file and a position inside it, and only valid resources are
 * kept. Property tests over seeded pseudo-random inputs ({@link PropertyCases}).
 */
class LoaderPropertiesTest {
  static final int TRIES = 200;
  static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("virtd-loader-props");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void cleanUp() throws Exception {
    try (var files = Files.list(DIR)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(DIR);
  }

  @Test
  void arbitraryBytesGiveProblemsNotExceptions() {
    PropertyCases.forAll(
        "arbitrary bytes give problems, not exceptions",
        TRIES,
        g -> g.bytes(600),
        b -> "bytes:" + HexFormat.of().formatHex(b),
        LoaderPropertiesTest::check);
  }

  @Test
  void generatedYamlGivesProblemsNotExceptions() {
    Map<String, Integer> outcomes = new TreeMap<>();
    PropertyCases.forAll(
        "generated YAML gives problems, not exceptions",
        TRIES,
        ManifestGen::yamlFile,
        PropertyCases::quoted,
        text -> {
          DesiredState s = check(text.getBytes(StandardCharsets.UTF_8));
          String outcome =
              s.hasErrors()
                  ? s.errors().get(0).message().startsWith("YAML") ? "syntax error" : "invalid"
                  : s.resources().isEmpty() ? "declares nothing" : "valid";
          outcomes.merge(outcome, 1, Integer::sum);
        });
    // the generator reaches past the parser: some files are valid, many fail validation
    String report =
        "outcomes " + outcomes + " of " + TRIES + " (base seed " + PropertyCases.baseSeed() + ")";
    assertTrue(outcomes.getOrDefault("valid", 0) >= 1, report);
    assertTrue(outcomes.getOrDefault("invalid", 0) * 100 >= 20 * TRIES, report);
    assertTrue(outcomes.getOrDefault("syntax error", 0) >= 1, report);
  }

  private static DesiredState check(byte[] bytes) throws Exception {
    Path f = DIR.resolve("m.yaml");
    Files.write(f, bytes);
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.WARN).load(f);
    long lines =
        1 + new String(bytes, StandardCharsets.ISO_8859_1).chars().filter(c -> c == '\n').count();
    for (Problem p : s.problems()) {
      assertEquals(f, p.file(), p::toString);
      assertTrue(
          p.pos().line() >= 1 && p.pos().line() <= lines + 1 && p.pos().col() >= 1, p::toString);
      assertTrue(
          p.toString().startsWith(f + ":" + p.pos().line() + ":" + p.pos().col() + ": "),
          p::toString);
    }
    for (VmSpec spec : s.resources().values()) {
      assertTrue(Names.isValid(spec.name()), spec::toString);
      assertTrue(spec.isSet(Field.VIRT_TYPE), spec::toString);
    }
    return s;
  }
}
