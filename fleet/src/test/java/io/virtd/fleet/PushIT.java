package io.virtd.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.Client;
import io.virtd.core.config.Config;
import io.virtd.fleet.testing.EtcdCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push of many files against a real etcd: one transaction, so etcd's own limits on one request
 * decide how many files one host can be given at once.
 */
class PushIT {
  final FleetKeys keys = new FleetKeys("/push-it");

  @TempDir Path dir;

  private Push.Manifests files(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      Files.writeString(
          dir.resolve("g" + i + ".yaml"),
          "virt: g%04d\nvirt_type: qemu\nmemory: 64\nensure: installed\n".formatted(i));
    }
    Push.Manifests m = Push.read(List.of(dir));
    assertTrue(m.ok(), m.problems().toString());
    return m;
  }

  private static Client client(EtcdCluster etcd) throws Exception {
    return EtcdClients.open(
        new Config.Store(
            etcd.endpoints(), "/push-it", Optional.empty(), Optional.empty(), Optional.empty()));
  }

  @Test
  void morePathsThanEtcdTakesInOneTransactionSayWhichLimitAndWriteNothing() throws Exception {
    assumeTrue(EtcdCluster.available(), "etcd is not installed (scripts/install-deps)");
    Push.Manifests m = files(200);
    try (EtcdCluster etcd = EtcdCluster.start(1);
        Client client = client(etcd)) {
      Push.Diff diff = Push.diff(Push.current(client, keys, "h1"), m.byPath());
      var e = assertThrows(Push.TooLarge.class, () -> Push.commit(client, keys, "h1", diff));
      assertTrue(e.getMessage().contains("transaction of 200 operation(s)"), e.getMessage());
      assertTrue(e.getMessage().contains("--max-txn-ops"), e.getMessage());
      assertEquals(0, Push.current(client, keys, "h1").size(), "nothing written");
    }
  }

  @Test
  void withEtcdsLimitRaisedAThousandFilesAreOneRevision() throws Exception {
    assumeTrue(EtcdCluster.available(), "etcd is not installed (scripts/install-deps)");
    Push.Manifests m = files(1000);
    try (EtcdCluster etcd = EtcdCluster.start(1, List.of("--max-txn-ops", "10000"));
        Client client = client(etcd)) {
      long before = etcd.revision();
      Push.Diff diff = Push.diff(Push.current(client, keys, "h1"), m.byPath());
      long revision = Push.commit(client, keys, "h1", diff);
      assertEquals(before + 1, revision);
      assertEquals(m.byPath(), Push.current(client, keys, "h1"));
    }
  }
}
