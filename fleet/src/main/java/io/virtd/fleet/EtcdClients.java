package io.virtd.fleet;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.virtd.core.config.Config;
import io.virtd.core.config.SecretFile;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;

/** jetcd clients made from the configuration's {@code store.etcd}. */
public final class EtcdClients {
  /** How long one request may take before the store counts as unreachable. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private EtcdClients() {}

  /** The store cannot be used as configured (an unsafe key file, bad TLS material). */
  public static final class Refused extends Exception {
    public Refused(String message) {
      super(message);
    }
  }

  public static Client open(Config.Store store) throws Refused {
    ClientBuilder b =
        Client.builder()
            .endpoints(store.endpoints().toArray(String[]::new))
            .connectTimeout(REQUEST_TIMEOUT)
            .keepaliveTime(Duration.ofSeconds(10))
            .keepaliveTimeout(Duration.ofSeconds(5))
            // every request carries its own deadline; a member down fails fast and the next is
            // tried
            .waitForReady(false)
            .retryMaxDuration(REQUEST_TIMEOUT)
            .retryDelay(200)
            .retryMaxDelay(2000);
    if (store.key().isPresent()) {
      Optional<String> refused = SecretFile.refusal(store.key().get());
      if (refused.isPresent()) {
        throw new Refused("`store.etcd.key`: " + refused.get());
      }
    }
    boolean tls = store.endpoints().stream().anyMatch(e -> e.startsWith("https:"));
    if (tls || store.ca().isPresent() || store.cert().isPresent()) {
      try {
        b.sslContext(
            s -> {
              store.ca().ifPresent(ca -> s.trustManager(ca.toFile()));
              if (store.cert().isPresent()) {
                s.keyManager(store.cert().get().toFile(), store.key().get().toFile());
              }
            });
      } catch (SSLException | IllegalArgumentException e) {
        // the exception names the file, never its contents
        throw new Refused(
            "`store.etcd`: cannot use the TLS files: " + e.getClass().getSimpleName());
      }
    }
    return b.build();
  }

  /**
   * A failure of an etcd call as one line: its type and first line, through the futures' wrappers;
   * never a credential (jetcd's messages carry none).
   */
  public static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.util.concurrent.CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof java.util.concurrent.TimeoutException) {
      return "no answer within " + EtcdClients.REQUEST_TIMEOUT.toSeconds() + " s";
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName()
        + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
  }
}
