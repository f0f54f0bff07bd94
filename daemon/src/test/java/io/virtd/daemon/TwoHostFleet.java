package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.cli.CliRunner;
import io.virtd.cli.Virsh;
import io.virtd.fleet.testing.EtcdCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A fleet on real processes, as the fleet ITs share it: a 3-member etcd cluster on loopback and two
 * daemons, hosts {@code h1} and {@code h2}, on qemu:///system, with the manifest directory each
 * host is pushed from. Closing it stops the daemons and etcd and removes the guests named with
 * {@link #prefix}.
 */
final class TwoHostFleet implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  final Path dir;

  /** What every guest's name starts with. */
  final String prefix;

  /** Where the fleet's keys are in etcd. */
  final String keyPrefix;

  EtcdCluster etcd;
  DaemonProcess h1;
  DaemonProcess h2;

  private TwoHostFleet(Path dir, String prefix, String keyPrefix) {
    this.dir = dir;
    this.prefix = prefix;
    this.keyPrefix = keyPrefix;
  }

  /**
   * A guest name prefix unique to this run, tagged {@code tag}. {@code -Dvirtd.it.prefix}: where
   * several test runs share one libvirtd, each keeps to its own names.
   */
  static String prefix(String tag) {
    return System.getProperty("virtd.it.prefix", "virtd-it-")
        + tag
        + "-"
        + UUID.randomUUID().toString().substring(0, 6)
        + "-";
  }

  /**
   * Starts etcd and both daemons, each daemon's configuration ending with its own {@code keys}
   * (YAML lines).
   */
  static TwoHostFleet start(Path dir, String prefix, String keyPrefix, String h1Keys, String h2Keys)
      throws Exception {
    TwoHostFleet f = new TwoHostFleet(dir, prefix, keyPrefix);
    try {
      f.etcd = EtcdCluster.start(3);
      f.h1 = f.daemon("h1", h1Keys);
      f.h2 = f.daemon("h2", h2Keys);
      DaemonProcess.startAll(f.h1, f.h2);
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw e;
    }
  }

  private DaemonProcess daemon(String host, String keys) throws Exception {
    return new DaemonProcess(
        Files.createDirectories(dir.resolve(host)),
        """
        host: %s
        store:
          etcd:
            endpoints: %s
            prefix: %s
        schedule: 1h
        %s
        """
            .formatted(host, etcd.endpointsYaml(), keyPrefix, keys));
  }

  /** A small guest's manifest. */
  String guest(String name) {
    return guest(name, "");
  }

  /** A small guest's manifest, {@code extra} (YAML lines) added. */
  String guest(String name, String extra) {
    return "virt: %s%s\nvirt_type: %s\nmemory: 64\nshutdown_timeout: 2s\n%s"
        .formatted(prefix, name, Virsh.domainType(), extra);
  }

  /** The directory pushed to {@code host}, as a git checkout would hold it. */
  Path source(String host) throws Exception {
    return Files.createDirectories(dir.resolve("src-" + host));
  }

  void file(String host, String name, String text) throws Exception {
    Files.writeString(source(host).resolve(name), text);
  }

  /** {@code virtctl push} of {@code host}'s directory, through h1's configuration. */
  CliRunner.Result push(String host, String... extra) throws Exception {
    return CliRunner.run(
        Stream.concat(
                Stream.of(
                    "push",
                    "--config",
                    h1.config.toString(),
                    "--host",
                    host,
                    "-m",
                    source(host).toString()),
                Arrays.stream(extra))
            .toArray(String[]::new));
  }

  /** What {@code virtctl fleet status --json} prints through h1's configuration. */
  JsonNode fleetStatus(String... extra) throws Exception {
    var r =
        CliRunner.run(
            Stream.concat(
                    Stream.of("fleet", "status", "--json", "--config", h1.config.toString()),
                    Arrays.stream(extra))
                .toArray(String[]::new));
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  /** The entry of host {@code name} in a fleet status, missing when there is none. */
  static JsonNode host(JsonNode fleet, String name) {
    for (JsonNode h : fleet.path("hosts")) {
      if (h.path("host").asText().equals(name)) {
        return h;
      }
    }
    return JSON.missingNode();
  }

  @Override
  public void close() {
    for (DaemonProcess d : new DaemonProcess[] {h1, h2}) {
      if (d != null) {
        d.close();
      }
    }
    if (etcd != null) {
      etcd.close();
    }
    if (Virsh.available()) {
      Virsh.removeAll(prefix);
    }
  }
}
