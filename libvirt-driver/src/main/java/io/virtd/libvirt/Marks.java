package io.virtd.libvirt;

/**
 * The ownership mark virtd keeps in a domain's {@code <metadata>}: one element in its own
 * namespace, beside whatever other tools keep there. Besides the {@link
 * io.virtd.core.spi.OwnershipMark}, it records the create-time values libvirt's XML cannot express
 * ({@code os_variant}; the {@code os_type} family, since a full-virt guest's XML says only {@code
 * hvm}) and the NIC model asked for, so a guest without a NIC still reports it.
 */
public final class Marks {
  public static final String NAMESPACE = "https://virtd.io/xmlns/mark/1";
  public static final String PREFIX = "virtd";
  public static final String ELEMENT = "mark";

  static final String OWNER = "owner";
  static final String ORIGIN = "origin";
  static final String MANIFEST = "manifest";
  static final String HASH = "hash";
  static final String OS_VARIANT = "os_variant";
  static final String OS_TYPE = "os_type";
  static final String NETWORK_MODEL = "network_model";
  /** Salted digests of the cloud-init documents the seed was written from ({@link CloudInitSeed}). */
  static final String USER_DATA = "user_data";
  static final String META_DATA = "meta_data";
  static final String NETWORK_CONFIG = "network_config";

  private Marks() {}

  /**
   * The informational hash of a resource's desired state, secrets left out. One definition for the
   * whole project: {@link io.virtd.core.spi.OwnershipMark#hash}.
   */
  public static String hash(io.virtd.core.manifest.VmSpec spec) {
    return io.virtd.core.spi.OwnershipMark.hash(spec);
  }
}
