package io.virtd.core.program;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class SafeMessageConverterTest {
  @Test
  void escapesBidiOverridesAndLineBreaksInAMessageShowAsQuestionMarks() {
    LoggerContext ctx = new LoggerContext();
    LoggingEvent e =
        new LoggingEvent(
            "x",
            ctx.getLogger("t"),
            Level.WARN,
            "resource={} error: {}",
            null,
            new Object[] {"web01", "bad \u001b[2Jvalue \u202eevil\nforged line"});
    assertEquals(
        "resource=web01 error: bad ?[2Jvalue ?evil?forged line",
        new SafeMessageConverter().convert(e));
  }
}
