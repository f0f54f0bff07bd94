package io.virtd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtd.core.config.Config;
import io.virtd.core.control.ControlReply;
import io.virtd.core.manifest.Pos;
import io.virtd.fleet.FleetView;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code /api/v1/fleet} and the page's fleet section, against a fleet read from a fixed view. */
class FleetEndpointTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  HttpEndpoint endpoint;
  final HttpClient client = HttpClient.newHttpClient();

  static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** h1 up with one guest in sync; h2 lost, its one guest failed with markup in its error. */
  static final List<FleetView.HostView> FLEET =
      List.of(
          new FleetView.HostView(
              "h1",
              Optional.of(json("{\"version\": \"1.0\", \"started\": \"2026-12-05T20:00:00Z\"}")),
              1,
              Map.of(
                  "web01",
                  json(
                      """
                      {"name": "web01", "observed": "as desired", "last_result": "in sync",
                       "at": "2026-12-05T20:01:00Z", "restart_pending": [], "held": false}
                      """))),
          new FleetView.HostView(
              "h2",
              Optional.empty(),
              2,
              Map.of(
                  "db<1>",
                  json(
                      """
                      {"name": "db<1>", "observed": "differs", "last_result": "error",
                       "at": "2026-12-05T19:58:00Z", "restart_pending": [],
                       "last_error": "start failed: <b>no</b>", "held": false}
                      """))));

  @BeforeEach
  void open() throws Exception {
    endpoint =
        HttpEndpoint.open(
                new Config.Http(
                    Optional.of(new Config.Listen("127.0.0.1", 0)),
                    Optional.empty(),
                    Optional.empty(),
                    new Pos(3, 15)),
                dir.resolve("virtd.yaml"),
                new Metrics())
            .orElseThrow();
    endpoint.serveWith(
        r -> new ControlReply.Status(List.of(), List.of(), List.of()), Optional::empty);
  }

  @AfterEach
  void close() {
    endpoint.close();
  }

  HttpResponse<String> send(String method, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Written by hand from the documented shape of {@code virtctl fleet status --json}. */
  @Test
  void inFleetModeEveryHostAsFleetStatusJsonGivesIt() throws Exception {
    endpoint.showFleet(Optional.of(() -> FLEET));
    var r = send("GET", "/api/v1/fleet");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    String hosts =
        """
        {"host": "h1", "up": true, "desired_files": 1,
         "guests_by_state": {"converged": 1, "failed": 0, "held": 0, "pending": 0},
         "last_error": null,
         "host_key": {"version": "1.0", "started": "2026-12-05T20:00:00Z"}%s},
        {"host": "h2", "up": false, "last_seen": "2026-12-05T19:58:00Z", "desired_files": 2,
         "guests_by_state": {"converged": 0, "failed": 1, "held": 0, "pending": 0},
         "last_error": "start failed: <b>no</b>"%s}
        """;
    assertEquals(
        JSON.readTree("{\"format_version\": 1, \"hosts\": [" + hosts.formatted("", "") + "]}"),
        JSON.readTree(r.body()));
    var withGuests = send("GET", "/api/v1/fleet?guests");
    assertEquals(
        JSON.readTree(
            "{\"format_version\": 1, \"hosts\": ["
                + hosts.formatted(
                    ", \"guests\": [" + FLEET.get(0).guests().get("web01") + "]",
                    ", \"guests\": [" + FLEET.get(1).guests().get("db<1>") + "]")
                + "]}"),
        JSON.readTree(withGuests.body()));
    assertEquals(withGuests.body(), send("GET", "/api/v1/fleet?guests=true").body());
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /api/v1/fleet, 404",
    "POST, /api/v1/fleet, 405",
    "DELETE, /api/v1/fleet, 405",
    "GET, /api/v1/fleet/h1, 404",
  })
  void outsideFleetModeThereIsNoFleet(String method, String path, int code) throws Exception {
    var r = send(method, path);
    assertEquals(code, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).path("error").isTextual(), r.body());
    if (code == 405) {
      assertEquals(Optional.of("GET, HEAD"), r.headers().firstValue("Allow"));
    }
    assertFalse(send("GET", "/").body().contains("id=\"fleet\""), "no fleet section");
  }

  @Test
  void postIsRefusedInFleetModeToo() throws Exception {
    endpoint.showFleet(Optional.of(() -> FLEET));
    assertEquals(405, send("POST", "/api/v1/fleet").statusCode());
    assertEquals(405, send("PUT", "/api/v1/fleet?guests").statusCode());
  }

  @Test
  void etcdNotAnsweringIs503AndThePageSaysWhy() throws Exception {
    endpoint.showFleet(
        Optional.of(
            () -> {
              throw new java.util.concurrent.ExecutionException(new TimeoutException());
            }));
    var r = send("GET", "/api/v1/fleet");
    assertEquals(503, r.statusCode());
    assertEquals("etcd: no answer within 5 s", JSON.readTree(r.body()).path("error").asText());
    String page = send("GET", "/").body();
    assertTrue(
        page.contains(
            "<section id=\"fleet\"><h2>Fleet</h2><p class=\"bad\">etcd: no answer within 5 s</p>"),
        page);
  }

  @Test
  void etcdKnownDownIsSaidAsTheDaemonKnowsIt() throws Exception {
    endpoint.showFleet(
        Optional.of(
            () -> {
              throw new FleetReader.Unavailable("store etcd:h1: DOWN since 2026-12-05T20:00:00Z");
            }));
    var r = send("GET", "/api/v1/fleet");
    assertEquals(503, r.statusCode());
    assertEquals(
        "store etcd:h1: DOWN since 2026-12-05T20:00:00Z",
        JSON.readTree(r.body()).path("error").asText());
    assertTrue(
        send("GET", "/")
            .body()
            .contains("<p class=\"bad\">store etcd:h1: DOWN since 2026-12-05T20:00:00Z</p>"));
  }

  @Test
  void thePageShowsEveryHostUpOrLostWithItsGuestsEscaped() throws Exception {
    endpoint.showFleet(Optional.of(() -> FLEET));
    String page = send("GET", "/").body();
    assertTrue(
        page.contains(
            "<tbody data-host=\"h1\"><tr class=\"host in_sync\"><td class=\"name\">h1</td>"
                + "<td class=\"state\">up</td>"
                + "<td class=\"summary\">1 converged, 0 pending, 0 failed, 0 held</td>"
                + "<td class=\"detail\"></td></tr>"
                + "<tr class=\"guest in_sync\" data-name=\"web01\"><td class=\"name\">web01</td>"
                + "<td class=\"state\">converged</td><td class=\"observed\">as desired</td>"
                + "<td class=\"detail\"></td></tr></tbody>"),
        page);
    assertTrue(
        page.contains(
            "<tr class=\"host failed\"><td class=\"name\">h2</td>"
                + "<td class=\"state\">lost (last seen 2026-12-05T19:58:00Z)</td>"),
        page);
    assertTrue(
        page.contains(
            "<tr class=\"guest failed\" data-name=\"db&lt;1&gt;\"><td class=\"name\">db&lt;1&gt;"
                + "</td><td class=\"state\">failed</td><td class=\"observed\">differs</td>"
                + "<td class=\"detail\">start failed: &lt;b&gt;no&lt;/b&gt;</td></tr>"),
        page);
    assertFalse(page.contains("<b>"), "no markup from a status gets through");
  }

  @Test
  void anEmptyFleetSaysSo() throws Exception {
    endpoint.showFleet(Optional.of(List::of));
    assertEquals(
        JSON.readTree("{\"format_version\": 1, \"hosts\": []}"),
        JSON.readTree(send("GET", "/api/v1/fleet").body()));
    assertTrue(
        send("GET", "/")
            .body()
            .contains("<p>no hosts: nothing pushed and no daemon registered</p>"));
  }
}
