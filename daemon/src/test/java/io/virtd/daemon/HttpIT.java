package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import io.virtd.core.testing.Commands;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's HTTP endpoint as operators use it, against the real qemu:///system: the API answers
 * what {@code virtctl status --json} answers, and {@code /metrics} passes {@code promtool check
 * metrics} and follows a guest created, drifted out of band, healed, failed and held.
 */
class HttpIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOKEN = "it-token-" + UUID.randomUUID();

  @TempDir Path dir;
  // -Dvirtd.it.prefix: where several test runs share one libvirtd, each keeps to its own names
  final String prefix =
      System.getProperty("virtd.it.prefix", "virtd-it-")
          + "ht-"
          + UUID.randomUUID().toString().substring(0, 6)
          + "-";
  final HttpClient client = HttpClient.newHttpClient();
  DaemonProcess daemon;
  int port;

  @AfterEach
  void cleanUp() {
    if (daemon != null) {
      daemon.close();
    }
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  Path token() throws Exception {
    Path f = dir.resolve("http-token");
    Files.writeString(f, TOKEN + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  HttpResponse<String> http(String method, String path, boolean withToken) throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (withToken) {
      b.header("Authorization", "Bearer " + TOKEN);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every sample of a scrape, keyed as {@code name{a="x",b="y"}} with labels sorted by name. */
  static Map<String, Double> samples(String text) {
    Map<String, Double> m = new HashMap<>();
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    for (String l : text.split("\n")) {
      Matcher lm = line.matcher(l);
      if (l.startsWith("#") || !lm.matches()) {
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      if (lm.group(3) != null) {
        Matcher x = label.matcher(lm.group(3));
        while (x.find()) {
          labels.put(x.group(1), x.group(2));
        }
      }
      StringBuilder key = new StringBuilder(lm.group(1));
      if (!labels.isEmpty()) {
        key.append('{');
        labels.forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
        key.setCharAt(key.length() - 1, '}');
      }
      m.put(key.toString(), Double.parseDouble(lm.group(4)));
    }
    return m;
  }

  /** A scrape that {@code promtool check metrics} accepts (it exits non-zero on any problem). */
  Map<String, Double> scrape() throws Exception {
    var r = http("GET", "/metrics", false);
    assertEquals(200, r.statusCode());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
    Path f = dir.resolve("metrics.txt");
    Files.writeString(f, r.body());
    var check =
        Commands.run(
            new ProcessBuilder("sh", "-c", "promtool check metrics < " + f)
                .redirectErrorStream(true),
            Duration.ofSeconds(30));
    assertEquals(
        0, check.exit(), () -> "promtool check metrics:\n" + check.out() + "\n" + r.body());
    return samples(r.body());
  }

  double value(String series) throws Exception {
    return scrape().getOrDefault(series, Double.NaN);
  }

  void awaitMetric(String series, double want) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertEquals(want, value(series), series));
  }

  @Test
  void metricsFollowAGuestCreatedDriftedHealedFailedAndHeld() throws Exception {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
    port = freePort();
    daemon =
        new DaemonProcess(
            dir,
            "owner: it-http\nschedule: 1h\nhttp:\n  listen: 127.0.0.1:%d\n  token_file: %s\n"
                .formatted(port, token()));
    String a = prefix + "a";
    String b = prefix + "b";
    String type = Virsh.domainType();
    daemon.start();
    assertTrue(daemon.logText().contains("http: http://127.0.0.1:" + port + "/"));

    // created
    daemon.manifest("a.yaml", "virt: %s\nvirt_type: %s\nmemory: 64\n".formatted(a, type));
    awaitMetric("virtd_guest_in_sync{name=\"" + a + "\"}", 1);
    Map<String, Double> m = scrape();
    assertEquals(1, m.get("virtd_guests{desired=\"running\",state=\"in_sync\"}"));
    assertTrue(m.get("virtd_reconcile_total{result=\"ok\"}") >= 1, m::toString);
    assertEquals(
        Double.NaN, m.getOrDefault("virtd_drift_detected_total{field=\"ensure\"}", Double.NaN));
    assertEquals(1, m.get("virtd_driver_up{driver=\"libvirt\",target=\"qemu:///system\"}"));
    assertEquals(0, m.get("virtd_manifest_problems"));
    assertEquals(0, m.get("virtd_restart_pending{name=\"" + a + "\"}"));
    assertTrue(m.get("virtd_last_full_pass_timestamp_seconds") > 1.7e9, m::toString);
    assertTrue(m.containsKey("jvm_memory_used_bytes{area=\"heap\"}"), "the JVM's own metrics");
    double ok = m.get("virtd_reconcile_total{result=\"ok\"}");

    // the API says what virtctl status --json says, from the same daemon at the same moment
    JsonNode api = JSON.readTree(http("GET", "/api/v1/guests", false).body());
    var status = CliRunner.run("status", "--json", "--socket", daemon.socket.toString());
    assertEquals(0, status.exit(), status.err());
    assertEquals(JSON.readTree(status.out()).path("guests"), api);
    assertEquals(api.get(0), JSON.readTree(http("GET", "/api/v1/guests/" + a, false).body()));

    // drifted out of band, and healed
    Virsh.run("destroy", a);
    awaitMetric("virtd_drift_detected_total{field=\"ensure\"}", 1);
    await().atMost(Duration.ofSeconds(60)).until(() -> Virsh.run("domstate", a).equals("running"));
    awaitMetric("virtd_guest_in_sync{name=\"" + a + "\"}", 1);
    assertTrue(value("virtd_reconcile_total{result=\"ok\"}") > ok, "the heal was a reconcile");

    // failed: libvirt refuses more CPUs than the machine type has
    daemon.manifest(
        "b.yaml", "virt: %s\nvirt_type: %s\nmemory: 64\ncpus: 300\n".formatted(b, type));
    awaitMetric("virtd_guests{desired=\"running\",state=\"failed\"}", 1);
    m = scrape();
    assertEquals(0, m.get("virtd_guest_in_sync{name=\"" + b + "\"}"));
    assertTrue(m.get("virtd_reconcile_total{result=\"failed\"}") >= 1, m::toString);
    assertEquals(1, m.get("virtd_guests{desired=\"running\",state=\"in_sync\"}"));

    // held, over the API with the token
    assertEquals(401, http("POST", "/api/v1/guests/" + a + "/hold", false).statusCode());
    assertEquals(
        1, value("virtd_guest_in_sync{name=\"" + a + "\"}"), "a refused POST changes nothing");
    assertEquals(200, http("POST", "/api/v1/guests/" + a + "/hold", true).statusCode());
    awaitMetric("virtd_guests{desired=\"running\",state=\"held\"}", 1);
    m = scrape();
    assertEquals(0, m.get("virtd_guest_in_sync{name=\"" + a + "\"}"));
    assertEquals(0, m.get("virtd_guests{desired=\"running\",state=\"in_sync\"}"));
    assertEquals(
        1, m.get("virtd_drift_detected_total{field=\"ensure\"}"), "one drift, counted once");
    assertEquals(200, http("GET", "/healthz", false).statusCode());
  }

  @Test
  void sighupReadsANewTokenAndTurnsTheEndpointOff() throws Exception {
    port = freePort();
    Path token = token();
    String config =
        "owner: it-http\nschedule: 1h\nhttp:\n  listen: 127.0.0.1:%d\n  token_file: %s\n"
            .formatted(port, token);
    daemon = new DaemonProcess(dir, config).start();
    assertEquals(
        404,
        http("POST", "/api/v1/guests/nope/reconcile", true).statusCode(),
        "past the token: no manifest declares `nope`");
    Files.writeString(token, "the-next-token\n");
    daemon.signal("HUP");
    daemon.awaitLog("reloaded", Duration.ofSeconds(30));
    assertEquals(401, http("POST", "/api/v1/guests/nope/reconcile", true).statusCode());
    var next =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/guests/nope/reconcile"))
                .header("Authorization", "Bearer the-next-token")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(404, next.statusCode(), "past the token: no manifest declares `nope`");

    daemon.writeConfig(
        Files.readString(daemon.config)
            .replaceFirst("listen: 127.0.0.1:[0-9]+", "listen: \"off\""));
    daemon.signal("HUP");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              try {
                http("GET", "/healthz", false);
                return false;
              } catch (java.net.ConnectException e) {
                return true;
              }
            });
    assertTrue(daemon.alive());
  }

  @Test
  void aListenOtherThanLoopbackWithoutTokenRefusesToStart() throws Exception {
    daemon =
        new DaemonProcess(dir, "owner: it-http\nschedule: 1h\nhttp:\n  listen: 0.0.0.0:9477\n");
    var e = assertThrows(IllegalStateException.class, daemon::start);
    assertTrue(
        e.getMessage()
            .contains(
                daemon.config
                    + ":8:3: `http`: `listen: 0.0.0.0:9477` is reachable from other hosts: set"
                    + " `token_file` too"),
        e::getMessage);
    assertTrue(e.getMessage().startsWith("virtd exited 1"), e::getMessage);
  }

  @Test
  void aTokenFileOthersCanReadRefusesToStart() throws Exception {
    Path token = token();
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
    daemon =
        new DaemonProcess(
            dir,
            "owner: it-http\nschedule: 1h\nhttp:\n  listen: 127.0.0.1:%d\n  token_file: %s\n"
                .formatted(freePort(), token));
    var e = assertThrows(IllegalStateException.class, daemon::start);
    assertTrue(
        e.getMessage()
            .contains(
                daemon.config
                    + ":9:15: `http.token_file`: "
                    + token
                    + " is readable or writable by group or others; run chmod 600 on it"),
        e::getMessage);
  }
}
