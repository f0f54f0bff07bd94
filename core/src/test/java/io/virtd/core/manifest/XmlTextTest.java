package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * String values end up in libvirt's domain XML (a description, a path, a kernel command line): a
 * character XML 1.0 cannot carry is an error at FILE:LINE:COL from {@code validate}, not a libvirt
 * parse error at apply.
 */
class XmlTextTest {
  @TempDir Path dir;

  // ---- characters XML 1.0 cannot carry ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "desc: \"bad \\x01 char\"|3|7|`desc` must not contain the control character U+0001 (character 5)",
        "desc: \"\\e[31mred\"|3|7|U+001B (character 1)",
        "desc: \"x\\x7f\\x08\"|3|7|U+0008 (character 3)",
        "boot_location: /boot\\nboot_options: \"console=ttyS0\\x0c\"|4|15|`boot_options` must not contain the control character U+000C",
        "virt_path: \"/var/lib/a\\x02.img\"|3|12|`virt_path` must not contain the control character U+0002",
        "desc: \"\\uFFFE\"|3|7|U+FFFE"
      })
  void controlCharactersThatXmlCannotCarryAreErrorsAtTheValue(
      String line, int row, int col, String message) throws Exception {
    String text = "virt: web01\nvirt_type: kvm\n" + line.replace("\\n", "\n") + "\n";
    DesiredState s = load(dir, text);
    Problem p = onlyProblem(s);
    assertError(p, row, col, message);
    assertTrue(p.message().endsWith("libvirt's XML cannot carry it"), p::toString);
    assertTrue(s.resources().isEmpty());
  }

  @Test
  void aSecretWithAControlCharacterIsRefusedWithoutShowingIt() throws Exception {
    Problem p =
        onlyProblem(load(dir, "virt: web01\nvirt_type: kvm\nvnc_password: \"ab\\x01cdefg\"\n"));
    assertError(p, 3, 15, "`vnc_password` must not contain the control character U+0001");
    assertTrue(p.message().contains("(value not shown)"), p::toString);
    assertFalse(p.message().contains("cdefg"), p::toString);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "desc: \"tab\\tand\\nnewline and \\r\"",
        "desc: \"caf\u00e9 \\U0001F600 \u4e2d\"",
        "desc: \"\\x7f is DEL, XML 1.0 takes it\""
      })
  void tabsNewlinesAndEveryPrintableCharacterStayValid(String line) throws Exception {
    DesiredState s = load(dir, "virt: web01\nvirt_type: kvm\n" + line + "\n");
    assertEquals(List.of(), s.problems());
    assertEquals(Set.of("web01"), s.resources().keySet());
  }
}
