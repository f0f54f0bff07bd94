package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reader says which documents it found an error in, so the loader never has to work it out from
 * where the errors are or what they say.
 */
class YamlReaderTest {
  private static final Path FILE = Path.of("/etc/virtd/manifests/t.yaml");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "three clean documents|virt: a\\n---\\nvirt: b\\n---\\nvirt: c\\n|3|",
        "a duplicate key in the second|virt: a\\n---\\nvirt: b\\nx: 1\\nx: 2\\n---\\nvirt: c\\n|3|1",
        "a nested duplicate in the first|virt: a\\nu:\\n  k: 1\\n  k: 2\\n---\\nvirt: b\\n|2|0",
        "a tag in the third|virt: a\\n---\\nvirt: b\\n---\\nvirt: !!str c\\n|3|2",
        "a merge key in the first|virt: a\\n<<: {x: 1}\\n---\\nvirt: b\\n|2|0",
        "errors in two documents|virt: a\\nx: 1\\nx: 1\\n---\\nvirt: !t b\\n|2|0 1",
        // reading stopped in the third: the second, the last one read, is not trusted either
        "a syntax error in the third|virt: a\\n---\\nvirt: b\\n---\\nvirt: [c\\n|2|1",
        "an alias in the second|virt: &n a\\n---\\nvirt: b\\nx: *n\\n|1|0",
        "a syntax error in the only one|virt: [a\\n|0|",
      })
  void theDocumentsWithAnErrorAreTheSpoiledOnes(
      String what, String text, int documents, String spoiled) {
    YamlReader.Result r =
        new YamlReader().read(FILE, text.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8));
    assertEquals(documents, r.documents().size(), r.problems()::toString);
    Set<Integer> expected =
        spoiled == null
            ? Set.of()
            : Set.copyOf(
                java.util.Arrays.stream(spoiled.split(" ")).map(Integer::valueOf).toList());
    assertEquals(expected, r.spoiled(), r.problems()::toString);
    for (int i = 0; i < documents; i++) {
      assertEquals(expected.contains(i), r.isSpoiled(i));
    }
  }
}
