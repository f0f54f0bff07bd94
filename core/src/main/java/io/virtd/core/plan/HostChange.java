package io.virtd.core.plan;

import io.virtd.core.spi.Mutability;

/**
 * One key of a network or pool changing: {@code key} as the manifest writes it ({@code
 * dhcp.hosts}), values in the manifest's types, {@code before} null when the resource has none.
 */
public record HostChange(String key, Object before, Object after, Mutability mutability) {}
