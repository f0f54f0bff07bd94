package io.virtd.daemon;

import static org.awaitility.Awaitility.await;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code virtd} as operators run it: a separate JVM from the shaded jar, so tests can send it real
 * signals (TERM, HUP, KILL) and read its log.
 */
final class DaemonProcess implements AutoCloseable {
  final Path dir;
  final Path config;
  final Path manifests;
  final Path socket;
  final Path log;
  private Process process;

  /** The umask the daemon starts with (e.g. {@code 000}); null: this JVM's. */
  String umask;

  /** Extra environment for the daemon (e.g. NOTIFY_SOCKET). */
  final Map<String, String> env = new java.util.HashMap<>();

  DaemonProcess(Path dir, String extraConfig) throws IOException {
    this(dir, dir.resolve("virtd.sock"), extraConfig);
  }

  DaemonProcess(Path dir, Path socket, String extraConfig) throws IOException {
    this.dir = dir;
    this.manifests = Files.createDirectories(dir.resolve("m"));
    this.socket = socket;
    this.config = dir.resolve("virtd.yaml");
    this.log = dir.resolve("virtd.log");
    writeConfig(
        """
        manifests: %s
        socket: %s
        lock_dir: %s
        connect: qemu:///system
        """
                .formatted(manifests, socket, dir.resolve("locks"))
            + extraConfig);
  }

  /**
   * Writes the configuration; without an {@code http} key of its own the endpoint is off, so that
   * daemons of parallel tests do not compete for its default port.
   */
  void writeConfig(String text) throws IOException {
    writePrivate(config, text.contains("\nhttp:") ? text : text + "http: {listen: \"off\"}\n");
  }

  /** A manifest file as an operator writes it: readable by all, writable by its owner only. */
  Path manifest(String file, String text) throws IOException {
    return manifest(file, text, "rw-r--r--");
  }

  /**
   * A manifest file with the given permissions (e.g. {@code rw-rw-r--}), in place at once with
   * them: the watcher never reads it half-written or with other permissions.
   */
  Path manifest(String file, String text, String permissions) throws IOException {
    Path f = manifests.resolve(file);
    write(f, text, permissions);
    return f;
  }

  private static void writePrivate(Path f, String text) throws IOException {
    write(f, text, "rw-r--r--");
  }

  /** Through a dotfile beside it (the manifest loader skips those) and an atomic rename. */
  private static void write(Path f, String text, String permissions) throws IOException {
    Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(permissions));
    Files.move(
        tmp,
        f,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  DaemonProcess start() throws IOException {
    awaitStarted(launch());
    return this;
  }

  /**
   * Starts every daemon at once and returns when each has started: their JVMs warm up together
   * rather than one after the other.
   */
  static void startAll(DaemonProcess... daemons) throws IOException {
    long[] from = new long[daemons.length];
    for (int i = 0; i < daemons.length; i++) {
      from[i] = daemons[i].launch();
    }
    for (int i = 0; i < daemons.length; i++) {
      daemons[i].awaitStarted(from[i]);
    }
  }

  /** Starts the process; returns where in the log its own lines begin. */
  private long launch() throws IOException {
    Path jar = Path.of("target/virtd.jar").toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException(
          jar + " is missing: the package phase builds it before the ITs");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> argv =
        new ArrayList<>(
            List.of(
                java,
                "-XX:+UseSerialGC",
                "-Dvirtd.log.target=System.out",
                "-Dvirtd.log.level=INFO",
                "-cp",
                jar.toString(),
                "io.virtd.daemon.Virtd",
                "--config",
                config.toString()));
    if (umask != null) {
      argv.addAll(0, List.of("/bin/sh", "-c", "umask " + umask + " && exec \"$@\"", "sh"));
    }
    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    env.remove("VIRTD_LOG_LEVEL");
    env.remove("NOTIFY_SOCKET");
    env.putAll(this.env);
    // the log is appended to: an earlier daemon's "started:" there says nothing about this one
    long from = Files.exists(log) ? Files.size(log) : 0;
    process = pb.start();
    return from;
  }

  private void awaitStarted(long from) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> logSince(from).contains("started:") || !process.isAlive());
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "virtd exited " + process.exitValue() + ":\n" + logSince(from));
    }
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  void signal(String name) throws IOException, InterruptedException {
    Commands.run(
        new ProcessBuilder("kill", "-s", name, Long.toString(process.pid()))
            .redirectError(ProcessBuilder.Redirect.INHERIT),
        Duration.ofSeconds(20));
  }

  /** Waits for the process to end and returns its exit code. */
  int waitFor(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("virtd still running after " + limit + ":\n" + logText());
    }
    return process.exitValue();
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Where the log ends now: what is logged from here on comes after this moment. */
  long logMark() {
    try {
      return Files.exists(log) ? Files.size(log) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Waits until {@code fragment} was logged at least {@code times} times after {@code mark} (see
   * {@link #logMark}): a sign that the daemon considered the work, rather than a sleep.
   */
  void awaitLogSince(long mark, String fragment, int times, Duration limit) {
    try {
      await()
          .atMost(limit)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  logSince(mark).split(java.util.regex.Pattern.quote(fragment), -1).length > times);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          times
              + " × `"
              + fragment
              + "` not in the daemon's log within "
              + limit
              + ":\n"
              + logSince(mark),
          e);
    }
  }

  /** What was logged after the first {@code offset} bytes. */
  private String logSince(long offset) {
    try {
      byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  void awaitLog(String fragment, Duration limit) {
    try {
      await()
          .atMost(limit)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> logText().contains(fragment));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "no `" + fragment + "` in the daemon's log within " + limit + ":\n" + logText(), e);
    }
  }

  @Override
  public void close() {
    if (alive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
