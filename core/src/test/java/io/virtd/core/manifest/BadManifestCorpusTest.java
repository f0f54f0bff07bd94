package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.io.TempDir;
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
    return Path.of(BadManifestCorpusTest.class.getResource("/bad/expected.tsv").toURI())
        .getParent()
        .toAbsolutePath();
  }

  /** The table, case by case, in file order. */
  static Map<String, List<Expected>> table() throws Exception {
    Map<String, List<Expected>> cases = new LinkedHashMap<>();
    for (String line :
        Files.readAllLines(badDir().resolve("expected.tsv"), StandardCharsets.UTF_8)) {
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
              .filter(
                  p ->
                      p.file().equals(file)
                          && p.pos().equals(new Pos(e.line(), e.col()))
                          && p.message().contains(text))
              .findFirst()
              .orElse(null);
      assertTrue(
          match != null,
          () ->
              "missing "
                  + e.file()
                  + ":"
                  + e.line()
                  + ":"
                  + e.col()
                  + ": "
                  + text
                  + "\ngot:\n"
                  + all);
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
          .forEach(
              n -> assertTrue(filesInTable.contains(n), () -> n + " has no row in expected.tsv"));
    }
  }

  /**
   * No message quotes a secret back, whether the value is of the wrong type or the line does not
   * parse.
   */
  @Test
  void noMessageQuotesASecret() throws Exception {
    for (String name : List.of("secret-wrong-type.yaml", "secret-syntax-error.yaml")) {
      DesiredState s =
          new ManifestLoader(ManifestLoader.Permissions.WARN).load(badDir().resolve(name));
      assertEquals(1, s.errors().size(), name);
      s.problems().forEach(p -> assertFalse(p.toString().contains("S3cr3t"), p::toString));
    }
  }

  /**
   * A 10 MB file, generated here rather than committed: refused by its size before it is parsed, at
   * 1:1, in well under a second.
   */
  @Test
  void aTenMegabyteFileIsRefusedBeforeItIsParsed(@TempDir Path tmp) throws Exception {
    Path big = hugeManifest(tmp.resolve("huge.yaml"));
    long t0 = System.nanoTime();
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.WARN).load(big);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(
        List.of(big + ":1:1: file is 10485760 bytes; the limit is 4194304"),
        s.problems().stream().map(Problem::toString).toList());
    assertEquals(Map.of(), s.resources());
    assertTrue(ms < 2000, "took " + ms + " ms");
  }

  /**
   * Nesting far beyond the corpus's 100 levels (a megabyte of brackets) is refused at the limit,
   * not by a StackOverflowError.
   */
  @Test
  void aMegabyteOfBracketsIsRefusedAtTheNestingLimit(@TempDir Path tmp) throws Exception {
    Path deep = tmp.resolve("deep.yaml");
    Files.writeString(
        deep, "virt: web01\nvirt_type: kvm\nuser_data: " + "[".repeat(1 << 20) + "\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.WARN).load(deep);
    assertEquals(
        List.of(
            deep + ":3:74: maps and lists nested more than 63 deep are not allowed in manifests"),
        s.problems().stream().map(Problem::toString).toList());
  }

  /** A valid resource followed by a `desc` that makes the file exactly 10 MiB. */
  public static Path hugeManifest(Path file) throws Exception {
    int size = 10 * 1024 * 1024;
    String head = "virt: web01\nvirt_type: kvm\ndesc: ";
    byte[] bytes = new byte[size];
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(h, 0, bytes, 0, h.length);
    java.util.Arrays.fill(bytes, h.length, size - 1, (byte) 'x');
    bytes[size - 1] = '\n';
    Files.write(file, bytes);
    return file;
  }

  /** The non-UTF-8 case must stay binary: guard against an editor or a checkout re-encoding it. */
  @Test
  void notUtf8FileHoldsALatin1Byte() throws Exception {
    byte[] bytes = Files.readAllBytes(badDir().resolve("not-utf8.yaml"));
    assertEquals(
        "virt: web01\nvirt_type: kvm\ndesc: caf\u00e9\n",
        new String(bytes, StandardCharsets.ISO_8859_1));
  }
}
