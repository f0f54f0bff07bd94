package io.virtd.libvirt;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** A Linux bridge on this host for tests' NICs, made and removed with {@code ip link}. */
final class HostBridge {
  private HostBridge() {}

  static void create(String name) throws IOException, InterruptedException {
    if (name.length() > 15) {
      throw new IllegalArgumentException("a bridge name has at most 15 characters: " + name);
    }
    delete(name);
    run(List.of("ip", "link", "add", name, "type", "bridge"));
    run(List.of("ip", "link", "set", name, "up"));
  }

  static void delete(String name) throws IOException, InterruptedException {
    Commands.run(new ProcessBuilder(List.of("ip", "link", "del", name)), Duration.ofSeconds(10));
  }

  private static void run(List<String> argv) throws IOException, InterruptedException {
    Commands.Result r = Commands.run(new ProcessBuilder(argv), Duration.ofSeconds(10));
    if (r.exit() != 0) {
      throw new IOException(String.join(" ", argv) + " failed: " + r.err());
    }
  }
}
