package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus of bad manifests in {@code src/test/resources/bad/}: each case must report exactly the
 * errors that {@code bad/expected.tsv} lists, written there by hand, at the listed line and column.
 */
class BadManifestCorpusTest {
  record Expected(String file, int line, int col, String message) {}

  static Path badDir() throws Exception {
    return Path.of(BadManifestCorpusTest.class.getResource("/bad/expected.tsv").toURI()).getParent().toAbsolutePath();
  }

  /** The table, case by case, in file order. */
  static Map<String, List<Expected>> table() throws Exception {
    Map<String, List<Expected>> cases = new LinkedHashMap<>();
    for (String line : Files.readAllLines(badDir().resolve("expected.tsv"), StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] c = line.split("\t", -1);
      assertEquals(5, c.length, () -> "expected.tsv: 5 tab-separated columns in: " + line);
      cases
          .computeIfAbsent(c[0], k -> new ArrayList<>())
          .add(new Expected(c[1], Integer.parseInt(c[2]), Integer.parseInt(c[3]), c[4]));
    }
    return cases;
  }

  static Stream<Arguments> cases() throws Exception {
    return table().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void caseReportsExactlyTheExpectedErrors(String name, List<Expected> expected) throws Exception {
    Path dir = badDir();
    // WARN: the copies under target/ may have any mode; permissions are tested elsewhere
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.WARN).load(dir.resolve(name));
    List<Problem> errors = new ArrayList<>(s.errors());
    String all = String.join("\n", errors.stream().map(Problem::toString).toList());
    for (Expected e : expected) {
      Path file = dir.resolve(e.file());
      String text = e.message().replace("{dir}", dir.toString());
      Problem match =
          errors.stream()
              .filter(p -> p.file().equals(file) && p.pos().equals(new Pos(e.line(), e.col())) && p.message().contains(text))
              .findFirst()
              .orElse(null);
      assertTrue(match != null, () -> "missing " + e.file() + ":" + e.line() + ":" + e.col() + ": " + text + "\ngot:\n" + all);
      assertTrue(
          match.toString().startsWith(file + ":" + e.line() + ":" + e.col() + ": "),
          () -> "printed as FILE:LINE:COL: message: " + match);
      errors.remove(match);
    }
    assertEquals(List.of(), errors, "errors the table does not list");
    assertEquals(Map.of(), s.resources(), "no resource of a bad manifest is kept");
  }

  /** The table and the directory agree: no case without a file, no file without a case. */
  @Test
  void everyCorpusFileIsInTheTable() throws Exception {
    Path dir = badDir();
    TreeSet<String> onDisk = new TreeSet<>();
    try (Stream<Path> list = Files.list(dir)) {
      list.map(p -> p.getFileName().toString())
          .filter(n -> !n.equals("expected.tsv") && !n.startsWith("."))
          .forEach(onDisk::add);
    }
    assertEquals(onDisk, new TreeSet<>(table().keySet()));
    TreeSet<String> filesInTable = new TreeSet<>();
    table().values().forEach(l -> l.forEach(e -> filesInTable.add(e.file())));
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .filter(n -> n.endsWith(".yaml"))
          .forEach(n -> assertTrue(filesInTable.contains(n), () -> n + " has no row in expected.tsv"));
    }
  }

  /** The non-UTF-8 case must stay binary: guard against an editor or a checkout re-encoding it. */
  @Test
  void notUtf8FileHoldsALatin1Byte() throws Exception {
    byte[] bytes = Files.readAllBytes(badDir().resolve("not-utf8.yaml"));
    assertEquals("virt: web01\nvirt_type: kvm\ndesc: caf\u00e9\n", new String(bytes, StandardCharsets.ISO_8859_1));
  }
}
