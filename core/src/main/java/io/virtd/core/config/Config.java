package io.virtd.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The daemon's configuration ({@code /etc/virtd/virtd.yaml}); {@code virtctl} reads it too, for the
 * URIs, tool paths, owner name and socket. Every key has a default, so an empty file is valid.
 */
public record Config(
    Path manifests,
    String connect,
    String connectXen,
    String owner,
    Schedule schedule,
    Optional<MaintenanceWindow> maintenanceWindow,
    int workers,
    Path socket,
    boolean prune,
    Duration pruneGrace,
    String logLevel,
    Path vzctl,
    Path vzlist,
    Path vzConfDir,
    Path storageDir,
    Path lockDir,
    List<String> formerOwners) {

  public Config {
    formerOwners = List.copyOf(formerOwners);
  }

  public static final Path DEFAULT_FILE = Path.of("/etc/virtd/virtd.yaml");

  /** Either a fixed interval or a Quartz cron expression. */
  public record Schedule(Optional<Duration> interval, Optional<String> cron) {
    public static Schedule every(Duration d) {
      return new Schedule(Optional.of(d), Optional.empty());
    }
  }

  public record MaintenanceWindow(String cron, Duration duration) {}

  public static Config defaults() {
    return new Config(
        Path.of("/etc/virtd/manifests"),
        "qemu:///system",
        "xen:///system",
        hostName(),
        Schedule.every(Duration.ofSeconds(60)),
        Optional.empty(),
        4,
        Path.of("/run/virtd/virtd.sock"),
        false,
        Duration.ofSeconds(60),
        "info",
        Path.of("/usr/sbin/vzctl"),
        Path.of("/usr/sbin/vzlist"),
        Path.of("/etc/vz/conf"),
        Path.of("/var/lib/virtd/images"),
        Path.of("/run/virtd/locks"),
        List.of());
  }

  /** This configuration with both libvirt URIs replaced, as {@code --connect} does. */
  public Config withConnect(String uri) {
    return new Config(
        manifests,
        uri,
        uri,
        owner,
        schedule,
        maintenanceWindow,
        workers,
        socket,
        prune,
        pruneGrace,
        logLevel,
        vzctl,
        vzlist,
        vzConfDir,
        storageDir,
        lockDir,
        formerOwners);
  }

  public Config withLockDir(Path dir) {
    return new Config(
        manifests,
        connect,
        connectXen,
        owner,
        schedule,
        maintenanceWindow,
        workers,
        socket,
        prune,
        pruneGrace,
        logLevel,
        vzctl,
        vzlist,
        vzConfDir,
        storageDir,
        dir,
        formerOwners);
  }

  static String hostName() {
    try {
      String h = java.nio.file.Files.readString(Path.of("/etc/hostname")).strip();
      if (!h.isEmpty()) {
        return h;
      }
    } catch (java.io.IOException e) {
      // fall through
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }
}
