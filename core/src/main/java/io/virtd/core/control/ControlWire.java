package io.virtd.core.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/** The one JSON mapper of the control socket's messages. */
final class ControlWire {
  static final ObjectMapper JSON = new ObjectMapper();

  private ControlWire() {}

  static String write(Object message) {
    try {
      return JSON.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      // records of strings, numbers and lists always serialize
      throw new UncheckedIOException(e);
    }
  }
}
