package io.virtd.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

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
    List<String> formerOwners,
    Http http,
    String host,
    Optional<Store> store) {

  public Config {
    formerOwners = List.copyOf(formerOwners);
  }

  /**
   * The {@code store} key: desired state and host liveness in etcd instead of the manifest
   * directory. Credentials are paths only; their contents never reach logs or status.
   *
   * @param endpoints the members' client URLs, {@code http://} or {@code https://}
   * @param prefix the keys' prefix, {@code /virtd} by default
   * @param ca the CA certificate (PEM) that signed the members' certificates
   * @param cert this client's certificate (PEM)
   * @param key this client's private key (PEM); refused when group or others may read it
   */
  public record Store(
      List<String> endpoints,
      String prefix,
      Optional<Path> ca,
      Optional<Path> cert,
      Optional<Path> key) {
    public Store {
      endpoints = List.copyOf(endpoints);
    }
  }

  public static final Path DEFAULT_FILE = Path.of("/etc/virtd/virtd.yaml");

  /**
   * The {@code http} key: the status page, JSON API and metrics endpoint.
   *
   * @param listen where to listen; empty when {@code listen: off}
   * @param tokenFile the file holding the bearer token every POST needs
   * @param tls certificate and key (PEM) to serve HTTPS instead of HTTP
   * @param tokenFileAt where {@code token_file} is written in the configuration file, for errors
   */
  public record Http(
      Optional<Listen> listen,
      Optional<Path> tokenFile,
      Optional<Tls> tls,
      io.virtd.core.manifest.Pos tokenFileAt) {
    public static final Http DEFAULT =
        new Http(
            Optional.of(new Listen("127.0.0.1", 9477)),
            Optional.empty(),
            Optional.empty(),
            io.virtd.core.manifest.Pos.START);
  }

  /** A host (name or address literal) and a TCP port. */
  public record Listen(String host, int port) {
    /** Whether only this host can connect: a loopback address literal or {@code localhost}. */
    public boolean loopback() {
      if (host.equals("localhost")) {
        return true;
      }
      String h =
          host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      if (!h.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
        return false; // a name: it may resolve to anything, so it counts as not loopback
      }
      try {
        return java.net.InetAddress.getByName(h).isLoopbackAddress();
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }

    @Override
    public String toString() {
      return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** PEM files: the certificate (chain) and its private key (PKCS#8). */
  public record Tls(Path cert, Path key) {}

  /** Either a fixed interval or a Quartz cron expression. */
  public record Schedule(Optional<Duration> interval, Optional<String> cron) {
    public static Schedule every(Duration d) {
      return new Schedule(Optional.of(d), Optional.empty());
    }
  }

  public record MaintenanceWindow(String cron, Duration duration) {}

  /** Every key's default: directory mode, this machine's host name as owner and fleet name. */
  public static Config defaults() {
    String host = hostName();
    return new Config(
        Path.of("/etc/virtd/manifests"),
        "qemu:///system",
        "xen:///system",
        host,
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
        List.of(),
        Http.DEFAULT,
        host,
        Optional.empty());
  }

  /** This configuration with both libvirt URIs replaced, as {@code --connect} does. */
  public Config withConnect(String uri) {
    return with(
        b -> {
          b.connect = uri;
          b.connectXen = uri;
        });
  }

  /** This configuration with another {@code storage_dir}. */
  public Config withStorageDir(Path dir) {
    return with(b -> b.storageDir = dir);
  }

  public Config withLockDir(Path dir) {
    return with(b -> b.lockDir = dir);
  }

  private Config with(Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  /** A configuration's values, to change some of them before making a {@link Config} again. */
  static class Builder {
    Path manifests;
    String connect;
    String connectXen;
    String owner;
    Schedule schedule;
    Optional<MaintenanceWindow> maintenanceWindow;
    int workers;
    Path socket;
    boolean prune;
    Duration pruneGrace;
    String logLevel;
    Path vzctl;
    Path vzlist;
    Path vzConfDir;
    Path storageDir;
    Path lockDir;
    List<String> formerOwners;
    Http http;
    String host;
    Optional<Store> store;

    Builder(Config c) {
      manifests = c.manifests;
      connect = c.connect;
      connectXen = c.connectXen;
      owner = c.owner;
      schedule = c.schedule;
      maintenanceWindow = c.maintenanceWindow;
      workers = c.workers;
      socket = c.socket;
      prune = c.prune;
      pruneGrace = c.pruneGrace;
      logLevel = c.logLevel;
      vzctl = c.vzctl;
      vzlist = c.vzlist;
      vzConfDir = c.vzConfDir;
      storageDir = c.storageDir;
      lockDir = c.lockDir;
      formerOwners = c.formerOwners;
      http = c.http;
      host = c.host;
      store = c.store;
    }

    Config build() {
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
          lockDir,
          formerOwners,
          http,
          host,
          store);
    }
  }

  /** The machine's host name: the default owner and fleet host name. */
  public static String hostName() {
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
