package io.virtd.core.spi;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * How a driver observes a secret it can write but never read back (an OpenVZ {@code --userpasswd}):
 * a salted PBKDF2 hash of the value it last wrote, kept beside its ownership mark. The planner
 * compares a desired secret with it through {@link #matches}, so a changed password is detected
 * without the password being stored. Its {@link #toString} shows nothing of the hash.
 */
public record SecretDigest(int iterations, String salt, String hash) {
  private static final String SCHEME = "pbkdf2-sha256";
  private static final int ITERATIONS = 100_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A digest of {@code secret} under a fresh random salt. */
  public static SecretDigest of(String secret) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    String s = Base64.getUrlEncoder().withoutPadding().encodeToString(salt);
    return new SecretDigest(ITERATIONS, s, derive(secret, s, ITERATIONS));
  }

  /** Whether {@code desired} is the secret this digest was made from. */
  public boolean matches(Object desired) {
    if (!(desired instanceof String s)) {
      return false;
    }
    return MessageDigest.isEqual(
        hash.getBytes(StandardCharsets.US_ASCII),
        derive(s, salt, iterations).getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * {@code pbkdf2-sha256$ITERATIONS$SALT$HASH}: no blanks, no {@code =}, safe in a config comment.
   */
  public String encoded() {
    return SCHEME + "$" + iterations + "$" + salt + "$" + hash;
  }

  public static Optional<SecretDigest> parse(String encoded) {
    String[] p = encoded.split("\\$", -1);
    if (p.length != 4
        || !SCHEME.equals(p[0])
        || !p[1].matches("[0-9]{1,7}")
        || p[2].isEmpty()
        || p[3].isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new SecretDigest(Integer.parseInt(p[1]), p[2], p[3]));
  }

  private static String derive(String secret, String salt, int iterations) {
    try {
      PBEKeySpec spec =
          new PBEKeySpec(
              secret.toCharArray(), salt.getBytes(StandardCharsets.US_ASCII), iterations, 256);
      byte[] key =
          SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      spec.clearPassword();
      return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "(sensitive)";
  }
}
