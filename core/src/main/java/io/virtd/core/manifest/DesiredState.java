package io.virtd.core.manifest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every valid resource read from the manifests, by name, with the problems found on the way. A
 * resource named in a problem (duplicate name, bad value) is not part of {@link #resources()}.
 */
public record DesiredState(Map<String, VmSpec> resources, List<Problem> problems) {
  public DesiredState {
    resources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resources));
    problems = List.copyOf(problems);
  }

  public boolean hasErrors() {
    return problems.stream().anyMatch(Problem::isError);
  }

  public List<Problem> errors() {
    return problems.stream().filter(Problem::isError).toList();
  }

  public List<Problem> warnings() {
    return problems.stream().filter(p -> !p.isError()).toList();
  }

  public Optional<VmSpec> get(String name) {
    return Optional.ofNullable(resources.get(name));
  }
}
