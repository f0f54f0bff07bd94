package io.virtd.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.config.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet's pure parts: key layout, push diffs, fleet counts, credentials' files. */
class FleetTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void theKeyLayoutIsTheContracts() {
    FleetKeys k = new FleetKeys("/virtd/");
    assertEquals("/virtd/v1/desired/hv01/web/a.yaml", k.desired("hv01", "web/a.yaml"));
    assertEquals("/virtd/v1/hosts/hv01", k.host("hv01"));
    assertEquals("/virtd/v1/status/hv01/web01", k.status("hv01", "web01"));
    assertEquals(Optional.empty(), FleetKeys.under(k.desiredDir("hv0"), k.desired("hv01", "a")));
  }

  @Test
  void aPrefixRangeEndsAtTheNextKey() {
    assertArrayEquals(
        "/virtd/v1/desired/h10".getBytes(StandardCharsets.UTF_8),
        FleetKeys.rangeEnd("/virtd/v1/desired/h1/").getBytes());
  }

  @Test
  void aPushAddsChangesAndDeletesExactlyTheDifference() {
    Push.Diff d =
        Push.diff(
            Map.of("a.yaml", "A", "b.yaml", "B", "old.yaml", "O"),
            Map.of("a.yaml", "A", "b.yaml", "B2", "new.yaml", "N"));
    assertEquals(List.of("+ new.yaml", "~ b.yaml", "- old.yaml"), d.lines());
    assertTrue(Push.diff(Map.of("a", "x"), Map.of("a", "x")).empty());
  }

  @Test
  void pushReadsEveryFileAndRefusesOnAnyError() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/sub"));
    Files.writeString(dir.resolve("src/a.yaml"), "virt: a\nvirt_type: kvm\nmemory: 64\n");
    Files.writeString(src.resolve("b.yaml"), "virt: b\nvirt_type: kvm\nmemory: [\n");
    Push.Manifests m = Push.read(List.of(dir.resolve("src")));
    assertFalse(m.ok());
    assertTrue(m.problems().stream().anyMatch(p -> p.file().endsWith("sub/b.yaml")));
    assertEquals(List.of("a.yaml", "sub/b.yaml"), List.copyOf(m.byPath().keySet()));
  }

  private static ObjectNode guest(String result, boolean held, String error, String... pending) {
    ObjectNode g = JSON.createObjectNode().put("last_result", result).put("held", held);
    g.put("last_error", error);
    var p = g.putArray("restart_pending");
    for (String s : pending) {
      p.add(s);
    }
    return g;
  }

  @Test
  void aGuestCountsAsHeldFailedConvergedOrPending() {
    assertEquals("held", FleetView.category(guest("in sync", true, "boom")));
    assertEquals("failed", FleetView.category(guest("failed", false, "boom")));
    assertEquals("converged", FleetView.category(guest("in sync", false, null)));
    assertEquals("pending", FleetView.category(guest("in sync", false, null, "memory")));
    assertEquals("pending", FleetView.category(guest("waiting", false, null)));
  }

  @Test
  void statusIsComparedWithoutItsTime() {
    ObjectNode a = guest("in sync", false, null).put("at", "2026-01-01T00:00:00Z");
    ObjectNode b = guest("in sync", false, null).put("at", "2026-01-01T00:01:00Z");
    assertEquals(StatusWriter.compared(a), StatusWriter.compared(b));
    assertFalse(
        StatusWriter.compared(a).equals(StatusWriter.compared(guest("failed", false, "x"))));
  }

  @Test
  void aKeyFileOthersMayReadIsRefusedWithoutShowingIt() throws Exception {
    Path key = dir.resolve("client-key.pem");
    Files.writeString(
        key, "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    Config.Store store =
        new Config.Store(
            List.of("https://127.0.0.1:2379"),
            "/virtd",
            Optional.empty(),
            Optional.of(dir.resolve("client.pem")),
            Optional.of(key));
    var e = assertThrows(EtcdClients.Refused.class, () -> EtcdClients.open(store));
    assertTrue(e.getMessage().contains("readable or writable by group or others"), e.getMessage());
    assertFalse(e.getMessage().contains("SECRET"));
  }
}
