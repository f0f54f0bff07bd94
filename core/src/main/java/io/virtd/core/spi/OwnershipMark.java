package io.virtd.core.spi;

/**
 * What virtd writes on every guest it manages (libvirt {@code <metadata>}, an OpenVZ config
 * comment): who owns it, whether virtd created or adopted it, from which manifest, and an
 * informational hash of the desired state without secrets. Decisions never use the hash.
 */
public record OwnershipMark(String owner, Origin origin, String manifest, String hash) {
  public enum Origin {
    CREATED,
    ADOPTED;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Origin fromKey(String s) {
      return "created".equals(s) ? CREATED : ADOPTED;
    }
  }

  public OwnershipMark {
    java.util.Objects.requireNonNull(owner);
    java.util.Objects.requireNonNull(origin);
    manifest = manifest == null ? "" : manifest;
    hash = hash == null ? "" : hash;
  }
}
