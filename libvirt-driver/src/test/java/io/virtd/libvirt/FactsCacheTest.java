package io.virtd.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.virtd.core.manifest.Field;
import org.junit.jupiter.api.Test;

/** Parsed definitions are reused only for the very same text. */
class FactsCacheTest {
  static String domain(String uuid, int memoryMiB, String extra) {
    return ("<domain type='kvm'><name>web01</name>%s<memory unit='MiB'>%d</memory>%s"
            + "<devices/></domain>")
        .formatted(uuid == null ? "" : "<uuid>" + uuid + "</uuid>", memoryMiB, extra);
  }

  static final String UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f";

  @Test
  void theSameTextIsParsedOnce() {
    FactsCache cache = new FactsCache();
    DomainReader.Facts first = cache.read(domain(UUID, 512, ""));
    assertSame(first, cache.read(new String(domain(UUID, 512, "")))); // equal, not the same object
  }

  @Test
  void aChangedDocumentOfTheSameLengthIsReadAgain() {
    FactsCache cache = new FactsCache();
    String before = domain(UUID, 512, "");
    String after = domain(UUID, 768, "");
    assertEquals(before.length(), after.length());
    assertEquals(512L * 1024, cache.read(before).fields().get(Field.MEMORY));
    assertEquals(768L * 1024, cache.read(after).fields().get(Field.MEMORY));
    assertEquals(512L * 1024, cache.read(before).fields().get(Field.MEMORY));
  }

  @Test
  void aGuestsPersistentAndRunningDocumentsAreBothKept() {
    FactsCache cache = new FactsCache();
    String persistent = domain(UUID, 512, "");
    String live = domain(UUID, 512, "<description>running</description>");
    DomainReader.Facts p = cache.read(persistent);
    DomainReader.Facts l = cache.read(live);
    assertNotSame(p, l);
    assertSame(p, cache.read(persistent));
    assertSame(l, cache.read(live));
    assertEquals(2, cache.size());
  }

  @Test
  void twoGuestsWithDocumentsOfOneLengthAreTwoEntries() {
    FactsCache cache = new FactsCache();
    String a = domain(UUID, 512, "");
    String b = domain(UUID.replace('6', '7'), 512, "");
    DomainReader.Facts fa = cache.read(a);
    DomainReader.Facts fb = cache.read(b);
    assertSame(fa, cache.read(a));
    assertSame(fb, cache.read(b));
  }

  @Test
  void aDocumentWithoutUuidIsKeyedByItsText() {
    assertEquals("<domain/>", FactsCache.uuid("<domain/>"));
    assertEquals(UUID, FactsCache.uuid(domain(UUID, 1, "")));
    FactsCache cache = new FactsCache();
    DomainReader.Facts f = cache.read(domain(null, 512, ""));
    assertSame(f, cache.read(domain(null, 512, "")));
  }

  @Test
  void aDocumentSeenOnlyTwoGenerationsAgoIsParsedAgain() {
    FactsCache cache = new FactsCache();
    DomainReader.Facts f = cache.read(domain(UUID, 512, ""));
    cache.nextGeneration();
    assertSame(f, cache.read(domain(UUID, 512, ""))); // from the previous generation
    cache.nextGeneration();
    cache.nextGeneration();
    assertEquals(0, cache.size());
    assertNotSame(f, cache.read(domain(UUID, 512, "")));
  }
}
