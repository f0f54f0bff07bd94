package io.virtd.openvz;

import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverException.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Finding the host's containers, for {@link OpenVzDriver}: their states from {@code vzlist} (JSON,
 * or columns where vzlist has no {@code -j}) and their {@code CTID.conf} files, by CTID or by name.
 */
final class VzContainers {
  private final VzArgs args;
  private final Path confDir;
  private final VzRunner runner;

  /** Set once vzlist has refused {@code -j}: it will not learn it later. */
  private volatile boolean columnsOnly;

  VzContainers(VzArgs args, Path confDir, VzRunner runner) {
    this.args = args;
    this.confDir = confDir;
    this.runner = runner;
  }

  /** One vzlist call: JSON, or columns once vzlist has refused {@code -j}. */
  List<VzList.Entry> list(OptionalLong ctid) throws DriverException {
    if (!columnsOnly) {
      VzCommand cmd = VzCommand.of(args.listJson(ctid), OpenVzDriver.LIST_TIMEOUT);
      VzResult r = runner.run(cmd);
      if (!VzList.jsonRejected(r)) {
        // asked for one container, vzlist answers an empty list (and exit 1) when it is gone
        if (ctid.isPresent() && r.exit() == 1 && VzList.isEmptyJson(r.stdout())) {
          return List.of();
        }
        return parsed(cmd, r, ctid, () -> VzList.parseJson(r.stdout()));
      }
      columnsOnly = true;
    }
    VzCommand cmd = VzCommand.of(args.listColumns(ctid), OpenVzDriver.LIST_TIMEOUT);
    VzResult r = runner.run(cmd);
    // without JSON, gone is when its config file is: vzlist finds stopped containers by it
    if (ctid.isPresent() && r.exit() == 1 && readConf(ctid.getAsLong()).isEmpty()) {
      return List.of();
    }
    return parsed(cmd, r, ctid, () -> VzList.parseColumns(r.stdout()));
  }

  private static List<VzList.Entry> parsed(
      VzCommand cmd,
      VzResult r,
      OptionalLong ctid,
      java.util.function.Supplier<List<VzList.Entry>> parse)
      throws DriverException {
    if (r.exit() != 0) {
      throw VzErrors.failure(
          cmd, r, ctid.isPresent() ? "CTID " + ctid.getAsLong() : "all containers");
    }
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new DriverException(
          Kind.TERMINAL, "openvz: `" + cmd.display() + "`: " + e.getMessage(), e);
    }
  }

  /**
   * The container called {@code name}: the one whose config has {@code NAME="name"}, or — for a
   * container without a name, as {@link OpenVzDriver#observeAll} lists it — the one whose CTID is
   * {@code name}.
   */
  Optional<VzConfigFile> find(String name) throws DriverException {
    List<VzConfigFile> all;
    try {
      all = VzConfigFile.readAll(confDir);
    } catch (IOException e) {
      throw new DriverException(
          Kind.TRANSIENT, "openvz: cannot read " + confDir + ": " + e.getMessage(), e);
    }
    for (VzConfigFile c : all) {
      if (c.name().filter(name::equals).isPresent()) {
        return Optional.of(c);
      }
    }
    for (VzConfigFile c : all) {
      if (c.name().isEmpty() && Long.toString(c.ctid()).equals(name)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  VzConfigFile require(String name) throws DriverException {
    return find(name)
        .orElseThrow(
            () ->
                new DriverException(
                    Kind.NOT_FOUND, "openvz: no container named `" + name + "` in " + confDir));
  }

  Optional<VzConfigFile> readConf(long ctid) throws DriverException {
    try {
      return VzConfigFile.read(confDir, ctid);
    } catch (IOException e) {
      throw new DriverException(
          Kind.TRANSIENT,
          "openvz: cannot read the config of CTID " + ctid + ": " + e.getMessage(),
          e);
    }
  }
}
