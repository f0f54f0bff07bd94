package io.virtd.core.control;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a managed guest compares with its manifest, as its last reconcile found it. */
public enum Comparison {
  @JsonProperty("as_desired")
  AS_DESIRED("as desired"),
  @JsonProperty("differs")
  DIFFERS("differs"),
  /** It could not be read or planned, or its driver is down now. */
  @JsonProperty("unknown")
  UNKNOWN("unknown");

  private final String text;

  Comparison(String text) {
    this.text = text;
  }

  /**
   * The comparison of a daemon older than this field, from the value its {@code observed} had then:
   * exactly {@code as desired} or {@code differs}, anything else unknown.
   */
  static Comparison ofOlderDaemon(String observed) {
    if (AS_DESIRED.text.equals(observed)) {
      return AS_DESIRED;
    }
    return DIFFERS.text.equals(observed) ? DIFFERS : UNKNOWN;
  }

  /** As {@code virtctl status} prints it. */
  public String text() {
    return text;
  }
}
