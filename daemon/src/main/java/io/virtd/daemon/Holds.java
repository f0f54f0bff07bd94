package io.virtd.daemon;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's holds and the step each guest is in, under one lock, so that a step either began
 * before a hold (and the hold names it) or does not begin. One instance outlives configuration
 * reloads: the reconciler draining the old configuration and the new one share it.
 */
public final class Holds {
  private final Set<String> held = new HashSet<>();
  private final Map<String, String> stepping = new HashMap<>();

  /** Holds the guest; returns the step already under way on it, which finishes. */
  public synchronized Optional<String> hold(String name) {
    held.add(name);
    return Optional.ofNullable(stepping.get(name));
  }

  public synchronized void release(String name) {
    held.remove(name);
  }

  public synchronized boolean isHeld(String name) {
    return held.contains(name);
  }

  /** Whether {@code step} may begin on the guest now; if so, it is the guest's step under way. */
  synchronized boolean mayBegin(String name, String step) {
    if (held.contains(name)) {
      return false;
    }
    stepping.put(name, step);
    return true;
  }

  synchronized void ended(String name) {
    stepping.remove(name);
  }
}
