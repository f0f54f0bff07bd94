package io.virtd.core.manifest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every valid resource read from the manifests, by name, with the problems found on the way. A
 * resource named in a problem (duplicate name, bad value) is not part of {@link #resources()}.
 *
 * @param resources the guests ({@code virt:} documents)
 * @param networks the {@code network:} documents; names are unique among networks
 * @param pools the {@code pool:} documents; names are unique among pools
 */
public record DesiredState(
    Map<String, VmSpec> resources,
    List<Problem> problems,
    Map<String, NetworkSpec> networks,
    Map<String, PoolSpec> pools) {
  public DesiredState {
    resources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resources));
    problems = List.copyOf(problems);
    networks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(networks));
    pools = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pools));
  }

  /** Guests only. */
  public DesiredState(Map<String, VmSpec> resources, List<Problem> problems) {
    this(resources, problems, Map.of(), Map.of());
  }

  /** The networks, then the pools, in manifest order within each. */
  public List<HostSpec> hostResources() {
    List<HostSpec> out = new java.util.ArrayList<>(networks.values());
    out.addAll(pools.values());
    return List.copyOf(out);
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
