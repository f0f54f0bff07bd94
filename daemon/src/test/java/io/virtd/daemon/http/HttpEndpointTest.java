package io.virtd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.config.Config;
import io.virtd.core.control.Comparison;
import io.virtd.core.control.ControlCommand;
import io.virtd.core.control.ControlReply;
import io.virtd.core.control.ControlRequest;
import io.virtd.core.control.GuestState;
import io.virtd.core.manifest.Pos;
import io.virtd.core.spi.GuestAddress;
import io.virtd.core.testing.TestPki;
import io.virtd.daemon.Control;
import io.virtd.daemon.GuestStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The endpoint's answers, against a handler that records what it was asked. */
class HttpEndpointTest {
  static final String TOKEN = "s3cret-token-value";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  HttpEndpoint endpoint;
  final List<String> asked = new ArrayList<>();
  final HttpClient client = HttpClient.newHttpClient();

  /** A guest whose name and error carry markup, to see that the page escapes them. */
  static final GuestStatus WEB =
      new GuestStatus(
          "web01",
          "running",
          Comparison.DIFFERS,
          "error",
          Instant.parse("2026-12-05T10:00:00Z"),
          List.of("cpus"),
          Optional.of("define failed: <script>alert(1)</script>"),
          2,
          false,
          "libvirt qemu:///system",
          "running",
          List.of(
              new GuestState.Difference("memory", "768 MiB", "1024 MiB"),
              new GuestState.Difference("vnc_password", "(sensitive)", "(sensitive)")),
          Optional.of(
              List.of(
                  new GuestAddress(
                      "52:54:00:12:34:56", "192.168.122.10", 24, GuestAddress.Source.LEASE))));

  ControlReply answer(ControlRequest request) {
    List<String> names = request.names();
    asked.add(request.cmd() + " " + names);
    if (names.stream().anyMatch(n -> !n.equals("web01"))) {
      return new ControlReply.Refused("unknown name `" + names.get(0) + "`");
    }
    if (request.command().equals(Optional.of(ControlCommand.STATUS))) {
      return new ControlReply.Status(List.of(), List.of(), List.of(Control.guestState(WEB)));
    }
    return new ControlReply.Done(request.cmd() + " done");
  }

  Path tokenFile(String perms) throws Exception {
    Path f = dir.resolve("token");
    Files.writeString(f, TOKEN + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
    return f;
  }

  Config.Http config(Optional<Path> token) {
    return new Config.Http(
        Optional.of(new Config.Listen("127.0.0.1", 0)), token, Optional.empty(), new Pos(3, 15));
  }

  @BeforeEach
  void open() throws Exception {
    endpoint =
        HttpEndpoint.open(
                config(Optional.of(tokenFile("rw-------"))),
                dir.resolve("virtd.yaml"),
                new Metrics())
            .orElseThrow();
    endpoint.serveWith(this::answer, Optional::empty);
  }

  @AfterEach
  void close() {
    endpoint.close();
  }

  HttpResponse<String> send(String method, String path, String auth) throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (auth != null) {
      b.header("Authorization", auth);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(
        Optional.of(HttpEndpoint.CSP), r.headers().firstValue("Content-Security-Policy"), path);
    assertEquals(Optional.of("nosniff"), r.headers().firstValue("X-Content-Type-Options"), path);
    assertFalse(r.body().contains(TOKEN), "the token never appears in an answer");
    return r;
  }

  @Test
  void theGuestsAreTheStatusAnswersGuests() throws Exception {
    var r = send("GET", "/api/v1/guests", null);
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(JSON.valueToTree(List.of(Control.guestState(WEB))), JSON.readTree(r.body()));
    var one = send("GET", "/api/v1/guests/web01", null);
    assertEquals(200, one.statusCode());
    assertEquals(JSON.valueToTree(Control.guestState(WEB)), JSON.readTree(one.body()));
  }

  /** Written by hand from the documented shape, not produced by the serializer under test. */
  @Test
  void aGuestSaysItsHypervisorAndWhatDiffers() throws Exception {
    var r = send("GET", "/api/v1/guests/web01", null);
    assertEquals(
        JSON.readTree(
            """
            {"name": "web01", "desired": "running", "observed": "differs",
             "hypervisor": "libvirt qemu:///system", "state": "running",
             "differs": [
               {"field": "memory", "wanted": "768 MiB", "found": "1024 MiB"},
               {"field": "vnc_password", "wanted": "(sensitive)", "found": "(sensitive)"}],
             "last_result": "error", "at": "2026-12-05T10:00:00Z", "restart_pending": ["cpus"],
             "last_error": "define failed: <script>alert(1)</script>", "retries": 2,
             "held": false, "comparison": "differs",
                          "addresses": [
               {"mac": "52:54:00:12:34:56", "ip": "192.168.122.10", "prefix": 24,
                "source": "lease"}]}
            """),
        JSON.readTree(r.body()));
    String page = send("GET", "/", null).body();
    assertTrue(page.contains("<th>Hypervisor</th>"), page);
    assertTrue(page.contains("<td class=\"hypervisor\">libvirt qemu:///system</td>"), page);
    assertTrue(page.contains("<th>Addresses</th>"), page);
    assertTrue(page.contains("<td class=\"addresses\">192.168.122.10/24 (lease)</td>"), page);
    assertTrue(
        page.contains(
            "<td class=\"differs\">memory: wanted 768 MiB, found 1024 MiB; vnc_password:"
                + " wanted (sensitive), found (sensitive)</td>"),
        page);
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /api/v1/guests/nope, 404",
    "GET, /api/v1/guests/web01/nope, 404",
    "GET, /nope, 404",
    "POST, /api/v1/guests/nope/reconcile, 404",
    "POST, /api/v1/guests, 405",
    "DELETE, /api/v1/guests/web01, 405",
    "PUT, /metrics, 405",
    "POST, /, 405",
    "GET, /api/v1/guests/web01/hold, 405",
  })
  void wrongPathsAndMethods(String method, String path, int code) throws Exception {
    var r = send(method, path, "Bearer " + TOKEN);
    assertEquals(code, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).path("error").isTextual(), r.body());
    if (code == 405) {
      assertTrue(r.headers().firstValue("Allow").isPresent());
    }
    assertFalse(
        asked.stream().anyMatch(a -> !a.startsWith("status") && a.endsWith("[web01]")),
        "nothing was acted on");
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "none",
      value = {"none", "Bearer wrong", "Bearer " + TOKEN + "x", "Basic czNjcmV0", "Bearer"})
  void postWithoutTheTokenIs401AndDoesNothing(String auth) throws Exception {
    for (String action : List.of("reconcile", "hold", "release")) {
      var r = send("POST", "/api/v1/guests/web01/" + action, auth);
      assertEquals(401, r.statusCode(), r.body());
      assertEquals(
          Optional.of("Bearer realm=\"virtd\""), r.headers().firstValue("WWW-Authenticate"));
    }
    assertEquals(List.of(), asked);
  }

  @Test
  void postWithTheTokenActs() throws Exception {
    for (String action : List.of("reconcile", "hold", "release")) {
      var r = send("POST", "/api/v1/guests/web01/" + action, "Bearer " + TOKEN);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(action + " done", JSON.readTree(r.body()).path("message").asText());
    }
    assertEquals(List.of("reconcile [web01]", "hold [web01]", "release [web01]"), asked);
  }

  @Test
  void withoutTokenFileEveryPostIs401() throws Exception {
    endpoint.close();
    endpoint =
        HttpEndpoint.open(config(Optional.empty()), dir.resolve("virtd.yaml"), new Metrics())
            .orElseThrow();
    endpoint.serveWith(this::answer, Optional::empty);
    assertEquals(
        401, send("POST", "/api/v1/guests/web01/reconcile", "Bearer " + TOKEN).statusCode());
    assertEquals(200, send("GET", "/api/v1/guests", null).statusCode());
    assertEquals(List.of("status []"), asked);
  }

  @ParameterizedTest
  @CsvSource({"rw-r-----", "rw----r--", "rw--w----", "rw-rw-rw-"})
  void aTokenFileOthersCanReadOrWriteRefusesToStart(String perms) throws Exception {
    Path token = tokenFile(perms);
    var e =
        assertThrows(
            BearerToken.Refused.class,
            () ->
                HttpEndpoint.open(
                    config(Optional.of(token)), dir.resolve("virtd.yaml"), new Metrics()));
    assertEquals(
        dir.resolve("virtd.yaml")
            + ":3:15: `http.token_file`: "
            + token
            + " is readable or writable by group or others; run chmod 600 on it",
        e.problem.toString());
  }

  @Test
  void aReloadReadsANewTokenAndRefusesAnUnsafeFileKeepingTheOld() throws Exception {
    Path f = dir.resolve("token");
    Files.writeString(f, "next-token\n");
    endpoint.rereadToken(dir.resolve("virtd.yaml"));
    assertEquals(401, send("POST", "/api/v1/guests/web01/hold", "Bearer " + TOKEN).statusCode());
    assertEquals(200, send("POST", "/api/v1/guests/web01/hold", "Bearer next-token").statusCode());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    assertThrows(BearerToken.Refused.class, () -> endpoint.rereadToken(dir.resolve("virtd.yaml")));
    assertEquals(200, send("POST", "/api/v1/guests/web01/hold", "Bearer next-token").statusCode());
  }

  @Test
  void withTlsItSpeaksHttpsWithThePemCertificateAndKey() throws Exception {
    TestPki pki = TestPki.make(dir);
    endpoint.close();
    endpoint =
        HttpEndpoint.open(
                new Config.Http(
                    Optional.of(new Config.Listen("127.0.0.1", 0)),
                    Optional.empty(),
                    Optional.of(new Config.Tls(pki.serverCert(), pki.serverKey())),
                    Pos.START),
                dir.resolve("virtd.yaml"),
                new Metrics())
            .orElseThrow();
    endpoint.serveWith(this::answer, Optional::empty);
    var trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = Files.newInputStream(pki.ca())) {
      trust.setCertificateEntry(
          "virtd",
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    var tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    var r =
        HttpClient.newBuilder()
            .sslContext(ctx)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + endpoint.port() + "/api/v1/guests"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals(JSON.valueToTree(List.of(Control.guestState(WEB))), JSON.readTree(r.body()));
  }

  @Test
  void healthzSaysWhyTheLoopIsNotRunning() throws Exception {
    assertEquals(200, send("GET", "/healthz", null).statusCode());
    endpoint.down("stopping");
    var r = send("GET", "/healthz", null);
    assertEquals(503, r.statusCode());
    assertEquals("stopping\n", r.body());
  }

  @Test
  void thePageEscapesEveryValueAndLoadsNothingFromElsewhere() throws Exception {
    var r = send("GET", "/", null);
    assertEquals(200, r.statusCode());
    String html = r.body();
    assertTrue(html.contains("define failed: &lt;script&gt;alert(1)&lt;/script&gt;"), html);
    assertFalse(html.contains("<script>alert"), html);
    assertTrue(html.contains("<tr class=\"failed\" data-name=\"web01\">"), html);
    assertFalse(html.matches("(?s).*(src|href)=\"(https?:)?//.*"), "nothing from elsewhere");
    assertEquals(200, send("GET", "/page.js", null).statusCode());
    assertEquals(200, send("GET", "/page.css", null).statusCode());
  }
}
