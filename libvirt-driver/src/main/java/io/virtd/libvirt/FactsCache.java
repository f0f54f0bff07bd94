package io.virtd.libvirt;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Domain XML already parsed, by its exact text. Observe still asks libvirt every time (nothing read
 * is ever stale); only the parse of a document identical to one seen in the last two generations is
 * skipped, which is most of them in a periodic pass over guests that have not changed. A generation
 * ends at every full listing, or when it holds {@value #GENERATION} documents, so guests that are
 * gone drop out.
 */
final class FactsCache {
  static final int GENERATION = 4096;

  private volatile Map<String, DomainReader.Facts> current = new ConcurrentHashMap<>();
  private volatile Map<String, DomainReader.Facts> previous = Map.of();

  DomainReader.Facts read(String xml) {
    DomainReader.Facts f = current.get(xml);
    if (f != null) {
      return f;
    }
    f = previous.get(xml);
    if (f == null) {
      f = DomainReader.read(xml);
    }
    if (current.size() >= GENERATION) {
      nextGeneration();
    }
    current.put(xml, f);
    return f;
  }

  synchronized void nextGeneration() {
    previous = current;
    current = new ConcurrentHashMap<>();
  }

  int size() {
    return current.size() + previous.size();
  }
}
