package io.virtd.fleet;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.virtd.core.manifest.DesiredState;
import io.virtd.core.manifest.ManifestLoader;
import io.virtd.core.manifest.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code virtctl push}: makes a host's desired state in etcd exactly a set of manifest files, in
 * one transaction, after every file has been validated.
 */
public final class Push {
  private Push() {}

  /** What a push changes: PATH to text for additions and changes, PATHs deleted. */
  public record Diff(Map<String, String> added, Map<String, String> changed, List<String> deleted) {
    public boolean empty() {
      return added.isEmpty() && changed.isEmpty() && deleted.isEmpty();
    }

    public List<String> lines() {
      List<String> out = new ArrayList<>();
      added.keySet().forEach(p -> out.add("+ " + p));
      changed.keySet().forEach(p -> out.add("~ " + p));
      deleted.forEach(p -> out.add("- " + p));
      return out;
    }
  }

  /** The files read, by PATH relative to the pushed directory, or the problems found. */
  public record Manifests(Map<String, String> byPath, List<Problem> problems) {
    public boolean ok() {
      return problems.stream().noneMatch(Problem::isError);
    }
  }

  /**
   * Reads and validates every manifest under {@code paths} (a directory: its files relative to it;
   * a file: its name). Any error or two files with the same PATH is a problem.
   */
  public static Manifests read(List<Path> paths) {
    DesiredState state = new ManifestLoader(ManifestLoader.Permissions.WARN).load(paths);
    List<Problem> problems = new ArrayList<>(state.problems());
    Map<String, String> byPath = new TreeMap<>();
    for (Path root : paths) {
      List<Problem> listing = new ArrayList<>();
      for (Path f : ManifestLoader.manifestFiles(List.of(root), listing)) {
        String rel =
            Files.isDirectory(root) ? root.relativize(f).toString() : f.getFileName().toString();
        try {
          String text = Files.readString(f, StandardCharsets.UTF_8);
          if (byPath.put(rel, text) != null) {
            problems.add(
                Problem.error(
                    f,
                    io.virtd.core.manifest.Pos.START,
                    "another pushed file has the same path `" + rel + "`"));
          }
        } catch (IOException e) {
          problems.add(
              Problem.error(f, io.virtd.core.manifest.Pos.START, "cannot read: " + e.getMessage()));
        }
      }
    }
    return new Manifests(byPath, problems);
  }

  public static Diff diff(Map<String, String> current, Map<String, String> wanted) {
    Map<String, String> added = new TreeMap<>();
    Map<String, String> changed = new TreeMap<>();
    wanted.forEach(
        (p, t) -> {
          if (!current.containsKey(p)) {
            added.put(p, t);
          } else if (!current.get(p).equals(t)) {
            changed.put(p, t);
          }
        });
    List<String> deleted =
        current.keySet().stream().filter(p -> !wanted.containsKey(p)).sorted().toList();
    return new Diff(added, changed, deleted);
  }

  /** HOST's desired files as they are in etcd now. */
  public static Map<String, String> current(Client client, FleetKeys keys, String host)
      throws Exception {
    String dir = keys.desiredDir(host);
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv :
        client
            .getKVClient()
            .get(
                FleetKeys.bytes(dir),
                GetOption.builder().withRange(FleetKeys.rangeEnd(dir)).build())
            .get(EtcdClients.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .getKvs()) {
      out.put(FleetKeys.text(kv.getKey()).substring(dir.length()), FleetKeys.text(kv.getValue()));
    }
    return out;
  }

  /** Carries out {@code diff} in one transaction; returns the revision it made. */
  public static long commit(Client client, FleetKeys keys, String host, Diff diff)
      throws Exception {
    List<Op> ops = new ArrayList<>();
    Map<String, String> puts = new TreeMap<>(diff.added());
    puts.putAll(diff.changed());
    puts.forEach(
        (p, t) ->
            ops.add(
                Op.put(
                    FleetKeys.bytes(keys.desired(host, p)),
                    FleetKeys.bytes(t),
                    PutOption.DEFAULT)));
    diff.deleted()
        .forEach(
            p -> ops.add(Op.delete(FleetKeys.bytes(keys.desired(host, p)), DeleteOption.DEFAULT)));
    try {
      return client
          .getKVClient()
          .txn()
          .Then(ops.toArray(Op[]::new))
          .commit()
          .get(EtcdClients.REQUEST_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS)
          .getHeader()
          .getRevision();
    } catch (ExecutionException e) {
      if (Status.fromThrowable(e.getCause()).getCode() == Status.Code.INVALID_ARGUMENT) {
        long bytes = puts.values().stream().mapToLong(t -> FleetKeys.bytes(t).size()).sum();
        throw new TooLarge(ops.size(), bytes, EtcdClients.describe(e));
      }
      throw e;
    }
  }

  /**
   * etcd refused the transaction as a request it does not take: more operations than its {@code
   * --max-txn-ops} or more bytes than its {@code --max-request-bytes}. Nothing was written.
   */
  public static final class TooLarge extends Exception {
    public TooLarge(int operations, long bytes, String etcdSaid) {
      super(
          "etcd refused the push's transaction of "
              + operations
              + " operation(s), "
              + bytes
              + " bytes of manifests ("
              + etcdSaid
              + "): a push is one transaction, and etcd takes at most --max-txn-ops operations"
              + " (128 unless set) and --max-request-bytes (1.5 MiB unless set) in one; raise"
              + " them on every member (ETCD_MAX_TXN_OPS, ETCD_MAX_REQUEST_BYTES)");
    }
  }
}
