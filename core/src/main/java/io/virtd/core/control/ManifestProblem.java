package io.virtd.core.control;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A problem the daemon found in the manifests: {@code severity} {@code error} or {@code warning},
 * and the {@code problem} as {@code FILE:LINE:COL: message}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ManifestProblem(String severity, String problem) {}
