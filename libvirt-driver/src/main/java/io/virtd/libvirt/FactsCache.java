package io.virtd.libvirt;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Domain XML already parsed, by its exact text. Observe still asks libvirt every time (nothing read
 * is ever stale); only the parse of a document identical to one seen in the last two generations is
 * skipped, which is most of them in a periodic pass over guests that have not changed. A generation
 * ends at every full listing, or when it holds {@value #GENERATION} documents, so guests that are
 * gone drop out.
 *
 * <p>A document is looked up by its domain's {@code <uuid>} and its length, and then compared in
 * full: hashing a thousand documents of several kilobytes each cost a no-op plan more than the
 * comparison does. A guest's persistent and running documents are two entries (their lengths
 * differ); a document that changed to one of the same length replaces the entry.
 */
final class FactsCache {
  static final int GENERATION = 4096;

  private record Key(String uuid, int length) {}

  private record Parsed(String xml, DomainReader.Facts facts) {}

  private volatile Map<Key, Parsed> current = new ConcurrentHashMap<>();
  private volatile Map<Key, Parsed> previous = Map.of();

  DomainReader.Facts read(String xml) {
    Key key = new Key(uuid(xml), xml.length());
    Parsed p = current.get(key);
    if (p != null && p.xml().equals(xml)) {
      return p.facts();
    }
    p = previous.get(key);
    DomainReader.Facts f = p != null && p.xml().equals(xml) ? p.facts() : DomainReader.read(xml);
    if (current.size() >= GENERATION) {
      nextGeneration();
    }
    current.put(key, new Parsed(xml, f));
    return f;
  }

  /** The text of the document's first {@code <uuid>} element, or the whole text without one. */
  static String uuid(String xml) {
    int start = xml.indexOf("<uuid>");
    int end = start < 0 ? -1 : xml.indexOf("</uuid>", start);
    return end < 0 ? xml : xml.substring(start + "<uuid>".length(), end);
  }

  synchronized void nextGeneration() {
    previous = current;
    // sized for the documents of the last generation, most of which this one reads again
    current = new ConcurrentHashMap<>(Math.max(16, previous.size() * 4 / 3 + 1));
  }

  int size() {
    return current.size() + previous.size();
  }
}
