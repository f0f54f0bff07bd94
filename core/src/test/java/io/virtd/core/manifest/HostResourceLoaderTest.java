package io.virtd.core.manifest;

import static io.virtd.core.manifest.Manifests.assertError;
import static io.virtd.core.manifest.Manifests.load;
import static io.virtd.core.manifest.Manifests.onlyProblem;
import static io.virtd.core.manifest.Manifests.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code network:} and {@code pool:} documents loaded beside guests: each type in its own map of
 * the desired state, names unique per type, the guests' map unchanged.
 */
class HostResourceLoaderTest {
  @TempDir Path dir;

  @Test
  void networksPoolsAndGuestsLoadIntoTheirOwnMaps() throws Exception {
    DesiredState s =
        load(
            dir,
            """
            network: backend
            ip: 192.168.50.1/24
            ---
            pool: fast
            type: dir
            path: /srv/fast
            ---
            virt: web01
            virt_type: kvm
            interfaces: backend
            """);
    assertEquals(List.of(), s.problems());
    assertEquals(List.of("web01"), List.copyOf(s.resources().keySet()));
    assertEquals(List.of("backend"), List.copyOf(s.networks().keySet()));
    assertEquals(List.of("fast"), List.copyOf(s.pools().keySet()));
    assertEquals(
        List.of("network/backend", "pool/fast"),
        s.hostResources().stream().map(HostSpec::address).toList());
  }

  @Test
  void aNetworkAGuestAndAPoolMayShareOneName() throws Exception {
    DesiredState s =
        load(
            dir,
            """
            network: db
            ---
            pool: db
            type: zfs
            ---
            virt: db
            virt_type: kvm
            """);
    assertEquals(List.of(), s.problems());
    assertTrue(s.networks().containsKey("db"));
    assertTrue(s.pools().containsKey("db"));
    assertTrue(s.resources().containsKey("db"));
  }

  @Test
  void aNetworkDeclaredTwiceIsAnErrorAtEachAndDeclaresNothing() throws Exception {
    write(dir, "a.yaml", "network: backend\n");
    write(dir, "b.yaml", "\nnetwork: backend\n");
    DesiredState s = new ManifestLoader().load(dir);
    assertEquals(2, s.errors().size(), s.problems().toString());
    assertError(s.errors().get(0), 1, 1, "network `backend` is declared 2 times");
    assertError(s.errors().get(1), 2, 1, "network `backend` is declared 2 times");
    assertTrue(s.networks().isEmpty());
  }

  @Test
  void anInvalidPoolIsAnErrorAtItsKeyAndLeavesTheOthers() throws Exception {
    DesiredState s =
        load(
            dir,
            """
            pool: fast
            type: dir
            pth: /srv/fast
            ---
            network: backend
            """);
    assertError(onlyProblemOrFirst(s), 3, 1, "unknown key `pth`; did you mean `path`?");
    assertTrue(s.pools().isEmpty());
    assertEquals(List.of("backend"), List.copyOf(s.networks().keySet()));
  }

  private static Problem onlyProblemOrFirst(DesiredState s) {
    return s.errors().isEmpty() ? onlyProblem(s) : s.errors().get(0);
  }

  @Test
  void aMisspeltTypeKeySuggestsTheType() throws Exception {
    assertError(
        onlyProblem(load(dir, "netwrok: backend\n")),
        1,
        1,
        "a resource must start with `virt: NAME`, not `netwrok`; did you mean `network`?");
    assertError(
        onlyProblem(load(dir, "Pool: fast\ntype: dir\n")),
        1,
        1,
        "not `Pool`; did you mean `pool`?");
  }
}
