package io.virtd.core.program;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The logging of virtctl and virtd, set up in code (found by logback through {@code
 * META-INF/services}) rather than read from a {@code logback.xml}: parsing an XML configuration
 * loads some 600 classes, a tenth of virtctl's cold start. virtctl: warnings to stderr (it prints
 * its own output). virtd ({@code bin/virtd} sets {@code virtd.log.target} and {@code
 * virtd.log.level}): one line per event to stdout for journald, with the resource and reconcile id
 * of each line. A {@code logback-test.xml} on the class path, or {@code
 * -Dlogback.configurationFile}, takes precedence.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  static final String PATTERN =
      "%d{HH:mm:ss.SSS} %-5level [%X{resource:-} %X{rid:-}] %logger{0}: %safemsg%n";

  /** etcd's client stack: its debug output dumps every request's bytes; warnings are enough. */
  static final List<String> QUIET = List.of("io.grpc", "io.netty", "io.vertx", "io.etcd");

  @Override
  public ExecutionStatus configure(LoggerContext ctx) {
    if (System.getProperty("logback.configurationFile") != null
        || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    converters(ctx).put("safemsg", SafeMessageConverter::new);
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
    out.setContext(ctx);
    out.setName("OUT");
    out.setTarget(System.getProperty("virtd.log.target", "System.err"));
    out.setEncoder(encoder);
    out.start();
    QUIET.forEach(n -> ctx.getLogger(n).setLevel(Level.WARN));
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getProperty("virtd.log.level"), Level.WARN));
    root.addAppender(out);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Supplier<DynamicConverter<?>>> converters(LoggerContext ctx) {
    Object rules = ctx.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
    if (rules == null) {
      rules = new HashMap<String, Supplier<DynamicConverter<?>>>();
      ctx.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
    }
    return (Map<String, Supplier<DynamicConverter<?>>>) rules;
  }
}
