package io.virtd.daemon;

import static io.virtd.daemon.TwoHostFleet.host;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import io.virtd.fleet.FleetAgent;
import io.virtd.fleet.testing.EtcdCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A fleet's life on real processes: a 3-member etcd cluster on loopback, two daemons (hosts h1 and
 * h2) on the real qemu:///system, {@code virtctl push} and {@code virtctl fleet status}. The steps
 * share the cluster and the daemons (starting them is most of the time) and run in order.
 *
 * <p>Fleet mode's face is watched along the way: {@code /api/v1/fleet} on h1 answers what {@code
 * virtctl fleet status --json} prints, and h1's status page, opened once in a real browser, shows
 * both hosts with their guests, another host's failing guest, h2 lost once its daemon is killed and
 * the store down once etcd is gone, all without a reload.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration CONVERGE = Duration.ofSeconds(60);
  final String prefix = TwoHostFleet.prefix("f");
  final String keyPrefix = "/virtd-fleet-it";
  Path dir;
  final HttpClient client = HttpClient.newHttpClient();
  TwoHostFleet fleet;
  EtcdCluster etcd;
  DaemonProcess h1;
  DaemonProcess h2;
  int port;

  /** h1's status page, open from {@link #theApiAndThePageShowEveryHostUpWithItsGuests} on. */
  WebDriver browser;

  @BeforeAll
  void startFleet() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    assumeTrue(EtcdCluster.available(), "etcd is not installed (scripts/install-deps)");
    dir = Files.createTempDirectory("virtd-fleet-it-");
    port = HttpIT.freePort();
    fleet =
        TwoHostFleet.start(
            dir,
            prefix,
            keyPrefix,
            "prune: true\nprune_grace: 1s\nhttp: {listen: \"127.0.0.1:%d\"}".formatted(port),
            "");
    etcd = fleet.etcd;
    h1 = fleet.h1;
    h2 = fleet.h2;
  }

  @AfterAll
  void cleanUp() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (fleet != null) {
      fleet.close();
    }
    if (dir != null) {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private JsonNode fleetStatus() throws Exception {
    return fleet.fleetStatus("--guests");
  }

  private HttpResponse<String> http(String method, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Up, and its host key (renewed every 5 s) counts what its guests' statuses count. */
  private static boolean settled(JsonNode host) {
    return host.path("up").asBoolean()
        && host.path("host_key").path("guests").equals(host.path("guests_by_state"));
  }

  private String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  private void awaitPage(String what, java.util.function.Supplier<Boolean> condition) {
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .withMessage(what)
        .ignoring(org.openqa.selenium.NoSuchElementException.class)
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> condition.get());
  }

  private void awaitRunning(String name) {
    await()
        .atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Virsh.run("domstate", prefix + name).equals("running"));
  }

  private boolean defined(String name) {
    return Virsh.run("list", "--all", "--name")
        .lines()
        .anyMatch(l -> l.strip().equals(prefix + name));
  }

  @Test
  @Order(1)
  void pushedManifestsRunOnTheirHostsAndTheFleetShowsBothConverged() throws Exception {
    fleet.file("h1", "a.yaml", fleet.guest("h1a"));
    fleet.file("h1", "db.yaml", fleet.guest("db", "ensure: stopped\n"));
    fleet.file("h2", "b.yaml", fleet.guest("h2b"));
    var dry = fleet.push("h1", "--dry-run");
    assertEquals(0, dry.exit(), dry.err());
    assertTrue(dry.out().contains("+ a.yaml"), dry.out());
    assertEquals("", etcd.etcdctl("get", "--prefix", keyPrefix + "/v1/desired/").strip());
    var r1 = fleet.push("h1");
    assertEquals(0, r1.exit(), r1.err());
    assertTrue(r1.out().matches("(?s).*revision \\d+\\s*"), r1.out());
    assertEquals(0, fleet.push("h2").exit());
    awaitRunning("h1a");
    awaitRunning("h2b");
    assertFalse(defined("h2a") || defined("h1b"), "each host runs its own guests only");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              JsonNode f = fleetStatus();
              return host(f, "h1").path("up").asBoolean()
                  && host(f, "h2").path("up").asBoolean()
                  && host(f, "h1").path("guests_by_state").path("converged").asInt() == 2
                  && host(f, "h2").path("guests_by_state").path("converged").asInt() == 1;
            });
  }

  @Test
  @Order(2)
  void theApiAndThePageShowEveryHostUpWithItsGuests() throws Exception {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              JsonNode f = fleet.fleetStatus();
              return host(f, "h1").path("guests_by_state").path("converged").asInt() == 2
                  && host(f, "h2").path("guests_by_state").path("converged").asInt() == 1
                  && settled(host(f, "h1"))
                  && settled(host(f, "h2"));
            });

    // the API is virtctl fleet status --json, with and without --guests
    var api = http("GET", "/api/v1/fleet");
    assertEquals(200, api.statusCode(), api.body());
    assertEquals(fleet.fleetStatus(), JSON.readTree(api.body()));
    assertEquals(
        fleet.fleetStatus("--guests"), JSON.readTree(http("GET", "/api/v1/fleet?guests").body()));
    assertEquals(405, http("POST", "/api/v1/fleet").statusCode());
    assertEquals(404, http("GET", "/api/v1/fleet/h2").statusCode());

    assumeTrue(
        Files.isExecutable(StatusPageIT.CHROMIUM) && Files.isExecutable(StatusPageIT.CHROMEDRIVER),
        "chromium and chromium-driver are not installed");
    browser = StatusPageIT.chromium();
    browser.get("http://127.0.0.1:" + port + "/");
    ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");
    assertEquals("up", text("#hosts tbody[data-host='h1'] tr.host td.state"));
    assertEquals("up", text("#hosts tbody[data-host='h2'] tr.host td.state"));
    assertEquals(
        "2 converged, 0 pending, 0 failed, 0 held",
        text("#hosts tbody[data-host='h1'] tr.host td.summary"));
    assertEquals(
        "converged",
        text("#hosts tbody[data-host='h2'] tr.guest[data-name='" + prefix + "h2b'] td.state"));
    assertEquals(
        2, browser.findElements(By.cssSelector("#hosts tbody[data-host='h1'] tr.guest")).size());
    // h1's own guests, as in manifest-directory mode
    awaitPage(
        "h1's guest table",
        () -> browser.findElements(By.cssSelector("#guests tbody tr")).size() == 2);
  }

  @Test
  @Order(3)
  void anotherHostsFailingGuestAppearsOnThePageWithoutAReload() throws Exception {
    assumeTrue(browser != null, "no browser (see the step before)");
    fleet.file("h2", "bad.yaml", fleet.guest("bad", "cpus: 300\n"));
    assertEquals(0, fleet.push("h2").exit());
    String bad = "#hosts tbody[data-host='h2'] tr.guest[data-name='" + prefix + "bad']";
    awaitPage("h2's failing guest", () -> text(bad + " td.state").equals("failed"));
    assertTrue(text(bad + " td.detail").contains("Maximum CPUs"), text(bad + " td.detail"));
    assertEquals(
        "guest failed",
        browser.findElement(By.cssSelector(bad)).getAttribute("class"),
        "a failed guest stands out");
  }

  @Test
  @Order(4)
  void anInvalidFileIsRefusedAndNothingIsWritten() throws Exception {
    String before = etcd.etcdctl("get", "--prefix", keyPrefix + "/v1/desired/h1/");
    fleet.file("h1", "a.yaml", fleet.guest("h1a").replace("memory: 64", "memory: 80"));
    fleet.file("h1", "bad.yaml", "virt: " + prefix + "bad\nmemory: [\n");
    var r = fleet.push("h1");
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.err().contains("bad.yaml:"), r.err());
    assertEquals(before, etcd.etcdctl("get", "--prefix", keyPrefix + "/v1/desired/h1/"));
    Files.delete(fleet.source("h1").resolve("bad.yaml"));
    fleet.file("h1", "a.yaml", fleet.guest("h1a"));
  }

  @Test
  @Order(5)
  void anInvalidDocumentWrittenToEtcdKeepsTheGuestAndIsReportedWhereItIs() throws Exception {
    etcd.etcdctl("put", keyPrefix + "/v1/desired/h1/a.yaml", fleet.guest("h1a") + "memory: [\n");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                daemonStatus(h1)
                    .path("manifest_problems")
                    .toString()
                    .contains("etcd:h1/a.yaml:6:1: YAML syntax error"));
    var guest = daemonStatus(h1).path("guests");
    assertTrue(guest.toString().contains(prefix + "h1a"), "still managed: " + guest);
    assertEquals("running", Virsh.run("domstate", prefix + "h1a"));
    assertEquals(0, fleet.push("h1").exit());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> daemonStatus(h1).path("manifest_problems").isEmpty());
  }

  @Test
  @Order(6)
  void withTheLeaderKilledAPushToTheOtherTwoStillConverges() throws Exception {
    int leader = etcd.leader();
    etcd.kill(leader);
    try {
      fleet.file("h1", "c.yaml", fleet.guest("h1c"));
      var r = fleet.push("h1");
      assertEquals(0, r.exit(), r.err());
      awaitRunning("h1c");
    } finally {
      etcd.startMember(leader);
    }
    etcd.awaitHealthy(Duration.ofSeconds(30));
  }

  @Test
  @Order(7)
  void withoutEtcdTheDaemonsKeepTheirGuestsAndShowTheStoreDown() throws Exception {
    for (int i = 0; i < 3; i++) {
      etcd.stop(i);
    }
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> !daemonStatus(h1).path("store").path("up").asBoolean(true));
      var text = CliRunner.run("status", "--socket", h1.socket.toString());
      assertTrue(text.out().contains("store etcd:h1: DOWN"), text.out());
      // once h1 knows it, the API and the page say so at once, not after a timeout
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> http("GET", "/api/v1/fleet").body().contains("store etcd:h1: DOWN since"));
      long t0 = System.nanoTime();
      var down = http("GET", "/api/v1/fleet");
      assertEquals(503, down.statusCode(), down.body());
      assertTrue(
          System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos(), "answered without waiting");
      if (browser != null) {
        awaitPage(
            "the page says etcd is down",
            () -> text("#fleet p.bad").startsWith("store etcd:h1: DOWN since"));
      }
      Virsh.run("destroy", prefix + "h1a");
      awaitRunning("h1a"); // healed out of band with etcd gone
      assertEquals("running", Virsh.run("domstate", prefix + "h2b"));
    } finally {
      for (int i = 0; i < 3; i++) {
        etcd.startMember(i);
      }
    }
    etcd.awaitHealthy(Duration.ofSeconds(30));
    fleet.file("h1", "d.yaml", fleet.guest("h1d"));
    var r = fleet.push("h1");
    assertEquals(0, r.exit(), r.err());
    awaitRunning("h1d");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> daemonStatus(h1).path("store").path("up").asBoolean(false));
  }

  private JsonNode daemonStatus(DaemonProcess d) throws Exception {
    var r = CliRunner.run("status", "--json", "--socket", d.socket.toString());
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  @Test
  @Order(8)
  void afterACompactionWhileItWasStoppedADaemonConvergesToTheLatestState() throws Exception {
    h2.signal("TERM");
    assertEquals(0, h2.waitFor(Duration.ofSeconds(60)));
    fleet.file("h2", "e.yaml", fleet.guest("h2e"));
    assertEquals(0, fleet.push("h2").exit());
    etcd.etcdctl("compact", Long.toString(etcd.revision()));
    fleet.file("h2", "e.yaml", fleet.guest("h2e").replace("memory: 64", "memory: 80"));
    fleet.file("h2", "f.yaml", fleet.guest("h2f"));
    assertEquals(0, fleet.push("h2").exit());
    h2.start();
    awaitRunning("h2e");
    awaitRunning("h2f");
    await()
        .atMost(CONVERGE)
        .until(() -> Virsh.run("dumpxml", "--inactive", prefix + "h2e").contains("81920"));
  }

  @Test
  @Order(9)
  void aKilledDaemonIsShownLostWithinTheLeaseTtl() throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> host(fleetStatus(), "h2").path("up").asBoolean());
    h2.signal("KILL");
    h2.waitFor(Duration.ofSeconds(20));
    Instant killed = Instant.now();
    await()
        .atMost(Duration.ofSeconds(FleetAgent.LEASE_TTL_SECONDS + 5))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !host(fleetStatus(), "h2").path("up").asBoolean(true));
    var text = CliRunner.run("fleet", "status", "--config", h1.config.toString());
    assertTrue(text.out().lines().anyMatch(l -> l.startsWith("h2  lost")), text.out());
    assertTrue(text.out().lines().anyMatch(l -> l.startsWith("h1  up")), text.out());
    System.out.println(
        "h2 shown lost " + Duration.between(killed, Instant.now()) + " after SIGKILL");
    if (browser != null) {
      lostOnThePage();
    }
  }

  /** h2 lost on the page open since before: when it was last seen, its guests still listed. */
  private void lostOnThePage() throws Exception {
    String h2State = "#hosts tbody[data-host='h2'] tr.host td.state";
    new WebDriverWait(browser, Duration.ofSeconds(FleetAgent.LEASE_TTL_SECONDS + 5 + 12))
        .withMessage("h2 shown lost")
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> text(h2State).startsWith("lost"));
    assertTrue(
        text(h2State).matches("lost \\(last seen \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)"),
        text(h2State));
    assertEquals(
        "host failed",
        browser
            .findElement(By.cssSelector("#hosts tbody[data-host='h2'] tr.host"))
            .getAttribute("class"));
    // its guests still listed: the ones its last statuses named, the failing one among them
    List<String> listed = new ArrayList<>();
    host(fleetStatus(), "h2").path("guests").forEach(g -> listed.add(g.path("name").asText()));
    assertTrue(listed.contains(prefix + "bad"), listed::toString);
    assertEquals(
        listed.stream().sorted().toList(),
        browser.findElements(By.cssSelector("#hosts tbody[data-host='h2'] tr.guest")).stream()
            .map(e -> e.getAttribute("data-name"))
            .sorted()
            .toList());
    assertEquals("up", text("#hosts tbody[data-host='h1'] tr.host td.state"));
    assertEquals(
        Boolean.TRUE,
        ((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"),
        "the page was not reloaded");
    assertEquals(fleetStatus(), JSON.readTree(http("GET", "/api/v1/fleet?guests").body()));

    ((JavascriptExecutor) browser)
        .executeScript("document.getElementById('fleet').scrollIntoView();");
    Files.copy(
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
        Path.of("target/status-page-fleet.png"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @Order(10)
  void aPushThatRemovesAFilePrunesItsGuest() throws Exception {
    Files.delete(fleet.source("h1").resolve("c.yaml"));
    var dry = fleet.push("h1", "--dry-run");
    assertTrue(dry.out().contains("- c.yaml"), dry.out());
    assertEquals(0, fleet.push("h1").exit());
    await().atMost(CONVERGE).until(() -> !defined("h1c"));
    h1.awaitLog("resource=" + prefix + "h1c pruned", CONVERGE);
    assertEquals("running", Virsh.run("domstate", prefix + "h1a"));
  }
}
