package io.virtd.libvirt;

import io.virtd.core.manifest.XmlFile;
import io.virtd.core.spi.DocumentDigest;
import io.virtd.core.spi.ObservedValue;
import java.util.Optional;

/**
 * The {@code xml_file} a guest virtd created was defined from, as its mark records it: the path,
 * and a digest of the file's text. The manifest's {@code xml_file} matches when it names that path
 * and its text is the one the guest was defined from. A guest created before the digest was
 * recorded, or a file that is gone, is compared by path alone: what it was made from is unknown.
 */
record XmlFileMark(String path, Optional<DocumentDigest> digest) implements ObservedValue {
  @Override
  public boolean matches(Object desired) {
    if (desired instanceof XmlFile x) {
      return x.path().equals(path)
          && (digest.isEmpty() || x.content().isEmpty() || digest.get().matches(x.content().get()));
    }
    return path.equals(String.valueOf(desired));
  }

  /** How a plan shows what the guest was made from. */
  @Override
  public String toString() {
    return digest.isPresent() ? path + " (as it was at creation)" : path;
  }
}
