package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A document that is not XML is an error the caller reports, never a {@code [Fatal Error] :1:1:}
 * line the JDK's parser prints on standard error by itself (virtctl's and the daemon's output).
 */
class QuietXmlParsingTest {
  @Test
  void aBrokenDocumentIsAnExceptionAndNothingIsPrinted() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    DomainWriter.Unsupported e;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      e = assertThrows(DomainWriter.Unsupported.class, () -> Dom.parse("not xml at all\n"));
      assertThrows(DomainWriter.Unsupported.class, () -> Dom.parse("<domain><a></domain>"));
    } finally {
      System.setErr(saved);
    }
    assertTrue(e.getMessage().startsWith("not a well-formed domain XML document"), e.getMessage());
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }
}
