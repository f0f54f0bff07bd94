package io.virtd.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.LibvirtException;

/**
 * The daemon benchmark against the real {@code qemu:///system}: the daemon's reaction latencies
 * (manifest written → guest running; out-of-band destroy → running again), each beside libvirt's
 * own time for the same work (define + start; start), p50/p95 over N trials; then the idle daemon's
 * RSS and CPU over 60 s with 50 managed guests. The daemon runs as shipped ({@code bin/virtd}).
 *
 * <p>Run: {@code bench/run daemon}.
 */
public final class DaemonBench {
  private static final org.libvirt.ErrorCallback QUIET = new org.libvirt.ErrorCallback();

  static final String URI = "qemu:///system";

  public static void main(String[] args) throws Exception {
    int trials = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int idleGuests = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int idleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
    String prefix = "virtd-bench-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    Path dir = Files.createTempDirectory("virtd-daemon-bench");
    Path manifests = Files.createDirectories(dir.resolve("m"));
    Path cfg = dir.resolve("virtd.yaml");
    write(
        cfg,
        "manifests: %s\nsocket: %s\nlock_dir: %s\nowner: bench\nconnect: %s\nworkers: 4\n"
            .formatted(manifests, dir.resolve("virtd.sock"), dir.resolve("locks"), URI));
    // the bench polls for guests that do not exist yet: libvirt's default handler would print each
    // miss
    Connect.setErrorCallback(QUIET);
    Connect c = new Connect(URI);
    String type = domainType(c, prefix);
    System.out.printf(
        "daemon benchmark on %s, domain type %s, %d trials, %d idle guests%n",
        URI, type, trials, idleGuests);
    Process virtd = null;
    try {
      List<Long> defineStart = new ArrayList<>();
      List<Long> startOnly = new ArrayList<>();
      virtd =
          new ProcessBuilder(
                  Path.of("bin/virtd").toAbsolutePath().toString(), "--config", cfg.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("virtd.log").toFile())
              .start();
      waitForLog(dir.resolve("virtd.log"), "started:", 30_000);

      List<Long> manifestToRunning = new ArrayList<>();
      for (int i = 0; i < trials; i++) {
        baseline(c, prefix + "base" + i, type, defineStart, startOnly); // same load as this trial
        String name = prefix + "lat" + i;
        long t0 = System.nanoTime();
        write(manifests.resolve(name + ".yaml"), manifest(name, type));
        waitRunning(c, name, 60_000);
        manifestToRunning.add(System.nanoTime() - t0);
      }
      // from the moment libvirt's destroy returns (the guest is off; QEMU's exit alone takes
      // about 1.5 s here, counted separately) until the daemon has it running again
      List<Long> destroyToRunning = new ArrayList<>();
      List<Long> destroyCall = new ArrayList<>();
      for (int i = 0; i < trials; i++) {
        String name = prefix + "lat" + i;
        Domain d = c.domainLookupByName(name);
        long t0 = System.nanoTime();
        d.destroy();
        long t1 = System.nanoTime();
        destroyCall.add(t1 - t0);
        waitRunning(c, name, 60_000);
        destroyToRunning.add(System.nanoTime() - t1);
      }
      System.out.println();
      row("manifest written -> running", manifestToRunning, "libvirt define + start", defineStart);
      row("guest off (destroy) -> running", destroyToRunning, "libvirt start", startOnly);
      System.out.printf(
          "(libvirt's destroy call itself: p50 %.0f ms, p95 %.0f ms; not counted above)%n",
          pct(destroyCall, 50), pct(destroyCall, 95));

      for (int i = trials; i < idleGuests; i++) {
        String name = prefix + "lat" + i;
        write(manifests.resolve(name + ".yaml"), manifest(name, type));
      }
      for (int i = 0; i < idleGuests; i++) {
        waitRunning(c, prefix + "lat" + i, 120_000);
      }
      Thread.sleep(5_000); // let the burst settle before measuring idle
      long pid = virtd.pid();
      long cpu0 = cpuTicks(pid);
      long w0 = System.nanoTime();
      Thread.sleep(idleSeconds * 1000L);
      long cpu1 = cpuTicks(pid);
      double wall = (System.nanoTime() - w0) / 1e9;
      double cpuSeconds = (cpu1 - cpu0) / 100.0; // USER_HZ
      System.out.printf(
          "%nidle with %d managed guests over %.0f s (default 60 s schedule): RSS %d MiB, CPU %.2f s = %.2f%% of one core%n",
          idleGuests, wall, rssKiB(pid) / 1024, cpuSeconds, 100 * cpuSeconds / wall);
    } finally {
      if (virtd != null) {
        virtd.destroy();
        virtd.waitFor();
      }
      for (String n : c.listDefinedDomains()) {
        if (n.startsWith(prefix)) {
          c.domainLookupByName(n).undefine();
        }
      }
      for (int id : c.listDomains()) {
        Domain d = c.domainLookupByID(id);
        if (d.getName().startsWith(prefix)) {
          d.destroy();
          d.undefine();
        }
      }
      c.close();
    }
  }

  /**
   * libvirt's own time for the same work, under the same load: define + start, then start alone.
   */
  static void baseline(
      Connect c, String name, String type, List<Long> defineStart, List<Long> startOnly)
      throws LibvirtException {
    long t0 = System.nanoTime();
    Domain d = c.domainDefineXML(xml(name, type));
    d.create();
    defineStart.add(System.nanoTime() - t0);
    d.destroy();
    long t1 = System.nanoTime();
    d.create();
    startOnly.add(System.nanoTime() - t1);
    d.destroy();
    d.undefine();
  }

  static void row(String what, List<Long> ns, String baseWhat, List<Long> base) {
    System.out.printf(
        "%-32s p50 %6.0f ms  p95 %6.0f ms   | baseline %-24s p50 %6.0f ms  p95 %6.0f ms | p50 beyond baseline %5.0f ms, ratio %.2f%n",
        what,
        pct(ns, 50),
        pct(ns, 95),
        baseWhat,
        pct(base, 50),
        pct(base, 95),
        pct(ns, 50) - pct(base, 50),
        pct(ns, 50) / pct(base, 50));
  }

  static double pct(List<Long> ns, int p) {
    List<Long> s = new ArrayList<>(ns);
    Collections.sort(s);
    int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
    return s.get(Math.max(0, i)) / 1e6;
  }

  static String xml(String name, String type) {
    return "<domain type='%s'><name>%s</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"
        .formatted(type, name);
  }

  static String manifest(String name, String type) {
    return "virt: %s\nvirt_type: %s\nmemory: 64\ncpus: 1\nshutdown_timeout: 2s\n"
        .formatted(name, type);
  }

  static String domainType(Connect c, String prefix) {
    try {
      Domain d = c.domainCreateXML(xml(prefix + "kvmprobe", "kvm"), 0);
      d.destroy();
      return "kvm";
    } catch (LibvirtException e) {
      return "qemu";
    }
  }

  static void waitRunning(Connect c, String name, long limitMs) throws Exception {
    long end = System.currentTimeMillis() + limitMs;
    while (System.currentTimeMillis() < end) {
      try {
        if (c.domainLookupByName(name).getInfo().state == DomainState.VIR_DOMAIN_RUNNING) {
          return;
        }
      } catch (LibvirtException e) {
        // not defined yet
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException(name + " not running after " + limitMs + " ms");
  }

  static void waitForLog(Path log, String fragment, long limitMs) throws Exception {
    long end = System.currentTimeMillis() + limitMs;
    while (System.currentTimeMillis() < end) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(fragment)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(
        "virtd did not start: " + (Files.exists(log) ? Files.readString(log) : ""));
  }

  static void write(Path f, String text) throws IOException {
    Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    Files.move(
        tmp,
        f,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
  }

  static long rssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
