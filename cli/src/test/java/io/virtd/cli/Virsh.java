package io.virtd.cli;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** An independent reader of libvirt for end-to-end tests: the virsh command, not our driver. */
public final class Virsh {
  static final String URI = "qemu:///system";

  private Virsh() {}

  /** virsh's output (stdout and stderr), whatever its exit code; at most a minute. */
  public static String run(String... args) {
    return runOn(URI, args);
  }

  /** As {@link #run}, on the hypervisor at {@code uri}. */
  public static String runOn(String uri, String... args) {
    List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", uri));
    argv.addAll(List.of(args));
    try {
      return Commands.run(argv, Duration.ofSeconds(60)).out().strip();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static boolean available() {
    try {
      return Commands.run(List.of("virsh", "-c", URI, "version"), Duration.ofSeconds(20)).exit()
          == 0;
    } catch (IOException | IllegalStateException e) { // IllegalStateException: timed out
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Destroys and undefines every domain whose name starts with {@code prefix}. */
  public static void removeAll(String prefix) {
    for (String name : run("list", "--all", "--name").lines().map(String::strip).toList()) {
      if (name.startsWith(prefix)) {
        run("destroy", name);
        run("undefine", "--nvram", name);
        run("undefine", name);
      }
    }
  }

  /** Stops and undefines every storage pool whose directory is {@code root} or below it. */
  public static void removePoolsUnder(java.nio.file.Path root) {
    for (String pool :
        run("pool-list", "--all", "--name")
            .lines()
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .toList()) {
      if (run("pool-dumpxml", pool).contains("<path>" + root)) {
        run("pool-destroy", pool);
        run("pool-undefine", pool);
      }
    }
  }

  private static String domainType;

  /**
   * {@code kvm} when QEMU, running as libvirt's user, can really start a KVM guest here (root
   * opening /dev/kvm proves nothing), else TCG's {@code qemu}. Probed once with a transient guest.
   */
  public static synchronized String domainType() {
    if (domainType != null) {
      return domainType;
    }
    String name = "virtd-it-kvmprobe-" + ProcessHandle.current().pid();
    try {
      java.nio.file.Path xml = java.nio.file.Files.createTempFile("virtd-kvmprobe", ".xml");
      java.nio.file.Files.writeString(
          xml,
          "<domain type='kvm'><name>"
              + name
              + "</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>"
              + "<os><type arch='x86_64'>hvm</type></os></domain>");
      String out = run("create", xml.toString());
      java.nio.file.Files.deleteIfExists(xml);
      domainType = out.contains("created") ? "kvm" : "qemu";
    } catch (IOException e) {
      domainType = "qemu";
    } finally {
      run("destroy", name);
    }
    return domainType;
  }
}
