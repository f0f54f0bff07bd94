package io.virtd.daemon.http;

import io.virtd.core.config.SecretFile;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The token every POST must carry ({@code Authorization: Bearer TOKEN}), read from the
 * configuration's {@code token_file}. Compared in constant time: both sides are hashed first, so
 * not even the token's length shows in the time an answer takes.
 */
public final class BearerToken {
  private final byte[] digest;

  private BearerToken(byte[] digest) {
    this.digest = digest;
  }

  /**
   * Reads the token; a problem (at {@code token_file} in the configuration) when unsafe or empty.
   */
  static BearerToken read(Path file, Path config, Pos at) throws Refused {
    try {
      if (Files.exists(file)) {
        Optional<String> refused = SecretFile.refusal(file);
        if (refused.isPresent()) {
          throw new Refused(Problem.error(config, at, "`http.token_file`: " + refused.get()));
        }
      }
      String token = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (token.isEmpty()) {
        throw new Refused(
            Problem.error(config, at, "`http.token_file`: " + file + " holds no token"));
      }
      return new BearerToken(sha256(token));
    } catch (IOException e) {
      throw new Refused(
          Problem.error(
              config, at, "`http.token_file`: cannot read " + file + ": " + e.getMessage()));
    }
  }

  /** Whether an {@code Authorization} header's value carries this token. */
  boolean accepts(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(digest, sha256(authorization.substring(7).strip()));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The endpoint cannot start as configured. */
  public static final class Refused extends Exception {
    public final transient Problem problem;

    Refused(Problem problem) {
      super(problem.toString());
      this.problem = problem;
    }
  }
}
