package io.virtd.core.control;

/**
 * Where a fleet daemon reads its desired state from, in the status answer: {@code etcd:HOST}, up or
 * down since when, and the last error while down. Absent in directory mode.
 */
public record StoreState(String name, boolean up, String since, String error) {}
