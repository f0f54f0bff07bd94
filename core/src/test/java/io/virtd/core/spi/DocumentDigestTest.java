package io.virtd.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DocumentDigestTest {
  static final Map<String, Object> DOC =
      Map.of("packages", List.of("nginx"), "chpasswd", Map.of("expire", false));

  @Test
  void matchesTheSameDocumentOnlyAndRoundTripsThroughItsEncoding() {
    DocumentDigest d = DocumentDigest.of(DOC);
    DocumentDigest back = DocumentDigest.parse(d.encoded()).orElseThrow();
    assertEquals(d, back);
    assertTrue(back.matches(Map.copyOf(DOC)));
    assertFalse(back.matches(Map.of("packages", List.of("curl"))));
    assertFalse(back.matches("#cloud-config\npackages: [nginx]\n"));
    assertFalse(back.matches(null));
    assertTrue(DocumentDigest.of("#cloud-config\n").matches("#cloud-config\n"));
  }

  @Test
  void aLongAndAnIntegerAreTheSameNumber() {
    assertTrue(DocumentDigest.of(Map.of("n", 1L)).matches(Map.of("n", 1)));
  }

  @Test
  void keyOrderIsPartOfTheDocument() {
    Map<String, Object> ab = new LinkedHashMap<>();
    ab.put("a", 1);
    ab.put("b", 2);
    Map<String, Object> ba = new LinkedHashMap<>();
    ba.put("b", 2);
    ba.put("a", 1);
    assertFalse(DocumentDigest.of(ab).matches(ba));
  }

  @Test
  void saltedSoEqualDocumentsGiveDifferentDigestsAndTheTextShowsNothing() {
    assertNotEquals(DocumentDigest.of(DOC).hash(), DocumentDigest.of(DOC).hash());
    assertEquals("(as last written)", DocumentDigest.of(DOC).toString());
    assertEquals(Optional.empty(), DocumentDigest.parse("pbkdf2-sha256$1$a$b"));
    assertEquals(Optional.empty(), DocumentDigest.parse("sha256$$x"));
  }
}
