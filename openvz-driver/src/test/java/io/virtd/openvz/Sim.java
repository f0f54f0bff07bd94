package io.virtd.openvz;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtd.core.config.Config;
import io.virtd.core.spi.DriverException;
import io.virtd.core.testing.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The vzctl/vzlist simulator of {@code src/test/sim} set up for one test: its state directory, a
 * {@link Config} pointing {@code vzctl}, {@code vzlist} and {@code vz_conf_dir} at it, and the
 * environment its processes need ({@code VZSIM_ROOT}, plus whatever a test adds).
 */
final class Sim {
  static final Path DIR =
      Files.isDirectory(Path.of("src", "test", "sim"))
          ? Path.of("src", "test", "sim").toAbsolutePath()
          : Path.of("openvz-driver", "src", "test", "sim").toAbsolutePath();
  static final String OWNER = "test-owner";

  final Path root;
  final Map<String, String> env = new HashMap<>();
  final Config config;

  Sim(Path tmp, Map<String, String> extraEnv) throws IOException {
    root = Files.createDirectories(tmp.resolve("vz"));
    env.put("VZSIM_ROOT", root.toString());
    env.putAll(extraEnv);
    config = config(DIR.resolve("vzctl"), DIR.resolve("vzlist"), root.resolve("conf"));
  }

  static Config config(Path vzctl, Path vzlist, Path confDir) {
    Config d = Config.defaults();
    return new Config(
        d.manifests(),
        d.connect(),
        d.connectXen(),
        OWNER,
        d.schedule(),
        d.maintenanceWindow(),
        d.workers(),
        d.socket(),
        d.prune(),
        d.pruneGrace(),
        d.logLevel(),
        vzctl,
        vzlist,
        confDir,
        d.storageDir(),
        d.lockDir(),
        d.formerOwners(),
        d.http(),
        d.host(),
        d.store());
  }

  static boolean python3() {
    try {
      return Commands.run(List.of("/usr/bin/python3", "--version"), Duration.ofSeconds(20)).exit()
          == 0;
    } catch (IOException | InterruptedException | IllegalStateException e) { // ISE: timed out
      return false;
    }
  }

  OpenVzDriver driver() throws DriverException {
    return OpenVzDriverFactory.open(config, env);
  }

  /**
   * Runs the simulator directly (to set a scene the driver did not make); returns the exit code.
   */
  int vzctl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(DIR.resolve("vzctl").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("VZSIM_"));
    pb.environment().putAll(env);
    return Commands.run(pb, Duration.ofSeconds(60)).exit();
  }

  Path conf(long ctid) {
    return root.resolve("conf").resolve(ctid + ".conf");
  }

  String confText(long ctid) throws IOException {
    return Files.readString(conf(ctid));
  }

  /** Every call the simulator got, in order, as argv lists with the program's file name first. */
  List<List<String>> calls() throws IOException {
    Path log = root.resolve("calls.log");
    List<List<String>> out = new ArrayList<>();
    if (!Files.exists(log)) {
      return out;
    }
    ObjectMapper json = new ObjectMapper();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      List<String> argv = new ArrayList<>();
      json.readTree(line).forEach(n -> argv.add(n.asText()));
      out.add(argv);
    }
    return out;
  }

  /** The calls made since {@code before} calls had been made. */
  List<List<String>> callsSince(int before) throws IOException {
    List<List<String>> all = calls();
    return all.subList(before, all.size());
  }
}
