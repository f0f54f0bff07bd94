package io.virtd.openvz.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests of the vzctl/vzlist simulator in {@code src/test/sim} (the fixture the OpenVZ driver will
 * be tested against). Expected messages and exit codes come from vzctl 4.11.1's sources; see {@code
 * src/test/sim/README.md}.
 */
class VzSimulatorTest {

  /** The simulator scripts; the module directory is the working directory under Maven. */
  private static final Path SIM =
      Files.isDirectory(Path.of("src", "test", "sim"))
          ? Path.of("src", "test", "sim").toAbsolutePath()
          : Path.of("openvz-driver", "src", "test", "sim").toAbsolutePath();

  @TempDir Path tmp;

  private Path root;

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void needPython() {
    boolean ok;
    try {
      ok =
          Commands.run(List.of("/usr/bin/python3", "--version"), Duration.ofSeconds(20)).exit()
              == 0;
    } catch (IOException | InterruptedException | IllegalStateException e) { // ISE: timed out
      ok = false;
    }
    assumeTrue(ok, "/usr/bin/python3 is needed to run the vzctl/vzlist simulator");
  }

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(tmp.resolve("vz"));
  }

  // ------------------------------------------------------------------ helpers

  private Result run(Map<String, String> extraEnv, String prog, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(SIM.resolve(prog).toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("VZSIM_"));
    pb.environment().put("VZSIM_ROOT", root.toString());
    pb.environment().putAll(extraEnv);
    Commands.Result r = Commands.run(pb, Duration.ofSeconds(60)); // stdout and stderr apart
    return new Result(r.exit(), r.out(), r.err());
  }

  private Result vzctl(String... args) throws Exception {
    return run(Map.of(), "vzctl", args);
  }

  private Result vzlist(String... args) throws Exception {
    return run(Map.of(), "vzlist", args);
  }

  private String conf(int ctid) throws IOException {
    return Files.readString(root.resolve("conf").resolve(ctid + ".conf"));
  }

  private List<String> confLines(int ctid) throws IOException {
    return Files.readAllLines(root.resolve("conf").resolve(ctid + ".conf"));
  }

  private String lastCall() throws IOException {
    List<String> l = Files.readAllLines(root.resolve("calls.log"));
    return l.get(l.size() - 1);
  }

  private static String lines(String... l) {
    return Arrays.stream(l).map(s -> s + "\n").collect(Collectors.joining());
  }

  private void assertResult(Result r, int exit, String out, String err) {
    assertEquals(out, r.out(), "stdout");
    assertEquals(err, r.err(), "stderr");
    assertEquals(exit, r.exit(), "exit code");
  }

  private void create(int ctid, String... extra) throws Exception {
    List<String> a = new ArrayList<>(List.of("create", String.valueOf(ctid)));
    a.addAll(List.of(extra));
    Result r = vzctl(a.toArray(String[]::new));
    assertEquals(0, r.exit(), r.err());
  }

  private void start(int ctid) throws Exception {
    Result r = vzctl("start", String.valueOf(ctid));
    assertEquals(0, r.exit(), r.err());
  }

  // ------------------------------------------------------------------ vzctl create

  @Test
  void createWritesConfigFromSampleAndLogsArgv() throws Exception {
    Result r =
        vzctl(
            "create",
            "101",
            "--ostemplate",
            "centos-6-x86",
            "--hostname",
            "web.example.com",
            "--ipadd",
            "10.0.0.1",
            "--ipadd",
            "10.0.0.2/24",
            "--name",
            "web01",
            "--diskspace",
            "10G:11G");
    // src/lib/config.c:set_name(), src/lib/create.c:fs_create()/vps_create()
    assertResult(
        r,
        0,
        lines(
            "Name web01 assigned",
            "Creating container private area (centos-6-x86)",
            "Performing postcreate actions",
            "CT configuration saved to " + root + "/conf/101.conf",
            "Container private area was created"),
        "");
    List<String> c = confLines(101);
    // the sample (CONFIGFILE="vswap-256m") is copied, then keys are replaced in place or appended
    assertTrue(c.get(0).startsWith("#"), c.toString());
    assertTrue(c.contains("PHYSPAGES=\"0:256M\""), c.toString());
    assertTrue(c.contains("DISKSPACE=\"10485760:11534336\""), c.toString());
    int ip = c.indexOf("IP_ADDRESS=\"10.0.0.1 10.0.0.2/24\"");
    int host = c.indexOf("HOSTNAME=\"web.example.com\"");
    int veRoot = c.indexOf("VE_ROOT=\"" + root + "/root/$VEID\"");
    int vePriv = c.indexOf("VE_PRIVATE=\"" + root + "/private/$VEID\"");
    int layout = c.indexOf("VE_LAYOUT=\"simfs\"");
    int tmpl = c.indexOf("OSTEMPLATE=\"centos-6-x86\"");
    int origin = c.indexOf("ORIGIN_SAMPLE=\"vswap-256m\"");
    int name = c.indexOf("NAME=\"web01\"");
    assertTrue(
        ip > 0
            && ip < host
            && host < veRoot
            && veRoot < vePriv
            && vePriv < layout
            && layout < tmpl
            && tmpl < origin
            && origin < name,
        c.toString());
    assertTrue(Files.isSymbolicLink(root.resolve("names/web01")));
    assertTrue(Files.isDirectory(root.resolve("private/101")));
    assertEquals(
        "[\"vzctl\", \"create\", \"101\", \"--ostemplate\", \"centos-6-x86\", \"--hostname\", "
            + "\"web.example.com\", \"--ipadd\", \"10.0.0.1\", \"--ipadd\", \"10.0.0.2/24\", \"--name\", "
            + "\"web01\", \"--diskspace\", \"10G:11G\"]",
        lastCall());
  }

  @Test
  void createErrors() throws Exception {
    create(101);
    // existing private area -> 44 (src/lib/create.c: "Private area already exists in %s")
    Result r = vzctl("create", "101");
    assertResult(
        r,
        44,
        lines(
            "Warning: CT config file already exists, not applying a default config sample.",
            "It might lead to incomplete CT configuration, you can use --applyconfig to fix."),
        lines(
            "Private area already exists in " + root + "/private/101",
            "Creation of container private area failed"));
    // a template not in the cache -> 91, not 29 (src/lib/create.c:fs_create)
    r = vzctl("create", "102", "--ostemplate", "debian-99");
    assertResult(
        r,
        91,
        "",
        lines(
            "Cached OS template " + root + "/template/cache/debian-99.tar[.gz|.bz2|.xz] not found",
            "Creation of container private area failed"));
    assertFalse(Files.exists(root.resolve("conf/102.conf")), "sample copy removed on failure");
    // templates file lists the cached templates
    Files.writeString(root.resolve("templates"), "centos-6-x86\ndebian-99\n");
    create(102, "--ostemplate", "debian-99");
    assertTrue(conf(102).contains("OSTEMPLATE=\"debian-99\"\n"));
    // unknown sample config -> 82
    r = vzctl("create", "103", "--config", "nosuch");
    assertResult(
        r,
        82,
        "",
        lines(
            "Sample config "
                + root
                + "/conf/ve-nosuch.conf-sample not found: No such file or directory",
            "Creation of container private area failed"));
    // no --ostemplate and no DEF_OSTEMPLATE -> 29
    Path vzconf = root.resolve("vz.conf");
    Files.writeString(
        vzconf,
        Files.readAllLines(vzconf).stream()
            .filter(l -> !l.startsWith("DEF_OSTEMPLATE"))
            .map(l -> l + "\n")
            .collect(Collectors.joining()));
    r = vzctl("create", "104");
    assertResult(
        r,
        29,
        "",
        lines("OS template is not specified", "Creation of container private area failed"));
    // a name given instead of a numeric CTID must already exist -> 21
    r = vzctl("create", "newname");
    assertResult(r, 21, "", lines("Bad CT ID newname"));
  }

  // ------------------------------------------------------------------ start / stop / status /
  // destroy

  @Test
  void startStopStatusDestroy() throws Exception {
    create(101, "--ipadd", "10.0.0.1", "--name", "web01");
    assertResult(vzctl("status", "101"), 0, lines("CTID 101 exist unmounted down"), "");
    // by name; src/lib/env.c:vps_start_custom() messages
    Result r = vzctl("start", "web01");
    assertResult(
        r,
        0,
        lines(
            "Starting container...",
            "Container is mounted",
            "Adding IP address(es): 10.0.0.1",
            "Setting CPU units: 1000",
            "Container start in progress..."),
        "");
    assertResult(vzctl("start", "101"), 32, "", lines("Container is already running"));
    assertResult(vzctl("status", "web01"), 0, lines("CTID 101 exist mounted running"), "");
    assertResult(
        vzctl("destroy", "101"), 32, lines("Container is currently running. Stop it first."), "");
    assertResult(
        vzctl("stop", "101"),
        0,
        lines("Stopping container ...", "Container was stopped", "Container is unmounted"),
        "");
    // stopping a stopped CT is not an error (src/lib/env.c:vps_stop())
    assertResult(vzctl("stop", "101"), 0, "", lines("Unable to stop: container is not running"));
    assertResult(
        vzctl("start", "101", "--wait"),
        0,
        lines(
            "Starting container...",
            "Container is mounted",
            "Adding IP address(es): 10.0.0.1",
            "Setting CPU units: 1000",
            "Container start in progress, waiting ...",
            "Container started successfully"),
        "");
    assertResult(
        vzctl("stop", "101", "--fast"),
        0,
        lines("Killing container ...", "Container was stopped", "Container is unmounted"),
        "");
    assertResult(vzctl("mount", "101"), 0, lines("Container is mounted"), "");
    assertResult(vzctl("status", "101"), 0, lines("CTID 101 exist mounted down"), "");
    assertResult(
        vzctl("destroy", "101"), 41, lines("Container is currently mounted (umount first)"), "");
    assertResult(vzctl("umount", "101"), 0, lines("Container is unmounted"), "");
    assertResult(
        vzctl("delete", "101"),
        0,
        lines(
            "Destroying container private area: " + root + "/private/101",
            "Container private area was destroyed"),
        "");
    assertTrue(Files.exists(root.resolve("conf/101.conf.destroyed")));
    assertFalse(Files.exists(root.resolve("names/web01")));
    assertResult(vzctl("status", "101"), 0, lines("CTID 101 deleted unmounted down"), "");
    // status of a CT that never existed still exits 0
    assertResult(vzctl("status", "4242"), 0, lines("CTID 4242 deleted unmounted down"), "");
    // other actions need the config: 14
    assertResult(vzctl("start", "101"), 14, "", lines("Container config file does not exist"));
    assertResult(vzctl("destroy", "101"), 14, "", lines("Container config file does not exist"));
  }

  @Test
  void restartAndMissingPrivateArea() throws Exception {
    create(101);
    assertResult(
        vzctl("restart", "101"),
        0,
        lines(
            "Restarting container",
            "Starting container...",
            "Container is mounted",
            "Setting CPU units: 1000",
            "Container start in progress..."),
        "");
    assertResult(
        vzctl("restart", "101"),
        0,
        lines(
            "Restarting container",
            "Stopping container ...",
            "Container was stopped",
            "Container is unmounted",
            "Starting container...",
            "Container is mounted",
            "Setting CPU units: 1000",
            "Container start in progress..."),
        "");
    vzctl("stop", "101");
    Files.move(root.resolve("private/101"), root.resolve("moved"));
    assertResult(
        vzctl("start", "101"),
        43,
        "",
        lines("Container private area " + root + "/private/101 does not exist"));
  }

  @Test
  void disabledContainerNeedsForce() throws Exception {
    create(101);
    assertResult(
        vzctl("set", "101", "--disabled", "yes", "--save"),
        0,
        lines("CT configuration saved to " + root + "/conf/101.conf"),
        "");
    assertTrue(conf(101).contains("\nDISABLED=\"yes\"\n"));
    assertResult(vzctl("start", "101"), 105, "", lines("Container start disabled"));
    assertEquals(0, vzctl("start", "101", "--force").exit());
    // --force is a start option only (src/vzctl-actions.c:parse_startstop_opt)
    assertResult(
        vzctl("stop", "101", "--force"),
        20,
        "",
        lines("Option --force is not applicable to stop command"));
  }

  @Test
  void ipConflictBetweenRunningContainers() throws Exception {
    create(101, "--ipadd", "10.0.0.1");
    create(102, "--ipadd", "10.0.0.1");
    start(101);
    // src/lib/hooks_vz.c: EADDRINUSE -> VZ_IP_INUSE (78)
    Result r = vzctl("start", "102");
    assertEquals(78, r.exit());
    assertEquals(
        lines(
            "Starting container...",
            "Container is mounted",
            "Adding IP address(es): 10.0.0.1",
            "Killing container ...",
            "Container was stopped",
            "Container is unmounted"),
        r.out());
    assertEquals(
        lines(
            "Unable to add IP 10.0.0.1: Address already in use",
            "Container start failed (try to check kernel messages, e.g. \"dmesg | tail\")"),
        r.err());
    assertResult(vzctl("status", "102"), 0, lines("CTID 102 exist unmounted down"), "");
  }

  // ------------------------------------------------------------------ vzctl set

  @Test
  void setOnStoppedContainer() throws Exception {
    create(101); // vswap sample: PHYSPAGES/SWAPPAGES set
    create(102, "--config", "basic"); // non-vswap sample
    // stopped, no --save: vswap defaults make a UBC change -> 31 (src/vzctl-actions.c:set,
    // src/lib/ub.c)
    assertResult(
        vzctl("set", "101", "--onboot", "yes"),
        31,
        "",
        lines("Unable to apply UBC parameters: container is not running"));
    assertResult(
        vzctl("set", "102", "--cpus", "2"),
        31,
        "",
        lines("Unable to apply CPU parameters: container is not running"));
    assertResult(
        vzctl("set", "102", "--ipadd", "10.1.1.1"),
        31,
        "",
        lines("Unable to apply network parameters: container is not running"));
    // nothing to apply at all -> only the warning, exit 0
    assertResult(
        vzctl("set", "102", "--onboot", "yes"),
        0,
        lines("WARNING: Settings were not saved to config (use --save flag)"),
        "");
    assertResult(
        vzctl("set", "102", "--hostname", "h"),
        0,
        lines(
            "Unable to configure container: not running",
            "WARNING: Settings were not saved to config (use --save flag)"),
        "");
    assertFalse(conf(102).contains("ONBOOT"));
    // with --save only the config is written
    assertResult(
        vzctl("set", "101", "--onboot", "yes", "--save"),
        0,
        lines("CT configuration saved to " + root + "/conf/101.conf"),
        "");
    assertTrue(conf(101).endsWith("ONBOOT=\"yes\"\n"));
    // set on a CT without a config file is allowed (src/vzctl.c:main) and creates it with --save
    assertResult(
        vzctl("set", "150", "--hostname", "x", "--save"),
        0,
        lines("CT configuration saved to " + root + "/conf/150.conf"),
        lines("WARNING: " + root + "/conf/150.conf not found: No such file or directory"));
    assertEquals("HOSTNAME=\"x\"\n", conf(150));
  }

  @Test
  void setKeepsForeignLinesAndReplacesKeysInPlace() throws Exception {
    create(101, "--hostname", "old");
    Path p = root.resolve("conf/101.conf");
    List<String> l = new ArrayList<>(Files.readAllLines(p));
    l.add(0, "#virtd: uuid=0b1c0f5e-7d1e-4b0a-9d43-5f6c3b1f7a10 generation=3");
    l.add("SOMETHING_ELSE=\"kept\"");
    Files.write(p, l);
    int hostIdx = l.indexOf("HOSTNAME=\"old\"");
    assertResult(
        vzctl("set", "101", "--hostname", "new.example", "--cpus", "2", "--save"),
        0,
        lines("CT configuration saved to " + root + "/conf/101.conf"),
        "");
    List<String> after = confLines(101);
    assertEquals("#virtd: uuid=0b1c0f5e-7d1e-4b0a-9d43-5f6c3b1f7a10 generation=3", after.get(0));
    assertEquals("HOSTNAME=\"new.example\"", after.get(hostIdx));
    assertTrue(after.contains("SOMETHING_ELSE=\"kept\""));
    assertEquals("CPUS=\"2\"", after.get(after.size() - 1));
    assertEquals(l.size() + 1, after.size());
  }

  @Test
  void setOptionValuesAsStoredByVzctl() throws Exception {
    create(101);
    Result r =
        vzctl(
            "set",
            "101",
            "--ram",
            "1G",
            "--swap",
            "512M",
            "--kmemsize",
            "14372700:14790164",
            "--numproc",
            "240",
            "--diskspace",
            "2G:2.2G",
            "--diskinodes",
            "200000",
            "--quotatime",
            "600",
            "--cpuunits",
            "2000",
            "--cpulimit",
            "50%",
            "--ioprio",
            "6",
            "--features",
            "nfs:on,sysfs:off",
            "--capability",
            "net_admin:on",
            "--devices",
            "c:10:200:rw",
            "--iptables",
            "ipt_REJECT",
            "--netfilter",
            "stateful",
            "--description",
            "a web server",
            "--nameserver",
            "8.8.8.8",
            "--nameserver",
            "1.1.1.1",
            "--searchdomain",
            "example.com",
            "--save");
    assertResult(r, 0, lines("CT configuration saved to " + root + "/conf/101.conf"), "");
    String c = conf(101);
    // src/lib/config.c:parse_vswap(): bytes -> pages (4096), barrier 0
    assertTrue(c.contains("\nPHYSPAGES=\"0:262144\"\n"), c);
    assertTrue(c.contains("\nSWAPPAGES=\"0:131072\"\n"), c);
    assertTrue(c.contains("\nKMEMSIZE=\"14372700:14790164\"\n"), c);
    assertTrue(c.contains("\nNUMPROC=\"240\"\n"), c); // util.c:ubcstr(): one value if b == l
    assertTrue(c.contains("\nDISKSPACE=\"2097152:2306867\"\n"), c); // K units, divisor 1024
    assertTrue(c.contains("\nDISKINODES=\"200000:200000\"\n"), c);
    assertTrue(c.contains("\nQUOTATIME=\"600\"\n"), c);
    assertTrue(c.contains("\nCPUUNITS=\"2000\"\n"), c);
    assertTrue(c.contains("\nCPULIMIT=\"200\"\n"), c); // 50% x 4 host CPUs
    assertTrue(c.contains("\nIOPRIO=\"6\"\n"), c);
    assertTrue(c.contains("\nFEATURES=\"sysfs:off nfs:on\"\n"), c);
    assertTrue(c.contains("\nCAPABILITY=\"NET_ADMIN:on\"\n"), c);
    assertTrue(c.contains("\nDEVICES=\"c:10:200:rw \"\n"), c);
    assertTrue(c.contains("\nIPTABLES=\"ip_tables ipt_REJECT \"\n"), c);
    assertTrue(c.contains("\nNETFILTER=\"stateful\"\n"), c);
    assertTrue(c.contains("\nDESCRIPTION=\"a web server\"\n"), c);
    assertTrue(c.contains("\nNAMESERVER=\"8.8.8.8 1.1.1.1\"\n"), c);
    assertTrue(c.contains("\nSEARCHDOMAIN=\"example.com\"\n"), c);
    // each call replaces the nameserver list
    vzctl("set", "101", "--nameserver", "9.9.9.9", "--save");
    assertTrue(conf(101).contains("\nNAMESERVER=\"9.9.9.9\"\n"));
    // features merge with the old mask
    vzctl("set", "101", "--features", "ppp:on", "--save");
    assertTrue(conf(101).contains("\nFEATURES=\"sysfs:off nfs:on ppp:on\"\n"));
    // --ipadd is incremental, --ipdel removes, --ipdel all clears
    vzctl("set", "101", "--ipadd", "10.0.0.1", "--ipadd", "10.0.0.2", "--save");
    vzctl("set", "101", "--ipdel", "10.0.0.1", "--ipadd", "10.0.0.3", "--save");
    assertTrue(conf(101).contains("\nIP_ADDRESS=\"10.0.0.2 10.0.0.3\"\n"));
    vzctl("set", "101", "--ipdel", "all", "--save");
    assertTrue(conf(101).contains("\nIP_ADDRESS=\"\"\n"));
  }

  @Test
  void setValidationErrors() throws Exception {
    create(101);
    // unknown option of set: getopt message, exit 21 (src/vzctl-actions.c:parse_opt: '?' -> 21)
    Result r = vzctl("set", "101", "--bogus", "1", "--save");
    assertEquals(21, r.exit());
    assertEquals(SIM.resolve("vzctl") + ": unrecognized option '--bogus'\n", r.err());
    assertResult(
        vzctl("set", "101", "--cpuunits", "5", "--save"),
        21,
        "",
        lines("Bad parameter for --cpuunits: 5"));
    assertResult(
        vzctl("set", "101", "--onboot", "maybe", "--save"),
        21,
        "",
        lines("Bad parameter for --onboot: maybe"));
    assertResult(
        vzctl("set", "101", "--ipadd", "10.0.0.300", "--save"),
        21,
        "",
        lines("Bad parameter for --ipadd: 10.0.0.300"));
    assertResult(
        vzctl("set", "101", "--ioprio", "8", "--save"),
        21,
        "",
        lines("Bad parameter for --ioprio: 8"));
    assertResult(
        vzctl("set", "101", "--features", "bogus:on", "--save"),
        21,
        lines("Warning: Unknown feature: bogus:on"),
        lines("Bad parameter for --features: bogus:on"));
    assertResult(
        vzctl("set", "101", "--capability", "foo:on", "--save"),
        21,
        "",
        lines("Capability foo is unknown", "Bad parameter for --capability: foo:on"));
    assertResult(
        vzctl("set", "101", "--netfilter", "none", "--save"),
        21,
        "",
        lines("Incorrect netfilter value: none", "Bad parameter for --netfilter: none"));
    assertResult(
        vzctl("set", "101", "--hostname", "a", "extra", "--save"),
        20,
        "",
        lines("Invalid extra arguments: extra "));
    assertResult(
        vzctl("set", "101", "--name", "x"),
        131,
        "",
        lines("Error: unable to use --name option without --save"));
    assertResult(
        vzctl("set", "101", "--setmode", "restart", "--cpus", "1"),
        20,
        "",
        lines("Error: --setmode restart doesn't make sense without --save flag"));
    // --ram on a config without SWAPPAGES (basic sample) -> 28
    create(102, "--config", "basic");
    assertResult(
        vzctl("set", "102", "--ram", "1G", "--save"),
        28,
        "",
        lines(
            "Error: required UB parameter (swap) not set",
            "Error: failed to apply some parameters, not saving configuration file!"));
  }

  @Test
  void setOnRunningContainer() throws Exception {
    create(101, "--ipadd", "10.0.0.1");
    start(101);
    // live only: applied, then a warning (src/vzctl-actions.c:vps_set)
    assertResult(
        vzctl("set", "101", "--cpus", "2", "--ipadd", "10.0.0.2"),
        0,
        lines(
            "UB limits were set successfully",
            "Adding IP address(es): 10.0.0.2",
            "Setting CPUs: 2",
            "WARNING: Settings were not saved to config and will be lost after CT restart (use --save flag)"),
        "");
    assertFalse(conf(101).contains("CPUS="));
    assertResult(
        vzlist("-H", "-o", "ctid,cpus,ip", "-t"),
        0,
        lines("       101     2 10.0.0.1 10.0.0.2"),
        "");
    // restart-only option without --setmode: warn, apply the rest, save, exit 0
    assertResult(
        vzctl(
            "set",
            "101",
            "--capability",
            "net_admin:on",
            "--features",
            "nfs:on",
            "--cpuunits",
            "3000",
            "--save"),
        0,
        lines(
            "UB limits were set successfully",
            "Setting CPU units: 3000",
            "CT configuration saved to " + root + "/conf/101.conf"),
        lines(
            "Unable to set capability on a running container",
            "Unable to set features on a running container",
            "WARNING: Some of the parameters could not be applied to a running container.",
            "\tPlease consider using --setmode option"));
    assertTrue(conf(101).contains("\nCAPABILITY=\"NET_ADMIN:on\"\n"));
    // --setmode ignore: 32, nothing saved
    assertResult(
        vzctl("set", "101", "--netfilter", "full", "--setmode", "ignore", "--save"),
        32,
        "",
        lines(
            "Unable to set iptables/netfilter on a running container",
            "Error: failed to apply some parameters, not saving configuration file!"));
    assertFalse(conf(101).contains("NETFILTER=\"full\""));
    // --setmode restart --save: restarts and saves
    assertResult(
        vzctl("set", "101", "--netfilter", "full", "--setmode", "restart", "--save"),
        0,
        lines(
            "Restarting container",
            "Stopping container ...",
            "Container was stopped",
            "Container is unmounted",
            "Starting container...",
            "Container is mounted",
            "Adding IP address(es): 10.0.0.1",
            "Setting CPU units: 3000",
            "Container start in progress...",
            "CT configuration saved to " + root + "/conf/101.conf"),
        "");
    assertTrue(conf(101).contains("\nNETFILTER=\"full\"\n"));
    // turning quotaugidlimit on needs a restart too
    Result r = vzctl("set", "101", "--quotaugidlimit", "100", "--save");
    assertEquals(0, r.exit());
    assertTrue(
        r.err().startsWith("Unable to turn on second-level disk quota on a running container\n"),
        r.err());
    assertTrue(conf(101).contains("\nQUOTAUGIDLIMIT=\"100\"\n"));
    // VE_PRIVATE cannot change on a running CT
    assertResult(
        vzctl("set", "101", "--private", "/x/$VEID", "--save"),
        32,
        "",
        lines(
            "Unable to change VE_PRIVATE on a running container",
            "Error: failed to apply some parameters, not saving configuration file!"));
  }

  @Test
  void userPasswordIsNeverPrintedNorStoredInClear() throws Exception {
    create(101);
    start(101);
    Result r = vzctl("set", "101", "--userpasswd", "root:S3cr3t!");
    assertResult(r, 0, lines("UB limits were set successfully"), "");
    String shadow = Files.readString(root.resolve("private/101/etc/vzsim-passwd"));
    assertTrue(shadow.startsWith("root:"));
    assertFalse(shadow.contains("S3cr3t!"));
    assertFalse(conf(101).contains("S3cr3t!"));
    // user without password: set_userpass.sh fails -> 74
    assertResult(
        vzctl("set", "101", "--userpasswd", "root"), 74, lines("Password change failed"), "");
    // stopped CT: started for the change and stopped again (man vzctl.8 --userpasswd)
    vzctl("stop", "101");
    assertResult(
        vzctl("set", "101", "--userpasswd", "admin:pw", "--save"),
        0,
        lines(
            "Starting container...",
            "Container is mounted",
            "Container start in progress...",
            "Killing container ...",
            "Container was stopped",
            "Container is unmounted",
            "CT configuration saved to " + root + "/conf/101.conf"),
        "");
    assertTrue(Files.readString(root.resolve("private/101/etc/vzsim-passwd")).contains("admin:"));
  }

  // ------------------------------------------------------------------ vzctl generic errors

  @Test
  void genericErrorsAndLocking() throws Exception {
    create(101, "--name", "web01");
    assertResult(vzctl("foo", "101"), 20, "", lines("Bad command: foo"));
    assertEquals(20, vzctl().exit());
    assertResult(vzctl("start"), 21, "", lines("CT ID missing"));
    assertResult(vzctl("start", "nosuch"), 21, "", lines("Bad CT ID nosuch"));
    assertResult(vzctl("start", "-1"), 21, "", lines("Bad CT ID -1"));
    assertResult(vzctl("start", "2147483645"), 21, "", lines("Bad CT ID 2147483645"));
    assertResult(
        vzctl("start", "101", "--bogus"),
        20,
        "",
        SIM.resolve("vzctl") + ": unrecognized option '--bogus'\n");
    assertResult(vzctl("status", "101", "x"), 20, "", lines("Invalid options: x "));
    // locked CT: every action but status fails with 9 (src/vzctl-actions.c:run_action)
    Map<String, String> locked = Map.of("VZSIM_LOCKED", "101");
    assertResult(run(locked, "vzctl", "start", "101"), 9, "", lines("Container already locked"));
    assertResult(
        run(locked, "vzctl", "set", "web01", "--cpus", "1", "--save"),
        9,
        "",
        lines("Container already locked"));
    assertResult(
        run(locked, "vzctl", "status", "101"), 0, lines("CTID 101 exist unmounted down"), "");
    // config missing is reported before the lock
    assertResult(
        run(Map.of("VZSIM_LOCKED", "555"), "vzctl", "stop", "555"),
        14,
        "",
        lines("Container config file does not exist"));
    // --quiet silences logger() output but not the exit code
    assertResult(vzctl("--quiet", "start", "101", "--force"), 0, "", "");
    assertResult(vzctl("--quiet", "start", "101"), 32, "", "");
  }

  @Test
  void noatimeOnlyOnVz7() throws Exception {
    create(101);
    // vzctl 4.x has no --noatime (removed in 4.0): getopt rejects it, set maps that to 21
    Result r = vzctl("set", "101", "--noatime", "yes", "--save");
    assertResult(r, 21, "", SIM.resolve("vzctl") + ": unrecognized option '--noatime'\n");
    assertFalse(conf(101).contains("NOATIME"));
    Map<String, String> vz7 = Map.of("VZSIM_VERSION", "7");
    r = run(vz7, "vzctl", "set", "101", "--noatime", "yes", "--save");
    assertResult(r, 0, lines("CT configuration saved to " + root + "/conf/101.conf"), "");
    assertTrue(conf(101).contains("\nNOATIME=\"yes\"\n"));
    // VZ7 (src/vz.c:Set): not mounted and no --save -> 40
    assertResult(
        run(vz7, "vzctl", "set", "101", "--noatime", "no"),
        40,
        "",
        lines("Unable to change the atime mount flag: the Container is not mounted"));
    assertResult(
        run(vz7, "vzctl", "set", "101", "--noatime", "maybe", "--save"),
        21,
        "",
        lines("Bad parameter for --noatime: maybe"));
    // VZ7 status prints "VEID" (src/vzctl.c:Show)
    assertResult(run(vz7, "vzctl", "status", "101"), 0, lines("VEID 101 exist unmounted down"), "");
  }

  // ------------------------------------------------------------------ vzlist

  @Test
  void vzlistColumns() throws Exception {
    create(
        101,
        "--ipadd",
        "10.0.0.1",
        "--ipadd",
        "10.0.0.2",
        "--hostname",
        "web.example.com",
        "--name",
        "web01");
    create(102, "--hostname", "a-hostname-that-is-longer-than-thirty-two-chars.example.com");
    start(101);
    String hdr = "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n";
    // default: running only, default columns, first IP only unless last column
    assertResult(
        vzlist(), 0, hdr + "       101         10 running   10.0.0.1        web.example.com\n", "");
    assertResult(
        vzlist("-a"),
        0,
        hdr
            + "       101         10 running   10.0.0.1        web.example.com\n"
            + "       102          - stopped   -               a-hostname-that-is-longer-than-thirty-two-chars.example.com\n",
        "");
    assertResult(
        vzlist("-S", "-H"),
        0,
        "       102          - stopped   -               a-hostname-that-is-longer-than-thirty-two-chars.example.com\n",
        "");
    // a long value is cut at the column width when it is not the last column
    assertResult(
        vzlist("-a", "-H", "-o", "hostname,ctid"),
        0,
        "web.example.com                         101\n"
            + "a-hostname-that-is-longer-than-t        102\n",
        "");
    // (for a running CT the kernel's list ends with a blank: src/vzlist.c:invert_ip())
    assertResult(
        vzlist("-a", "-H", "-t", "-o", "ip,ctid"),
        0,
        "10.0.0.1 10.0.0.2         101\n" + "-                      102\n",
        "");
    assertResult(
        vzlist(
            "-H",
            "-o",
            "ctid,name,status,onboot,cpus,cpuunits,cpulimit,ioprio,physpages.l,swappages.l",
            "-a"),
        0,
        "       101 web01                            running        -     -    1000       0   -      65536     131072\n"
            + "       102 -                                stopped        -     -    1000       0   -      65536     131072\n",
        "");
    // CTID arguments select (stopped ones too, without -a); names work as well
    assertResult(
        vzlist("-H", "-o", "ctid,status", "102", "web01"),
        0,
        "       101 running\n       102 stopped\n",
        "");
    assertResult(vzlist("-1", "-a"), 0, "       101\n       102\n", "");
    assertResult(vzlist("-a", "-H", "-o", "ctid", "-N", "web*"), 0, "       101\n", "");
    assertResult(vzlist("-a", "-H", "-o", "ctid", "-h", "a-*"), 0, "       102\n", "");
    assertResult(
        vzlist("-a", "-H", "-o", "ctid", "-s", "-ctid"), 0, "       102\n       101\n", "");
    // no match with a filter: header only, exit 0
    assertResult(vzlist("-a", "-N", "nomatch"), 0, hdr, "");
  }

  @Test
  void vzlistRunningValuesComeFromTheKernel() throws Exception {
    create(101);
    vzctl("set", "101", "--cpuunits", "3000", "--cpulimit", "25", "--save");
    start(101);
    // /proc/fairsched stores weight = 500000/units; vzlist converts back: 3000 -> 3012
    assertResult(
        vzlist("-H", "-o", "ctid,cpuunits,cpulimit"), 0, "       101    3012      25\n", "");
    vzctl("stop", "101");
    assertResult(
        vzlist("-H", "-a", "-o", "ctid,cpuunits,cpulimit"), 0, "       101    3000      25\n", "");
  }

  @Test
  void vzlistJson() throws Exception {
    create(
        101, "--ipadd", "10.0.0.1", "--ipadd", "10.0.0.2", "--hostname", "h1", "--name", "web01");
    vzctl("set", "101", "--onboot", "yes", "--features", "nfs:on", "--save");
    Result r =
        vzlist(
            "-a",
            "-j",
            "-o",
            "ctid,name,hostname,ip,status,onboot,physpages,diskspace,features,cpus");
    assertResult(
        r,
        0,
        "[\n"
            + "  {\n"
            + "    \"ctid\": 101,\n"
            + "    \"name\": \"web01\",\n"
            + "    \"hostname\": \"h1\",\n"
            + "    \"ip\": [\"10.0.0.1\", \"10.0.0.2\"],\n"
            + "    \"status\": \"stopped\",\n"
            + "    \"onboot\": true,\n"
            + "    \"physpages\": {\n"
            + "      \"held\": 0,\n"
            + "      \"maxheld\": 0,\n"
            + "      \"barrier\": 0,\n"
            + "      \"limit\": 65536,\n"
            + "      \"failcnt\": 0\n"
            + "    },\n"
            + "    \"diskspace\": {\n"
            + "      \"usage\": 0,\n"
            + "      \"softlimit\": 2097152,\n"
            + "      \"hardlimit\": 2306867\n"
            + "    },\n"
            + "    \"features\": {\n"
            + "      \"nfs\": true\n"
            + "    },\n"
            + "    \"cpus\": 0\n"
            + "  }\n"
            + "]\n",
        "");
    create(102);
    start(102);
    r = vzlist("-j", "-o", "ctid,status,numproc,ip,onboot,description");
    assertResult(
        r,
        0,
        "[\n  {\n    \"ctid\": 102,\n    \"status\": \"running\",\n    \"numproc\": {\n"
            + "      \"held\": 10,\n      \"maxheld\": 10,\n      \"barrier\": 9223372036854775807,\n"
            + "      \"limit\": 9223372036854775807,\n      \"failcnt\": 0\n    },\n    \"ip\": [],\n"
            + "    \"onboot\": null,\n    \"description\": null\n  }\n]\n",
        "");
    // without -o: every field without suffix, in src/vzlist.c field_names[] order
    r = vzlist("-j", "-a", "101");
    assertEquals(0, r.exit());
    assertTrue(
        r.out().startsWith("[\n  {\n    \"ctid\": 101,\n    \"veid\": 101,\n    \"vpsid\": 101,\n"),
        r.out());
    assertTrue(r.out().contains("\n    \"smart_name\": \"web01\",\n"));
    assertTrue(r.out().contains("\n    \"laverage\": null,\n    \"uptime\": 0.000,\n"));
    assertTrue(
        r.out().endsWith("\n    \"netfilter\": \"stateless\",\n    \"capability\": null\n  }\n]\n"),
        r.out());
    assertFalse(r.out().contains(".l\""));
    // a selected CTID that does not exist: "[]" and exit 1; none running and none asked for: exit 0
    assertResult(vzlist("-j", "999"), 1, "[]\n", "");
    vzctl("stop", "102");
    assertResult(vzlist("-j"), 0, "[]\n", "");
    // filtered out: an empty array printed by print_ve()
    assertResult(vzlist("-j", "-a", "-N", "nomatch"), 0, "[\n]\n", "");
    // suffixed fields are rejected with -j
    assertResult(
        vzlist("-j", "-o", "physpages.l"),
        1,
        "",
        "Field `physpages.l' is not available in JSON output\n");
    // old vzlist without JSON support
    r = run(Map.of("VZSIM_NO_JSON", "1"), "vzlist", "-j");
    assertEquals(1, r.exit());
    assertEquals(SIM.resolve("vzlist") + ": invalid option -- 'j'\n", r.err());
    assertTrue(r.out().startsWith("Usage:"), r.out());
  }

  @Test
  void vzlistErrors() throws Exception {
    create(101);
    assertResult(vzlist(), 0, "", "Container(s) not found\n");
    assertResult(vzlist("999"), 1, "", "Container(s) not found\n");
    assertResult(vzlist("nosuchname"), 1, "", "CT ID nosuchname is invalid.\n");
    assertResult(vzlist("-o", "ctid,bogus"), 1, "", "Unknown field: bogus\n");
    assertResult(vzlist("-s", "bogus"), 1, "", "Invalid sort field name: bogus\n");
    Result r = vzlist("-L");
    assertEquals(0, r.exit());
    assertTrue(r.out().startsWith("ctid            CTID           \n"), r.out());
    for (String f :
        List.of(
            "hostname",
            "ip",
            "status",
            "numproc",
            "onboot",
            "cpus",
            "cpuunits",
            "cpulimit",
            "ioprio",
            "diskspace",
            "diskspace.h",
            "diskinodes",
            "diskinodes.h",
            "physpages",
            "physpages.l",
            "swappages",
            "description",
            "ostemplate",
            "features",
            "name",
            "layout",
            "disabled",
            "capability")) {
      assertTrue(r.out().contains("\n" + String.format("%-15s ", f)), f);
    }
    assertTrue(lastCall().equals("[\"vzlist\", \"-L\"]"), lastCall());
  }

  @Test
  void callsLogRecordsEveryInvocation() throws Exception {
    vzctl("status", "7");
    vzlist("-a", "-H", "-o", "ctid");
    vzctl("set", "7", "--description", "with \"quotes\" and spaces", "--save");
    List<String> calls = Files.readAllLines(root.resolve("calls.log"), StandardCharsets.UTF_8);
    assertEquals(
        List.of(
            "[\"vzctl\", \"status\", \"7\"]",
            "[\"vzlist\", \"-a\", \"-H\", \"-o\", \"ctid\"]",
            "[\"vzctl\", \"set\", \"7\", \"--description\", \"with \\\"quotes\\\" and spaces\", \"--save\"]"),
        calls);
    // DESCRIPTION is stored unescaped, as vzctl does (src/lib/config.c:conf_store_str)
    assertTrue(conf(7).contains("DESCRIPTION=\"with \"quotes\" and spaces\"\n"));
    Map<String, String> none = new HashMap<>();
    assertEquals(0, run(none, "vzctl", "--version").exit());
  }
}
