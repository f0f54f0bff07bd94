package io.virtd.core.program;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped logback.xml configures without a warning: logback prints every status message to
 * stdout once one is a warning, which would corrupt {@code virtctl --json} and {@code --version}.
 */
class LoggingConfigurationTest {
  @Test
  void theShippedConfigurationLoadsWithoutAWarning() throws Exception {
    URL config = SafeMessageConverter.class.getClassLoader().getResource("logback.xml");
    assertNotNull(config, "logback.xml is on the class path");
    LoggerContext ctx = new LoggerContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(ctx);
    joran.doConfigure(config);
    List<String> warnings =
        ctx.getStatusManager().getCopyOfStatusList().stream()
            .filter(s -> s.getLevel() >= Status.WARN)
            .map(Status::getMessage)
            .toList();
    assertEquals(List.of(), warnings);
    ctx.stop();
  }
}
