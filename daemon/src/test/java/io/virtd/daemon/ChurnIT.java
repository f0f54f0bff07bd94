package io.virtd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.cli.Virsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many manifests churned under a running daemon on qemu:///system: written, rewritten (memory,
 * description), deleted and added over a few rounds while it reconciles. At the end every remaining
 * manifest's guest is defined as its manifest says and carries the mark, no transient domain is
 * left, and the guests of deleted manifests are still there (prune is off). Guests have no disk and
 * are never started ({@code ensure: stopped} or {@code installed}), so memory is not the limit. The
 * size is {@code -Dvirtd.churn.size} (default {@link #DEFAULT_SIZE}).
 */
class ChurnIT {
  /**
   * Measured here (2 cores, shared with other builds): 1,300 written, converged 20 s after the
   * first write.
   */
  static final int DEFAULT_SIZE = 1000;

  static final long DEADLINE_MS = 150_000;
  static final String MARK_NS = "https://virtd.io/xmlns/mark/1";

  @TempDir Path dir;
  final String prefix = "virtd-it-churn-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  DaemonProcess daemon;

  /** What a manifest says: memory in MiB and the description. */
  record Want(int memoryMiB, String desc, boolean stopped) {}

  @BeforeEach
  void libvirt() {
    assumeTrue(Virsh.available(), "qemu:///system is not reachable");
  }

  @AfterEach
  void cleanUp() {
    if (daemon != null) {
      daemon.close();
    }
    if (Virsh.available()) {
      removeAllFast(prefix);
    }
  }

  private String manifest(String name, Want w) {
    return "virt: %s\nvirt_type: %s\nensure: %s\nmemory: %d\ndesc: \"%s\"\nshutdown_timeout: 1s\n"
        .formatted(
            name,
            Virsh.domainType(),
            w.stopped() ? "stopped" : "installed",
            w.memoryMiB(),
            w.desc());
  }

  @Test
  void churnEndsWithEveryManifestConvergedAndNothingLeftOver() throws Exception {
    int size = Integer.getInteger("virtd.churn.size", DEFAULT_SIZE);
    Random random = new Random(42);
    daemon = new DaemonProcess(dir, "owner: it-churn\nschedule: 1h\nworkers: 4\n").start();
    Map<String, Want> wanted = new TreeMap<>();
    Set<String> deleted = new LinkedHashSet<>();
    int next = 0;
    long t0 = System.nanoTime();
    for (; next < size; next++) {
      String name = prefix + next;
      Want w = new Want(64, "churn r0 " + next, next % 2 == 0);
      daemon.manifest(next + ".yaml", manifest(name, w));
      wanted.put(name, w);
    }
    for (int round = 1; round <= 3; round++) {
      Thread.sleep(3000); // let it reconcile part of the previous round
      Set<String> defined = new java.util.HashSet<>(names(Virsh.run("list", "--all", "--name")));
      List<String> names = new ArrayList<>(wanted.keySet());
      java.util.Collections.shuffle(names, random);
      int rewrite = names.size() * 30 / 100;
      int delete = names.size() * 10 / 100;
      for (String name : names.subList(0, rewrite)) {
        Want w =
            new Want(
                64 + 8 * round,
                "churn r" + round + " " + name.substring(prefix.length()),
                wanted.get(name).stopped());
        daemon.manifest(name.substring(prefix.length()) + ".yaml", manifest(name, w));
        wanted.put(name, w);
      }
      int removed = 0;
      for (String name : names.subList(rewrite, names.size())) {
        if (removed == delete) {
          break;
        }
        if (defined.contains(name)) { // only a guest that exists can be "left as it is"
          Files.delete(daemon.manifests.resolve(name.substring(prefix.length()) + ".yaml"));
          wanted.remove(name);
          deleted.add(name);
          removed++;
        }
      }
      for (int i = 0; i < delete; i++, next++) {
        String name = prefix + next;
        Want w = new Want(64, "churn r" + round + " new " + next, next % 2 == 0);
        daemon.manifest(next + ".yaml", manifest(name, w));
        wanted.put(name, w);
      }
    }
    long churned = System.nanoTime();

    List<String> wrong = List.of("not checked yet");
    while (System.nanoTime() - t0 < DEADLINE_MS * 1_000_000 && !wrong.isEmpty()) {
      Thread.sleep(2000);
      wrong = mismatches(wanted);
    }
    long done = System.nanoTime();
    System.out.printf(
        "ChurnIT: %d manifests written, %d rounds of 30%% rewrite / 10%% delete / 10%% add; %d remain, %d deleted;"
            + " churn written in %.1f s, converged %.1f s after the first write%n",
        next, 3, wanted.size(), deleted.size(), (churned - t0) / 1e9, (done - t0) / 1e9);
    assertEquals(
        List.of(),
        wrong.size() > 20 ? wrong.subList(0, 20) : wrong,
        wrong.size() + " guests differ from their manifest");

    List<String> transients = names(Virsh.run("list", "--transient", "--name"));
    assertEquals(List.of(), transients, "no transient domain of ours is left");
    Set<String> all = new java.util.HashSet<>(names(Virsh.run("list", "--all", "--name")));
    for (String d : deleted) {
      assertTrue(all.contains(d), d + ": a deleted manifest leaves its guest (prune is off)");
    }
    Set<String> expected = new java.util.HashSet<>(wanted.keySet());
    expected.addAll(deleted);
    assertEquals(expected, all, "exactly the guests of the manifests written");
    Map<String, String> xml = inactiveXml(new ArrayList<>(deleted));
    for (String d : deleted) {
      assertTrue(xml.get(d).contains(MARK_NS), d + ": a deleted manifest's guest keeps its mark");
    }
    assertTrue(daemon.alive(), "the daemon survived the churn");
  }

  /** The guests of {@code wanted} that are missing or differ from their manifest, with why. */
  private List<String> mismatches(Map<String, Want> wanted) {
    Set<String> exist = new java.util.HashSet<>(names(Virsh.run("list", "--all", "--name")));
    List<String> wrong = new ArrayList<>();
    List<String> present = new ArrayList<>();
    for (String n : wanted.keySet()) {
      if (exist.contains(n)) {
        present.add(n);
      } else {
        wrong.add(n + ": missing");
      }
    }
    Map<String, String> xml = inactiveXml(present);
    for (String n : present) {
      Want w = wanted.get(n);
      String x = xml.getOrDefault(n, "");
      if (!x.contains("<memory unit='KiB'>" + w.memoryMiB() * 1024 + "</memory>")) {
        wrong.add(n + ": memory is not " + w.memoryMiB() + " MiB");
      } else if (!x.contains("<description>" + w.desc() + "</description>")) {
        wrong.add(n + ": description is not `" + w.desc() + "`");
      } else if (!x.contains(MARK_NS)
          || !Pattern.compile("owner=['\"]it-churn['\"]").matcher(x).find()) {
        wrong.add(n + ": no mark");
      }
    }
    return wrong;
  }

  /** {@code virsh dumpxml --inactive} of many guests, a few hundred per virsh process. */
  static Map<String, String> inactiveXml(List<String> names) {
    Map<String, String> out = new HashMap<>();
    Pattern name = Pattern.compile("<name>([^<]+)</name>");
    for (int i = 0; i < names.size(); i += 250) {
      StringBuilder cmds = new StringBuilder();
      for (String n : names.subList(i, Math.min(names.size(), i + 250))) {
        cmds.append("dumpxml --inactive ").append(n).append(" ; ");
      }
      for (String doc : Virsh.run(cmds.toString()).split("</domain>")) {
        Matcher m = name.matcher(doc);
        if (m.find()) {
          out.put(m.group(1), doc);
        }
      }
    }
    return out;
  }

  private List<String> names(String virshList) {
    return virshList.lines().map(String::strip).filter(n -> n.startsWith(prefix)).toList();
  }

  /** Removes every domain named {@code prefix*}: a few virsh processes, not three per guest. */
  static void removeAllFast(String prefix) {
    List<String> running =
        Virsh.run("list", "--name")
            .lines()
            .map(String::strip)
            .filter(n -> n.startsWith(prefix))
            .toList();
    List<String> all =
        Virsh.run("list", "--all", "--name")
            .lines()
            .map(String::strip)
            .filter(n -> n.startsWith(prefix))
            .toList();
    bulk("destroy", running);
    bulk("undefine --nvram", all);
    Virsh.removeAll(prefix); // whatever the bulk pass left
  }

  private static void bulk(String command, List<String> names) {
    for (int i = 0; i < names.size(); i += 250) {
      StringBuilder cmds = new StringBuilder();
      for (String n : names.subList(i, Math.min(names.size(), i + 250))) {
        cmds.append(command).append(' ').append(n).append(" ; ");
      }
      Virsh.run(cmds.toString());
    }
  }
}
