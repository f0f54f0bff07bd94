package io.virtd.core.program;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The programs' logging set-up: found by logback, configures without a warning (logback prints
 * every status message to stdout once one is a warning, which would corrupt {@code virtctl --json}
 * and {@code --version}), and writes the documented line.
 */
class LoggingConfigurationTest {
  @Test
  void logbackFindsTheSetUp() {
    assertEquals(
        List.of(LogSetup.class),
        ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type).toList());
  }

  @Test
  void itConfiguresWithoutAWarningAndWritesTheDocumentedLine() {
    LoggerContext ctx = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(ctx);
    assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, setup.configure(ctx));
    List<String> warnings =
        ctx.getStatusManager().getCopyOfStatusList().stream()
            .filter(s -> s.getLevel() >= Status.WARN)
            .map(Status::getMessage)
            .toList();
    assertEquals(List.of(), warnings);

    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    assertEquals(Level.WARN, root.getLevel(), "virtctl: warnings only");
    assertEquals(Level.WARN, ctx.getLogger("io.netty").getLevel());
    var out = (ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent>) root.getAppender("OUT");
    assertEquals("System.err", out.getTarget());
    LoggingEvent e =
        new LoggingEvent(
            "x",
            ctx.getLogger("io.virtd.Reconciler"),
            Level.WARN,
            "bad \u001b[2J {}",
            null,
            new Object[] {"name"});
    e.setTimeStamp(0);
    e.setMDCPropertyMap(Map.of("resource", "virt/web01", "rid", "r7"));
    String line = new String(out.getEncoder().encode(e), StandardCharsets.UTF_8);
    assertTrue(
        line.matches(
            "\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d WARN  \\[virt/web01 r7\\] Reconciler: bad \\?\\[2J name\\R"),
        line);
    ctx.stop();
  }
}
