package io.virtd.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.Client;
import io.virtd.core.config.Config;
import io.virtd.core.testing.TestPki;
import io.virtd.fleet.testing.EtcdCluster;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member that serves clients over TLS and requires their certificates. */
class EtcdTlsIT {
  @TempDir Path dir;

  @Test
  void aClientCertificateOpensTheStoreAndNoCertificateDoesNot() throws Exception {
    assumeTrue(EtcdCluster.available(), "etcd is not installed (scripts/install-deps)");
    TestPki pki = TestPki.make(dir);
    try (EtcdCluster etcd = EtcdCluster.startTls(pki)) {
      etcd.etcdctl("put", "/virtd/v1/desired/h1/a.yaml", "virt: a\n");
      Config.Store withCert =
          new Config.Store(
              etcd.endpoints(),
              "/virtd",
              Optional.of(pki.ca()),
              Optional.of(pki.clientCert()),
              Optional.of(pki.clientKey()));
      try (Client client = EtcdClients.open(withCert)) {
        assertEquals(
            java.util.Map.of("a.yaml", "virt: a\n"),
            Push.current(client, new FleetKeys("/virtd"), "h1"));
      }
      Config.Store caOnly =
          new Config.Store(
              etcd.endpoints(),
              "/virtd",
              Optional.of(pki.ca()),
              Optional.empty(),
              Optional.empty());
      try (Client client = EtcdClients.open(caOnly)) {
        assertThrows(
            Exception.class,
            () ->
                client
                    .getKVClient()
                    .get(FleetKeys.bytes("/virtd"))
                    .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
            "the member requires a client certificate");
      }
    }
  }
}
