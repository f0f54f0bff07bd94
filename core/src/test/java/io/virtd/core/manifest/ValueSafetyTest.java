package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static io.virtd.core.manifest.Manifests.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inputs the loader accepted against the contract or reported badly: a cloud-init document that is
 * a list, a file named twice, a key that is a list or a map.
 */
class ValueSafetyTest {
  @TempDir Path dir;

  // ---- cloud-init documents: maps or strings ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "meta_data: [1, 2]|3|12|`meta_data` must be a YAML map or a string, not a list",
        "network_config: 5|3|17|`network_config` must be a YAML map or a string, not",
        "user_data:\\n  - a\\n  - b|4|3|`user_data` must be a YAML map or a string, not a list"
      })
  void aCloudInitDocumentIsAMapOrAString(String line, int row, int col, String message)
      throws Exception {
    String text = "virt: web01\nvirt_type: kvm\n" + line.replace("\\n", "\n") + "\n";
    assertError(onlyProblem(load(dir, text)), row, col, message);
  }

  @Test
  void cloudInitMapsAndStringsStayValid() throws Exception {
    DesiredState s =
        load(
            dir,
            "virt: web01\nvirt_type: kvm\nmeta_data: {instance-id: web01}\n"
                + "user_data: \"#cloud-config\\npackages: [nginx]\\n\"\n");
    assertEquals(List.of(), s.problems());
  }

  // ---- the same file named twice ----

  @Test
  void aFileNamedTwiceIsReadOnce() throws Exception {
    Path a = write(dir, "t/a.yaml", "virt: web01\nvirt_type: kvm\n");
    Path link = dir.resolve("link.yaml");
    Files.createSymbolicLink(link, a);
    DesiredState s =
        new ManifestLoader(ManifestLoader.Permissions.REFUSE)
            .load(dir.resolve("t"), a, dir.resolve("t/../t/a.yaml"), link);
    assertEquals(List.of(), s.problems());
    assertEquals(Set.of("web01"), s.resources().keySet());
  }

  @Test
  void twoFilesDeclaringOneNameAreStillBothErrors() throws Exception {
    Path a = write(dir, "a.yaml", "virt: web01\nvirt_type: kvm\n");
    Path b = write(dir, "b.yaml", "virt: web01\nvirt_type: kvm\n");
    DesiredState s = new ManifestLoader(ManifestLoader.Permissions.REFUSE).load(a, b, a);
    assertEquals(2, s.problems().size(), s.problems()::toString);
    assertTrue(s.problems().get(0).message().contains("also at " + b + ":1:1"));
  }

  // ---- a key that is not a string ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"[1,2]: x|a list", "{a: 1}: x|a map"})
  void aKeyThatIsAListOrMapIsAPlainError(String line, String what) throws Exception {
    Problem p = onlyProblem(load(dir, "virt: web01\nvirt_type: kvm\n" + line + "\n"));
    assertTrue(p.isError());
    assertFalse(p.message().contains("org.yaml"), p::toString);
    assertFalse(p.message().contains("Event"), p::toString);
    assertTrue(
        p.message().endsWith("keys must be plain words such as `memory`, not " + what),
        p::toString);
    assertEquals(3, p.pos().line(), p::toString);
  }
}
