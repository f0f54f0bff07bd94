package io.virtd.core.control;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One driver target in the status answer: {@code driver} its kind, {@code target} its URI, {@code
 * up} or down {@code since} (an ISO-8601 instant, to the second), and the {@code error} that took
 * it down (null while up).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DriverState(String driver, String target, boolean up, String since, String error) {}
