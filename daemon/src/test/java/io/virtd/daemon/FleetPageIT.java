package io.virtd.daemon;

import static io.virtd.daemon.TwoHostFleet.host;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Fleet mode's face, on a real 3-member etcd and two daemons (h1, h2) on the real qemu:///system:
 * {@code /api/v1/fleet} answers what {@code virtctl fleet status --json} prints, and h1's status
 * page shows both hosts with their guests, and h2 lost once its daemon is killed, without a reload.
 */
class FleetPageIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  final String prefix = TwoHostFleet.prefix("fp");
  final HttpClient client = HttpClient.newHttpClient();
  TwoHostFleet fleet;
  WebDriver browser;
  int port;

  @AfterEach
  void cleanUp() {
    if (browser != null) {
      browser.quit();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  private void push(String host) throws Exception {
    var r = fleet.push(host);
    assertEquals(0, r.exit(), r.err());
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

  @Test
  void theApiAndThePageShowEveryHostUpOrLostWithItsGuests() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    assumeTrue(EtcdCluster.available(), "etcd is not installed (scripts/install-deps)");
    assumeTrue(
        Files.isExecutable(StatusPageIT.CHROMIUM) && Files.isExecutable(StatusPageIT.CHROMEDRIVER),
        "chromium and chromium-driver are not installed");
    port = HttpIT.freePort();
    fleet =
        TwoHostFleet.start(
            dir,
            prefix,
            "/virtd-fleet-page-it",
            "http: {listen: \"127.0.0.1:%d\"}".formatted(port),
            "");
    fleet.file("h1", "web.yaml", fleet.guest("web"));
    fleet.file("h1", "db.yaml", fleet.guest("db", "ensure: stopped\n"));
    fleet.file("h2", "app.yaml", fleet.guest("app"));
    push("h1");
    push("h2");
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
        text("#hosts tbody[data-host='h2'] tr.guest[data-name='" + prefix + "app'] td.state"));
    assertEquals(
        2, browser.findElements(By.cssSelector("#hosts tbody[data-host='h1'] tr.guest")).size());
    // h1's own guests, as before
    awaitPage(
        "h1's guest table",
        () -> browser.findElements(By.cssSelector("#guests tbody tr")).size() == 2);

    // another host's failing guest appears without a reload
    fleet.file("h2", "bad.yaml", fleet.guest("bad", "cpus: 300\n"));
    push("h2");
    String bad = "#hosts tbody[data-host='h2'] tr.guest[data-name='" + prefix + "bad']";
    awaitPage("h2's failing guest", () -> text(bad + " td.state").equals("failed"));
    assertTrue(text(bad + " td.detail").contains("Maximum CPUs"), text(bad + " td.detail"));
    assertEquals(
        "guest failed",
        browser.findElement(By.cssSelector(bad)).getAttribute("class"),
        "a failed guest stands out");

    // h2 killed: lost, with when it was last seen, its guests still listed, without a reload
    fleet.h2.signal("KILL");
    fleet.h2.waitFor(Duration.ofSeconds(20));
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
    assertEquals(
        2, browser.findElements(By.cssSelector("#hosts tbody[data-host='h2'] tr.guest")).size());
    assertEquals("up", text("#hosts tbody[data-host='h1'] tr.host td.state"));
    assertEquals(
        Boolean.TRUE,
        ((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"),
        "the page was not reloaded");
    assertEquals(
        fleet.fleetStatus("--guests"), JSON.readTree(http("GET", "/api/v1/fleet?guests").body()));

    ((JavascriptExecutor) browser)
        .executeScript("document.getElementById('fleet').scrollIntoView();");
    Files.copy(
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
        Path.of("target/status-page-fleet.png"),
        StandardCopyOption.REPLACE_EXISTING);

    // etcd gone: once h1 knows it, the API and the page say so at once, not after a timeout
    for (int i = 0; i < 3; i++) {
      fleet.etcd.stop(i);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> http("GET", "/api/v1/fleet").body().contains("store etcd:h1: DOWN since"));
    long t0 = System.nanoTime();
    var down = http("GET", "/api/v1/fleet");
    assertEquals(503, down.statusCode(), down.body());
    assertTrue(
        System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos(), "answered without waiting");
    awaitPage(
        "the page says etcd is down",
        () -> text("#fleet p.bad").startsWith("store etcd:h1: DOWN since"));
  }
}
