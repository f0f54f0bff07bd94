package io.virtd.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtd.core.manifest.Pos;
import io.virtd.core.manifest.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code virtd.yaml}: every key has a default (so an empty file is valid), each key is read, and an
 * unknown key or a bad value is an error at its line and column.
 *
 * <p>Each one-key file below is written as {@code # virtd.yaml} on line 1 and {@code KEY: VALUE} on
 * line 2, so VALUE starts at column len(KEY) + 3; the columns in {@link #invalid()} were counted by
 * hand from that layout.
 */
class ConfigLoaderTest {
  @TempDir Path dir;

  private ConfigLoader.Result load(String text) throws Exception {
    Path f = dir.resolve("virtd.yaml");
    Files.writeString(f, text);
    return ConfigLoader.load(f, false);
  }

  private static Problem only(ConfigLoader.Result r) {
    assertEquals(1, r.problems().size(), () -> "expected one problem: " + r.problems());
    return r.problems().get(0);
  }

  private static void assertError(Problem p, int line, int col, String text) {
    assertTrue(p.isError(), p::toString);
    assertEquals(new Pos(line, col), p.pos(), () -> "wrong location: " + p);
    assertTrue(p.message().contains(text), () -> "message lacks `" + text + "`: " + p);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "# nothing set: every default\n", "---\n", "\n\n"})
  void emptyFileIsValidWithDefaults(String text) throws Exception {
    ConfigLoader.Result r = load(text);
    assertTrue(r.ok());
    assertEquals(List.of(), r.problems());
    assertEquals(Config.defaults(), r.config());
  }

  @Test
  void theDefaults() {
    Config d = Config.defaults();
    assertEquals(Path.of("/etc/virtd/manifests"), d.manifests());
    assertEquals("qemu:///system", d.connect());
    assertEquals("xen:///system", d.connectXen());
    assertFalse(d.owner().isBlank());
    assertEquals(Optional.of(Duration.ofSeconds(60)), d.schedule().interval());
    assertEquals(Optional.empty(), d.maintenanceWindow());
    assertEquals(4, d.workers());
    assertFalse(d.prune());
    assertEquals("info", d.logLevel());
  }

  @Test
  void aMissingFileMayBeAllowed() {
    Path missing = dir.resolve("none.yaml");
    ConfigLoader.Result allowed = ConfigLoader.load(missing, true);
    assertTrue(allowed.ok());
    assertEquals(Config.defaults(), allowed.config());
    ConfigLoader.Result refused = ConfigLoader.load(missing, false);
    assertFalse(refused.ok());
    assertEquals(missing + ":1:1: no such file", only(refused).toString());
  }

  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of(
            "manifests",
            "/srv/virtd/manifests",
            (Function<Config, Object>) Config::manifests,
            Path.of("/srv/virtd/manifests")),
        Arguments.of(
            "connect",
            "qemu+ssh://kvm1/system",
            (Function<Config, Object>) Config::connect,
            "qemu+ssh://kvm1/system"),
        Arguments.of(
            "connect_xen",
            "xen+ssh://xen1/system",
            (Function<Config, Object>) Config::connectXen,
            "xen+ssh://xen1/system"),
        Arguments.of(
            "owner",
            "kvm1.example.com",
            (Function<Config, Object>) Config::owner,
            "kvm1.example.com"),
        Arguments.of(
            "schedule",
            "30s",
            (Function<Config, Object>) Config::schedule,
            Config.Schedule.every(Duration.ofSeconds(30))),
        Arguments.of(
            "schedule",
            "\"0 0/5 * * * ?\"",
            (Function<Config, Object>) Config::schedule,
            new Config.Schedule(Optional.empty(), Optional.of("0 0/5 * * * ?"))),
        Arguments.of(
            "maintenance_window",
            "{cron: \"0 0 2 * * ?\", duration: 2h}",
            (Function<Config, Object>) Config::maintenanceWindow,
            Optional.of(new Config.MaintenanceWindow("0 0 2 * * ?", Duration.ofHours(2)))),
        Arguments.of("workers", "8", (Function<Config, Object>) Config::workers, 8),
        Arguments.of(
            "socket",
            "/run/virtd/other.sock",
            (Function<Config, Object>) Config::socket,
            Path.of("/run/virtd/other.sock")),
        Arguments.of("prune", "true", (Function<Config, Object>) Config::prune, true),
        Arguments.of(
            "prune_grace",
            "10m",
            (Function<Config, Object>) Config::pruneGrace,
            Duration.ofMinutes(10)),
        Arguments.of("log_level", "debug", (Function<Config, Object>) Config::logLevel, "debug"),
        Arguments.of("log_level", "WARN", (Function<Config, Object>) Config::logLevel, "warn"),
        Arguments.of(
            "vzctl",
            "/opt/vz/sbin/vzctl",
            (Function<Config, Object>) Config::vzctl,
            Path.of("/opt/vz/sbin/vzctl")),
        Arguments.of(
            "vzlist",
            "/opt/vz/sbin/vzlist",
            (Function<Config, Object>) Config::vzlist,
            Path.of("/opt/vz/sbin/vzlist")),
        Arguments.of(
            "vz_conf_dir",
            "/etc/vz/conf.d",
            (Function<Config, Object>) Config::vzConfDir,
            Path.of("/etc/vz/conf.d")),
        Arguments.of(
            "storage_dir",
            "/tank/images",
            (Function<Config, Object>) Config::storageDir,
            Path.of("/tank/images")),
        Arguments.of(
            "lock_dir",
            "/var/lock/virtd",
            (Function<Config, Object>) Config::lockDir,
            Path.of("/var/lock/virtd")),
        Arguments.of(
            "former_owners",
            "[hv-old, \"hv-old.example.org\"]",
            (Function<Config, Object>) Config::formerOwners,
            List.of("hv-old", "hv-old.example.org")),
        Arguments.of(
            "former_owners",
            "hv-old",
            (Function<Config, Object>) Config::formerOwners,
            List.of("hv-old")),
        Arguments.of(
            "http",
            "{listen: off}",
            (Function<Config, Object>) c -> c.http().listen(),
            Optional.empty()),
        Arguments.of("host", "hv01", (Function<Config, Object>) Config::host, "hv01"),
        Arguments.of(
            "store",
            "{etcd: {endpoints: [\"http://10.0.0.1:2379\", \"http://10.0.0.2:2379\"], prefix: /fleet}}",
            (Function<Config, Object>) Config::store,
            Optional.of(
                new Config.Store(
                    List.of("http://10.0.0.1:2379", "http://10.0.0.2:2379"),
                    "/fleet",
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty()))));
  }

  @Test
  void withAStoreTheOwnerIsTheFleetHostUnlessSet() throws Exception {
    String store = "store: {etcd: {endpoints: [\"https://10.0.0.1:2379\"]}}\n";
    Config fleet = load("host: hv07\n" + store).config();
    assertEquals("hv07", fleet.owner());
    assertEquals("/virtd", fleet.store().orElseThrow().prefix());
    assertEquals("kvm-a", load("host: hv07\nowner: kvm-a\n" + store).config().owner());
    assertEquals(Config.defaults().owner(), load("host: hv07\n").config().owner());
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("valid")
  void eachKeyIsRead(String key, String value, Function<Config, Object> get, Object expected)
      throws Exception {
    ConfigLoader.Result r = load("# virtd.yaml\n" + key + ": " + value + "\n");
    assertEquals(List.of(), r.problems());
    assertEquals(expected, get.apply(r.config()));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(
            "manifests",
            "etc/virtd/manifests",
            2,
            12,
            "`manifests`: must be an absolute path, not `etc/virtd/manifests`"),
        Arguments.of(
            "connect",
            "[qemu:///system]",
            2,
            10,
            "`connect`: must be a non-empty string, not a list"),
        Arguments.of(
            "connect_xen",
            "true",
            2,
            14,
            "`connect_xen`: must be a non-empty string, not a boolean"),
        Arguments.of("owner", "\"kvm 1\"", 2, 8, "`owner`: must be 1-128 of A-Z a-z 0-9 _ . @ : -"),
        Arguments.of(
            "schedule",
            "\"every minute\"",
            2,
            11,
            "`schedule`: `every minute` is neither an interval (30s, 5m) nor a Quartz cron expression"),
        Arguments.of("schedule", "500ms", 2, 11, "`schedule`: an interval must be at least 1s"),
        Arguments.of(
            "schedule",
            "\"0 0 25 * * ?\"",
            2,
            11,
            "`schedule`: `0 0 25 * * ?` is not a valid Quartz cron expression"),
        Arguments.of(
            "schedule",
            "\"0 0 2 * * *\"",
            2,
            11,
            "`schedule`: `0 0 2 * * *` is not a valid Quartz cron expression"),
        Arguments.of(
            "maintenance_window",
            "nightly",
            2,
            21,
            "`maintenance_window`: must be a map {cron: \"<Quartz cron>\", duration: 2h}"),
        Arguments.of(
            "maintenance_window",
            "{cron: \"0 0 2 * * ?\"}",
            2,
            21,
            "`maintenance_window`: needs both `cron` and `duration`"),
        Arguments.of(
            "maintenance_window",
            "{cron: \"0 0 2 * * ?\", durration: 2h}",
            2,
            43,
            "`maintenance_window`: unknown key `durration` (cron, duration); did you mean `duration`?"),
        Arguments.of(
            "maintenance_window",
            "\n  cron: \"0 0 2 * * ?\"\n  duration: 2d\n",
            4,
            13,
            "`maintenance_window`: `duration`: `2d` is not a duration"),
        Arguments.of(
            "maintenance_window",
            "\n  cron: \"every night\"\n  duration: 2h\n",
            3,
            9,
            "`maintenance_window`: `cron`: `every night` is neither an interval"),
        Arguments.of("workers", "0", 2, 10, "`workers`: must be an integer from 1 to 64"),
        Arguments.of("workers", "many", 2, 10, "`workers`: must be an integer from 1 to 64"),
        Arguments.of(
            "socket",
            "run/virtd.sock",
            2,
            9,
            "`socket`: must be an absolute path, not `run/virtd.sock`"),
        Arguments.of("prune", "\"yes\"", 2, 8, "`prune`: must be true or false, not a string"),
        Arguments.of("prune_grace", "10", 2, 14, "`prune_grace`: `10` is not a duration"),
        Arguments.of(
            "log_level",
            "verbose",
            2,
            12,
            "`log_level`: must be one of error, warn, info, debug, trace, not `verbose`"),
        Arguments.of("vzctl", "vzctl", 2, 8, "`vzctl`: must be an absolute path, not `vzctl`"),
        Arguments.of("vzlist", "\"\"", 2, 9, "`vzlist`: must be a non-empty string"),
        Arguments.of(
            "vz_conf_dir", "conf", 2, 14, "`vz_conf_dir`: must be an absolute path, not `conf`"),
        Arguments.of(
            "storage_dir",
            "images",
            2,
            14,
            "`storage_dir`: must be an absolute path, not `images`"),
        Arguments.of(
            "lock_dir", "{a: b}", 2, 11, "`lock_dir`: must be a non-empty string, not a map"),
        Arguments.of(
            "former_owners",
            "[hv-old, \"hv 2\"]",
            2,
            25,
            "`former_owners`: must be 1-128 of A-Z a-z 0-9 _ . @ : -"),
        Arguments.of(
            "former_owners",
            "{hv-old: 1}",
            2,
            16,
            "`former_owners`: must be a list of owner names, not a map"),
        Arguments.of(
            "http",
            "{listen: 0.0.0.0:9477}",
            2,
            8,
            "`http`: `listen: 0.0.0.0:9477` is reachable from other hosts: set `token_file` too"),
        Arguments.of(
            "host", "\"hv 01\"", 2, 7, "`host`: must be 1-63 of A-Z a-z 0-9 _ . - (a host name"),
        Arguments.of(
            "store",
            "{etcd: {endpoints: [\"10.0.0.1:2379\"]}}",
            2,
            28,
            "`store`: `endpoints`: must be http://HOST:PORT or https://HOST:PORT, not `10.0.0.1:2379`"),
        Arguments.of(
            "store",
            "{etdc: {endpoints: [\"http://10.0.0.1:2379\"]}}",
            2,
            9,
            "`store`: unknown store `etdc` (etcd is the one store); did you mean `etcd`?"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("invalid")
  void eachKeysBadValueIsAnErrorAtTheValue(
      String key, String value, int line, int col, String message) throws Exception {
    ConfigLoader.Result r = load("# virtd.yaml\n" + key + ": " + value + "\n");
    assertFalse(r.ok());
    assertError(only(r), line, col, message);
    assertEquals(
        Config.defaults(), r.config(), "on any error the configuration is only the defaults");
  }

  @Test
  void everyKeyIsInBothTables() {
    Set<String> keys = new TreeSet<>(ConfigLoader.KEYS);
    assertEquals(
        keys, valid().map(a -> (String) a.get()[0]).collect(Collectors.toCollection(TreeSet::new)));
    assertEquals(
        keys,
        invalid().map(a -> (String) a.get()[0]).collect(Collectors.toCollection(TreeSet::new)));
  }

  @Test
  void allKeysTogether() throws Exception {
    ConfigLoader.Result r =
        load(
            "manifests: /srv/m\nconnect: test:///default\nconnect_xen: xen:///system\nowner: host-a\n"
                + "schedule: 5m\nmaintenance_window:\n  cron: \"0 0 2 ? * SUN\"\n  duration: 3h\nworkers: 2\n"
                + "socket: /run/v.sock\nprune: true\nprune_grace: 1h\nlog_level: trace\nvzctl: /usr/sbin/vzctl\n"
                + "vzlist: /usr/sbin/vzlist\nvz_conf_dir: /etc/vz/conf\nstorage_dir: /srv/images\nlock_dir: /run/l\n");
    assertEquals(List.of(), r.problems());
    Config c = r.config();
    assertEquals(Path.of("/srv/m"), c.manifests());
    assertEquals("test:///default", c.connect());
    assertEquals("host-a", c.owner());
    assertEquals(Optional.of(Duration.ofMinutes(5)), c.schedule().interval());
    assertEquals(
        new Config.MaintenanceWindow("0 0 2 ? * SUN", Duration.ofHours(3)),
        c.maintenanceWindow().orElseThrow());
    assertEquals(2, c.workers());
    assertTrue(c.prune());
    assertEquals(Duration.ofHours(1), c.pruneGrace());
    assertEquals("trace", c.logLevel());
    assertEquals(Path.of("/run/l"), c.lockDir());
  }

  @Test
  void unknownKeyIsAnErrorWithDidYouMeanAtTheKey() throws Exception {
    Path f = dir.resolve("virtd.yaml");
    ConfigLoader.Result r =
        load("# virtd.yaml\nworkers: 2\n  # indented comment\nmanfests: /srv/manifests\n");
    Problem p = only(r);
    assertError(p, 4, 1, "unknown configuration key `manfests`; did you mean `manifests`?");
    assertEquals(
        f + ":4:1: unknown configuration key `manfests`; did you mean `manifests`?", p.toString());
    assertEquals(Config.defaults(), r.config());
  }

  @Test
  void unknownKeyWithoutANearMissHasNoSuggestion() throws Exception {
    Problem p = only(load("workers: 2\nflux_capacitor: on\n"));
    assertError(p, 2, 1, "unknown configuration key `flux_capacitor`");
    assertFalse(p.message().contains("did you mean"), p::toString);
  }

  @Test
  void everyBadKeyIsReported() throws Exception {
    ConfigLoader.Result r = load("workers: 0\nconect: qemu:///system\nlog_level: loud\n");
    assertEquals(3, r.problems().size(), r.problems()::toString);
    assertError(r.problems().get(0), 1, 10, "`workers`");
    assertError(r.problems().get(1), 2, 1, "did you mean `connect`?");
    assertError(r.problems().get(2), 3, 12, "`log_level`");
  }

  @Test
  void notAMapIsAnError() throws Exception {
    assertError(only(load("- workers: 2\n")), 1, 1, "the configuration must be a map of keys");
  }

  @Test
  void twoDocumentsAreAnError() throws Exception {
    ConfigLoader.Result r = load("workers: 2\n---\nworkers: 3\n");
    assertFalse(r.ok());
    assertError(r.problems().get(0), 3, 1, "the configuration is one YAML document");
  }

  @Test
  void syntaxErrorIsAnErrorWithItsLocation() throws Exception {
    ConfigLoader.Result r = load("workers: 2\n  socket: /run/x\n");
    assertError(only(r), 2, 9, "YAML syntax error: mapping values are not allowed here");
    assertEquals(Config.defaults(), r.config());
  }

  @Test
  void duplicateKeyIsAnError() throws Exception {
    assertError(
        only(load("workers: 2\nlog_level: info\nworkers: 3\n")),
        3,
        1,
        "duplicate key `workers` (first set at line 1)");
  }

  @Test
  void valuesAreReadAsWritten() throws Exception {
    assertEquals("1.10", load("owner: 1.10\n").config().owner());
  }
}
