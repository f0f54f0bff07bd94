package io.virtd.core.spi;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * How a driver observes a document it writes somewhere it cannot cheaply read back (a cloud-init
 * seed on an ISO image): a salted SHA-256 of the document as the manifest gave it, kept beside the
 * driver's ownership mark. The planner compares a desired document with it through {@link
 * #matches}, so an edited {@code user_data} shows as a change while the document itself is stored
 * nowhere but in the seed. The salt keeps equal documents of two guests from having equal digests.
 *
 * <p>The digest covers the parsed value (a map keeps its key order), so re-indenting a manifest
 * changes nothing, while reordering keys changes the seed the guest sees and is reported.
 */
public record DocumentDigest(String salt, String hash) {
  private static final String SCHEME = "sha256";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A digest of {@code document} (a map, list or string) under a fresh random salt. */
  public static DocumentDigest of(Object document) {
    byte[] salt = new byte[12];
    RANDOM.nextBytes(salt);
    String s = Base64.getUrlEncoder().withoutPadding().encodeToString(salt);
    return new DocumentDigest(s, derive(document, s));
  }

  /** Whether {@code desired} is the document this digest was made from. */
  public boolean matches(Object desired) {
    if (desired == null) {
      return false;
    }
    return MessageDigest.isEqual(
        hash.getBytes(StandardCharsets.US_ASCII),
        derive(desired, salt).getBytes(StandardCharsets.US_ASCII));
  }

  /** {@code sha256$SALT$HASH}: no blanks, safe in an XML attribute. */
  public String encoded() {
    return SCHEME + "$" + salt + "$" + hash;
  }

  public static Optional<DocumentDigest> parse(String encoded) {
    if (encoded == null) {
      return Optional.empty();
    }
    String[] p = encoded.split("\\$", -1);
    if (p.length != 3 || !SCHEME.equals(p[0]) || p[1].isEmpty() || p[2].isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new DocumentDigest(p[1], p[2]));
  }

  private static String derive(Object document, String salt) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(salt.getBytes(StandardCharsets.US_ASCII));
      md.update((byte) 0);
      md.update(JSON.writeValueAsBytes(document));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a plain document: " + e.getOriginalMessage(), e);
    }
  }

  /** What a plan shows as the value the guest was built with: never the document. */
  @JsonValue
  @Override
  public String toString() {
    return "(as last written)";
  }
}
