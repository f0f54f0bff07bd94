package io.virtd.core.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.plan.PlanJson;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Manifest text echoed to a terminal or a log: terminal escapes, bidi overrides and zero-width
 * characters are shown as {@code ?}, in keys and values alike.
 */
class SafeTextTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\u001b[2J",
        "\u009b2J",
        "\u007f",
        "\u202e",
        "\u202d",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u2028",
        "\u2029",
        "\n",
        "\r",
        "\t",
        "\u0000"
      })
  void everyInvisibleOrSteeringCharacterBecomesAQuestionMark(String c) {
    String shown = SafeText.of("a" + c + "b");
    assertTrue(shown.startsWith("a?") && shown.endsWith("b"), shown);
    assertTrue(shown.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f), shown);
  }

  @Test
  void visibleTextIsKeptAsItIs() {
    for (String s : List.of("web01", "Grüße, 世界 😀", "a <b> & 'c'", "mémoire")) {
      assertEquals(s, SafeText.of(s));
    }
  }

  @Test
  void problemsFromValuesKeysAndNamesShowNoEscapeOrBidiCharacter() throws Exception {
    Path f =
        Manifests.write(
            dir,
            "m.yaml",
            "virt: web01\nvirt_type: kvm\nensure: \"\\e[2Jrunning\"\n"
                + "os_variant: \"deb\\u202eian\"\non_crash: \"\\u200brestart\"\n"
                + "\"me\\u202emory\": 1\n---\nvirt: \"w\\u202eeb\"\nvirt_type: kvm\n");
    DesiredState s = new ManifestLoader().load(f);
    assertEquals(5, s.errors().size(), s.errors()::toString);
    for (Problem p : s.problems()) {
      assertTrue(p.toString().codePoints().noneMatch(SafeText::hidden), () -> "raw in: " + p);
    }
    assertTrue(s.errors().get(0).message().contains("not `?[2Jrunning`"), s.errors()::toString);
  }

  @Test
  void planTextShowsADescriptionsBidiOverrideAsAQuestionMark() {
    assertEquals("abc?def", PlanJson.text(Field.DESC, "abc\u202edef"));
    assertEquals("[br0?x]", PlanJson.text(Field.INTERFACES, List.of("br0\u200bx")));
  }

  @Test
  void aFileNameIsShownSafelyToo() {
    Problem p = Problem.error(Path.of("/m/a\u001b[2J.yaml"), Pos.START, "x");
    assertFalse(p.toString().contains("\u001b"), p::toString);
  }
}
