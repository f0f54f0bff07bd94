package io.virtd.openvz;

import io.virtd.core.manifest.Field;
import io.virtd.core.manifest.VmSpec;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Which CTID a resource gets: its {@code id} when the manifest sets one, otherwise {@code 1000 +
 * (CRC32(UTF-8 bytes of the name) mod 2,000,000,000)} — stable across hosts, JVMs and releases,
 * always above the CTIDs vzctl reserves (0–100) and people usually pick by hand (101–999), and
 * below vzctl's maximum (2,147,483,644). Two names can share a derived CTID; the driver finds that
 * out from the {@code NAME} in the existing {@code CTID.conf} and refuses to create, asking for an
 * explicit {@code id}.
 */
public final class Ctids {
  public static final long DERIVED_BASE = 1000;
  public static final long DERIVED_RANGE = 2_000_000_000L;

  private Ctids() {}

  public static long of(VmSpec spec) {
    return spec.get(Field.ID)
        .map(v -> ((Number) v).longValue())
        .orElseGet(() -> derive(spec.name()));
  }

  public static long derive(String name) {
    CRC32 crc = new CRC32();
    crc.update(name.getBytes(StandardCharsets.UTF_8));
    return DERIVED_BASE + crc.getValue() % DERIVED_RANGE;
  }
}
