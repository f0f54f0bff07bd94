package io.virtd.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file of the bad-manifest corpus written over a running guest's manifest, in the three ways
 * files change on a real host: renamed into place at once, truncated and rewritten, and written in
 * three pieces 150 ms apart. The daemon runs with {@code prune: true}, a one-second grace and a
 * one-second schedule, on libvirt's in-process {@code test:///default} (one guest per corpus file,
 * all at once). After each way, once every guest has been reconciled again past the prune grace,
 * every guest is still there and running, and every file is shown as a problem.
 */
class CorpusRewriteIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path CORPUS = Path.of("../core/src/test/resources/bad").toAbsolutePath().normalize();
  static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;
  DaemonProcess daemon;

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  /** The corpus's single-file cases (a directory case names no one manifest to rewrite). */
  static List<String> cases() throws IOException {
    var names = new TreeSet<String>();
    for (String line : Files.readAllLines(CORPUS.resolve("expected.tsv"), StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String name = line.split("\t", -1)[0];
      if (Files.isRegularFile(CORPUS.resolve(name))) {
        names.add(name);
      }
    }
    return List.copyOf(names);
  }

  static String guest(int i) {
    return "virt: corpus%03d\nvirt_type: kvm\nensure: running\nmemory: 64\n".formatted(i);
  }

  enum Way {
    RENAME,
    TRUNCATE,
    PIECES
  }

  @Test
  void everyGuestStaysAndEveryFileIsAProblemWhicheverWayTheFileChanges() throws Exception {
    List<String> cases = cases();
    assertTrue(cases.size() >= 40, "the corpus has " + cases.size() + " single-file cases");
    daemon = new DaemonProcess(dir, "");
    daemon.writeConfig(
        """
        manifests: %s
        socket: %s
        lock_dir: %s
        connect: test:///default
        owner: it-corpus
        schedule: 1s
        prune: true
        prune_grace: 1s
        workers: 4
        """
            .formatted(daemon.manifests, daemon.socket, dir.resolve("locks")));
    Map<Path, byte[]> bad = new LinkedHashMap<>();
    for (int i = 0; i < cases.size(); i++) {
      Path f = daemon.manifest("c%03d.yaml".formatted(i), guest(i));
      bad.put(f, Files.readAllBytes(CORPUS.resolve(cases.get(i))));
    }
    daemon.start();
    awaitAllRunning(cases.size(), Instant.EPOCH);

    for (Way way : Way.values()) {
      Instant written = Instant.now();
      rewrite(bad, way);
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () -> {
                String problems = status().path("manifest_problems").toString();
                List<String> missing = new ArrayList<>();
                bad.keySet().stream()
                    .filter(f -> !problems.contains(f.toString() + ":"))
                    .forEach(f -> missing.add(f.getFileName() + " (" + cases.get(index(f)) + ")"));
                assertEquals(List.of(), missing, way + ": files not shown as a problem");
              });
      // every guest reconciled again after the prune grace has passed since the rewrite
      awaitAllRunning(cases.size(), written.plusSeconds(3));

      for (int i = 0; i < cases.size(); i++) {
        daemon.manifest("c%03d.yaml".formatted(i), guest(i));
      }
      await().atMost(WAIT).until(() -> status().path("manifest_problems").isEmpty());
    }
  }

  private static int index(Path f) {
    String n = f.getFileName().toString();
    return Integer.parseInt(n.substring(1, 4));
  }

  /** All {@code n} guests listed, running as desired, each reconciled at or after {@code since}. */
  private void awaitAllRunning(int n, Instant since) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              JsonNode guests = status().path("guests");
              List<String> wrong = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                String name = "corpus%03d".formatted(i);
                JsonNode g = null;
                for (JsonNode x : guests) {
                  if (x.path("name").asText().equals(name)) {
                    g = x;
                  }
                }
                if (g == null) {
                  wrong.add(name + ": not listed");
                } else if (!g.path("state").asText().equals("running")
                    || !g.path("observed").asText().equals("as desired")) {
                  wrong.add(name + ": " + g);
                } else if (Instant.parse(g.path("at").asText()).isBefore(since)) {
                  wrong.add(name + ": not reconciled since " + since);
                }
              }
              assertEquals(List.of(), wrong);
            });
  }

  private JsonNode status() throws Exception {
    var r = CliRunner.run("status", "--json", "--socket", daemon.socket.toString());
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  private static void rewrite(Map<Path, byte[]> bad, Way way) throws Exception {
    switch (way) {
      case RENAME -> {
        for (var e : bad.entrySet()) {
          Path tmp = e.getKey().resolveSibling("." + e.getKey().getFileName() + ".new");
          Files.write(tmp, e.getValue());
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
          Files.move(
              tmp, e.getKey(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      case TRUNCATE -> {
        for (var e : bad.entrySet()) {
          Files.write(
              e.getKey(),
              e.getValue(),
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
        }
      }
      case PIECES -> {
        for (var e : bad.entrySet()) {
          Files.write(e.getKey(), new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        }
        for (int piece = 0; piece < 3; piece++) {
          for (var e : bad.entrySet()) {
            byte[] all = e.getValue();
            int from = all.length * piece / 3;
            int to = all.length * (piece + 1) / 3;
            Files.write(
                e.getKey(), java.util.Arrays.copyOfRange(all, from, to), StandardOpenOption.APPEND);
          }
          Thread.sleep(150);
        }
      }
    }
  }
}
