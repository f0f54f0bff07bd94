package io.virtd.core.program;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.virtd.core.manifest.SafeText;

/**
 * {@code %safemsg} in the log pattern ({@link LogSetup}): the log message with terminal escapes,
 * bidi overrides and zero-width characters shown as {@code ?} ({@link SafeText}), so that text from
 * a manifest or a libvirt error can neither steer the terminal reading the journal nor split one
 * log line in two.
 */
public final class SafeMessageConverter extends ClassicConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return SafeText.of(event.getFormattedMessage());
  }
}
