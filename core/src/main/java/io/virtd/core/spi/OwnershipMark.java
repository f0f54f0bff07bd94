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

  /** The mark for {@code spec}: its manifest path and the hash of its values without secrets. */
  public static OwnershipMark forSpec(
      io.virtd.core.manifest.VmSpec spec, String owner, Origin origin) {
    return new OwnershipMark(
        owner, origin, spec.file().toAbsolutePath().normalize().toString(), hash(spec));
  }

  /** The mark for a network or pool: its manifest path and the hash of its declared values. */
  public static OwnershipMark forHost(
      io.virtd.core.manifest.HostSpec spec, String owner, Origin origin) {
    StringBuilder b = new StringBuilder(spec.address()).append('\n');
    spec.managed().forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return new OwnershipMark(
        owner, origin, spec.file().toAbsolutePath().normalize().toString(), sha256(b));
  }

  /** sha256 over a canonical rendering of the manifest's values, secrets left out. */
  public static String hash(io.virtd.core.manifest.VmSpec spec) {
    StringBuilder b = new StringBuilder(spec.name()).append('\n');
    spec.values()
        .forEach(
            (f, v) -> {
              if (!f.secret()) {
                b.append(f.key()).append('=').append(v).append('\n');
              }
            });
    return sha256(b);
  }

  private static String sha256(CharSequence b) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "sha256:" + java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
