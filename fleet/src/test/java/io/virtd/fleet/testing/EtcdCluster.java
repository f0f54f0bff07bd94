package io.virtd.fleet.testing;

import io.virtd.core.testing.TestPki;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real etcd cluster on loopback for tests: Debian's {@code etcd} binary, free ports, a temporary
 * data directory per member, no fsync. {@link #close()} stops every member and deletes the data,
 * also when a test fails.
 */
public final class EtcdCluster implements AutoCloseable {
  private final Path root;
  private final int size;
  private final int[] clientPorts;
  private final int[] peerPorts;
  private final Process[] members;
  private final String token = "virtd-test-" + System.nanoTime();
  private TestPki pki; // clients need certificates when set
  private List<String> flags = List.of(); // more of etcd's flags, for every member

  /** Starts one member that serves clients over TLS and asks them for a certificate. */
  public static EtcdCluster startTls(TestPki pki) throws Exception {
    EtcdCluster c = new EtcdCluster(1);
    c.pki = pki;
    try {
      c.startMember(0);
      c.awaitHealthy(Duration.ofSeconds(30));
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private EtcdCluster(int size) throws IOException {
    this.size = size;
    this.root = Files.createTempDirectory("virtd-etcd-test-");
    this.clientPorts = new int[size];
    this.peerPorts = new int[size];
    this.members = new Process[size];
    for (int i = 0; i < size; i++) {
      clientPorts[i] = freePort();
      peerPorts[i] = freePort();
    }
  }

  /** Whether the etcd binaries are installed (scripts/install-deps installs them). */
  public static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/etcd"))
        && Files.isExecutable(Path.of("/usr/bin/etcdctl"));
  }

  /** Starts {@code size} members and waits until the cluster answers. */
  public static EtcdCluster start(int size) throws Exception {
    return start(size, List.of());
  }

  /** Starts {@code size} members with more of etcd's {@code flags} (e.g. its limits). */
  public static EtcdCluster start(int size, List<String> flags) throws Exception {
    EtcdCluster c = new EtcdCluster(size);
    c.flags = List.copyOf(flags);
    try {
      for (int i = 0; i < size; i++) {
        c.startMember(i);
      }
      c.awaitHealthy(Duration.ofSeconds(30));
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private String name(int i) {
    return "m" + i;
  }

  public String endpoint(int i) {
    return (pki == null ? "http" : "https") + "://127.0.0.1:" + clientPorts[i];
  }

  public List<String> endpoints() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      out.add(endpoint(i));
    }
    return out;
  }

  /** The endpoints as YAML's flow list, for a configuration file. */
  public String endpointsYaml() {
    return endpoints().stream().collect(Collectors.joining(", ", "[", "]"));
  }

  public void startMember(int i) throws IOException {
    if (members[i] != null && members[i].isAlive()) {
      return;
    }
    Path data = root.resolve(name(i));
    boolean fresh = !Files.exists(data);
    String cluster =
        java.util.stream.IntStream.range(0, size)
            .mapToObj(j -> name(j) + "=http://127.0.0.1:" + peerPorts[j])
            .collect(Collectors.joining(","));
    List<String> argv =
        new ArrayList<>(
            List.of(
                "/usr/bin/etcd",
                "--name",
                name(i),
                "--data-dir",
                data.toString(),
                "--listen-client-urls",
                endpoint(i),
                "--advertise-client-urls",
                endpoint(i),
                "--listen-peer-urls",
                "http://127.0.0.1:" + peerPorts[i],
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peerPorts[i],
                "--initial-cluster",
                cluster,
                "--initial-cluster-token",
                token,
                "--unsafe-no-fsync",
                "--heartbeat-interval",
                "50",
                "--election-timeout",
                "500",
                "--log-level",
                "warn"));
    if (fresh) {
      argv.addAll(List.of("--initial-cluster-state", "new"));
    }
    argv.addAll(flags);
    if (pki != null) {
      argv.addAll(
          List.of(
              "--cert-file",
              pki.serverCert().toString(),
              "--key-file",
              pki.serverKey().toString(),
              "--client-cert-auth",
              "--trusted-ca-file",
              pki.ca().toString()));
    }
    members[i] =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(root.resolve(name(i) + ".log").toFile()))
            .start();
  }

  /** SIGKILL, as a crash. */
  public void kill(int i) throws InterruptedException {
    if (members[i] != null) {
      members[i].destroyForcibly();
      members[i].waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM, as an operator's stop. */
  public void stop(int i) throws InterruptedException {
    if (members[i] != null) {
      members[i].destroy();
      if (!members[i].waitFor(10, TimeUnit.SECONDS)) {
        kill(i);
      }
    }
  }

  /** Runs etcdctl against the live members; returns its output, throws on failure. */
  public String etcdctl(String... args) throws Exception {
    List<String> live = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (members[i] != null && members[i].isAlive()) {
        live.add(endpoint(i));
      }
    }
    List<String> argv =
        new ArrayList<>(List.of("/usr/bin/etcdctl", "--endpoints", String.join(",", live)));
    if (pki != null) {
      argv.addAll(
          List.of(
              "--cacert", pki.ca().toString(),
              "--cert", pki.clientCert().toString(),
              "--key", pki.clientKey().toString()));
    }
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("etcdctl " + String.join(" ", args) + ": " + out);
    }
    return out;
  }

  /** The index of the member that leads now. */
  public int leader() throws Exception {
    for (int i = 0; i < size; i++) {
      if (members[i] == null || !members[i].isAlive()) {
        continue;
      }
      String status = etcdctlAt(i, "endpoint", "status", "-w", "json");
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status);
      var s = node.get(0).path("Status");
      if (s.path("leader").asLong() == s.path("header").path("member_id").asLong()) {
        return i;
      }
    }
    throw new IllegalStateException("no leader");
  }

  private String etcdctlAt(int i, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("/usr/bin/etcdctl", "--endpoints", endpoint(i)));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  /** The current revision. */
  public long revision() throws Exception {
    String out = etcdctl("get", "/", "--prefix", "--keys-only", "--limit", "1", "-w", "json");
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(out)
        .path("header")
        .path("revision")
        .asLong();
  }

  public void awaitHealthy(Duration limit) throws Exception {
    Instant end = Instant.now().plus(limit);
    Exception last = null;
    while (Instant.now().isBefore(end)) {
      try {
        etcdctl("put", "/health-check", "ok");
        return;
      } catch (Exception e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("etcd did not become healthy: " + logs(), last);
  }

  public String logs() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < size; i++) {
      try {
        b.append(Files.readString(root.resolve(name(i) + ".log")));
      } catch (IOException e) {
        // none
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    for (int i = 0; i < size; i++) {
      if (members[i] != null) {
        members[i].destroyForcibly();
        try {
          members[i].waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover under /tmp
    }
  }
}
