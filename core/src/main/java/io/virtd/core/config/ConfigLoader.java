package io.virtd.core.config;

import io.virtd.core.manifest.DidYouMean;
import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.Problem;
import io.virtd.core.manifest.Sizes;
import io.virtd.core.manifest.YNode;
import io.virtd.core.manifest.YamlReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads {@code virtd.yaml}; unknown keys and bad values are errors with file, line and column. */
public final class ConfigLoader {
  /** The configuration and the problems found; on any error, {@code config} holds only defaults. */
  public record Result(Config config, List<Problem> problems) {
    public boolean ok() {
      return problems.stream().noneMatch(Problem::isError);
    }
  }

  public static final List<String> KEYS =
      List.of(
          "manifests",
          "connect",
          "connect_xen",
          "owner",
          "schedule",
          "maintenance_window",
          "workers",
          "socket",
          "prune",
          "prune_grace",
          "log_level",
          "vzctl",
          "vzlist",
          "vz_conf_dir",
          "storage_dir",
          "lock_dir",
          "former_owners",
          "http",
          "host",
          "store");

  private ConfigLoader() {}

  /** Reads {@code file}; a missing file gives the defaults when {@code mayBeMissing}. */
  public static Result load(Path file, boolean mayBeMissing) {
    Config d = Config.defaults();
    if (!Files.exists(file)) {
      if (mayBeMissing) {
        return new Result(d, List.of());
      }
      return new Result(d, List.of(Problem.error(file, Pos.START, "no such file")));
    }
    YamlReader.Result read = new YamlReader().read(file);
    List<Problem> problems = new ArrayList<>(read.problems());
    if (!problems.isEmpty()) {
      return new Result(d, problems);
    }
    if (read.documents().size() > 1) {
      problems.add(
          Problem.error(
              file, read.documents().get(1).pos(), "the configuration is one YAML document"));
    }
    if (read.documents().isEmpty()
        || read.documents().get(0) instanceof YNode.YScalar s && s.value() == null) {
      return new Result(d, problems);
    }
    if (!(read.documents().get(0) instanceof YNode.YMap map)) {
      problems.add(
          Problem.error(
              file, read.documents().get(0).pos(), "the configuration must be a map of keys"));
      return new Result(d, problems);
    }
    var b = new Builder(d);
    for (YNode.Entry e : map.entries()) {
      try {
        b.set(e);
      } catch (IllegalArgumentException ex) {
        Pos at = ex instanceof BadAt inner ? inner.pos : e.value().pos();
        problems.add(Problem.error(file, at, "`" + e.key() + "`: " + ex.getMessage()));
      } catch (UnknownKey ex) {
        problems.add(
            Problem.error(
                file,
                e.keyPos(),
                "unknown configuration key `" + e.key() + "`" + DidYouMean.hint(e.key(), KEYS)));
      }
    }
    if (problems.stream().anyMatch(Problem::isError)) {
      return new Result(d, problems);
    }
    return new Result(b.build(), problems);
  }

  /** A bad value inside a key's value (a key of {@code maintenance_window}), with its own place. */
  static final class BadAt extends IllegalArgumentException {
    final transient Pos pos;

    BadAt(Pos pos, String message) {
      super(message);
      this.pos = pos;
    }
  }

  private static final class UnknownKey extends Exception {
    UnknownKey() {
      super(null, null, false, false);
    }
  }

  /** The configuration as its keys are read one by one. */
  static final class Builder extends Config.Builder {
    boolean ownerSet;

    Builder(Config d) {
      super(d);
    }

    void set(YNode.Entry e) throws UnknownKey {
      YNode v = e.value();
      switch (e.key()) {
        case "manifests" -> manifests = path(v);
        case "connect" -> connect = text(v);
        case "connect_xen" -> connectXen = text(v);
        case "owner" -> {
          owner = owner(v);
          ownerSet = true;
        }
        case "schedule" -> schedule = schedule(v);
        case "maintenance_window" -> maintenanceWindow = Optional.of(window(v));
        case "workers" -> workers = workers(v);
        case "socket" -> socket = path(v);
        case "prune" -> prune = bool(v);
        case "prune_grace" -> pruneGrace = Sizes.parseDuration(text(v));
        case "log_level" -> logLevel = logLevel(v);
        case "vzctl" -> vzctl = path(v);
        case "vzlist" -> vzlist = path(v);
        case "vz_conf_dir" -> vzConfDir = path(v);
        case "storage_dir" -> storageDir = path(v);
        case "lock_dir" -> lockDir = path(v);
        case "former_owners" -> formerOwners = owners(v);
        case "http" -> http = HttpKey.read(v, http);
        case "host" -> host = StoreKey.host(v);
        case "store" -> store = StoreKey.read(v);
        default -> throw new UnknownKey();
      }
    }

    /** In fleet mode the owner is the host name unless {@code owner} says otherwise. */
    @Override
    Config build() {
      if (store.isPresent() && !ownerSet) {
        owner = host;
      }
      return super.build();
    }

    static String text(YNode v) {
      if (v instanceof YNode.YScalar s && s.value() != null && !(s.value() instanceof Boolean)) {
        String t = s.text(); // as written, not as YAML read it (`1.10`, not 1.1)
        if (!t.isBlank()) {
          return t;
        }
      }
      throw new IllegalArgumentException("must be a non-empty string, not " + v.kindName());
    }

    static Path path(YNode v) {
      String t = text(v);
      if (!t.startsWith("/")) {
        throw new IllegalArgumentException("must be an absolute path, not `" + t + "`");
      }
      return Path.of(t);
    }

    private static boolean bool(YNode v) {
      if (v instanceof YNode.YScalar s && s.value() instanceof Boolean b) {
        return b;
      }
      throw new IllegalArgumentException("must be true or false, not " + v.kindName());
    }

    private static String owner(YNode v) {
      String t = text(v);
      if (!t.matches("[A-Za-z0-9_.@:-]{1,128}")) {
        throw new IllegalArgumentException("must be 1-128 of A-Z a-z 0-9 _ . @ : -");
      }
      return t;
    }

    /** Owner names this host was known by: a list of names, or one name. */
    private static List<String> owners(YNode v) {
      if (v instanceof YNode.YScalar) {
        return List.of(owner(v));
      }
      if (!(v instanceof YNode.YSeq l)) {
        throw new IllegalArgumentException("must be a list of owner names, not " + v.kindName());
      }
      List<String> names = new ArrayList<>();
      for (YNode item : l.items()) {
        try {
          names.add(owner(item));
        } catch (IllegalArgumentException x) {
          throw new BadAt(item.pos(), x.getMessage());
        }
      }
      return names;
    }

    private static int workers(YNode v) {
      if (v instanceof YNode.YScalar s && s.value() instanceof Long l && l >= 1 && l <= 64) {
        return l.intValue();
      }
      throw new IllegalArgumentException("must be an integer from 1 to 64");
    }

    private static String logLevel(YNode v) {
      String t = text(v).toLowerCase(java.util.Locale.ROOT);
      if (!List.of("error", "warn", "info", "debug", "trace").contains(t)) {
        throw new IllegalArgumentException(
            "must be one of error, warn, info, debug, trace, not `" + t + "`");
      }
      return t;
    }

    private static Config.Schedule schedule(YNode v) {
      String t = text(v);
      if (t.strip().matches("[0-9]+(ms|s|m|h)")) {
        Duration d = Sizes.parseDuration(t);
        if (d.toMillis() < 1000) {
          throw new IllegalArgumentException("an interval must be at least 1s");
        }
        return Config.Schedule.every(d);
      }
      return new Config.Schedule(Optional.empty(), Optional.of(cron(t)));
    }

    /** Quartz's own parser decides; its message says which field is wrong. */
    static String cron(String t) {
      String[] fields = t.strip().split("\\s+");
      if (fields.length < 6 || fields.length > 7) {
        throw new IllegalArgumentException(
            "`"
                + t
                + "` is neither an interval (30s, 5m) nor a Quartz cron expression (6 or 7 fields, e.g. `0 0/5 * * * ?`)");
      }
      try {
        org.quartz.CronExpression.validateExpression(t.strip());
      } catch (java.text.ParseException e) {
        throw new IllegalArgumentException(
            "`" + t.strip() + "` is not a valid Quartz cron expression: " + e.getMessage());
      }
      return t.strip();
    }

    private static Config.MaintenanceWindow window(YNode v) {
      if (!(v instanceof YNode.YMap m)) {
        throw new IllegalArgumentException("must be a map {cron: \"<Quartz cron>\", duration: 2h}");
      }
      String cron = null;
      Duration duration = null;
      for (YNode.Entry e : m.entries()) {
        try {
          switch (e.key()) {
            case "cron" -> cron = cron(text(e.value()));
            case "duration" -> duration = Sizes.parseDuration(text(e.value()));
            default ->
                throw new BadAt(
                    e.keyPos(),
                    "unknown key `"
                        + e.key()
                        + "` (cron, duration)"
                        + DidYouMean.hint(e.key(), List.of("cron", "duration")));
          }
        } catch (BadAt b) {
          throw b;
        } catch (IllegalArgumentException x) {
          throw new BadAt(e.value().pos(), "`" + e.key() + "`: " + x.getMessage());
        }
      }
      if (cron == null || duration == null) {
        throw new IllegalArgumentException("needs both `cron` and `duration`");
      }
      return new Config.MaintenanceWindow(cron, duration);
    }
  }
}
