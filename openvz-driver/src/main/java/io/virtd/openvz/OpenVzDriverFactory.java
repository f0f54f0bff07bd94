package io.virtd.openvz;

import io.virtd.core.config.Config;
import io.virtd.core.manifest.DriverKind;
import io.virtd.core.spi.DriverException;
import io.virtd.core.spi.DriverFactory;
import io.virtd.core.spi.VmDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Opens the {@link OpenVzDriver}. Runs nothing before {@link #open}; a host without {@code vzctl}
 * or {@code vzlist} gets an UNAVAILABLE driver with a message naming the missing program and the
 * configuration key, and the other drivers are unaffected.
 */
public final class OpenVzDriverFactory implements DriverFactory {
  @Override
  public DriverKind kind() {
    return DriverKind.OPENVZ;
  }

  @Override
  public VmDriver open(String target, Config config) throws DriverException {
    return open(config, Map.of());
  }

  /**
   * The driver, its tools run with {@code extraEnv} added to their environment (tests use it to
   * point the vzctl simulator at its state directory).
   */
  public static OpenVzDriver open(Config config, Map<String, String> extraEnv)
      throws DriverException {
    require(config.vzctl(), "vzctl");
    require(config.vzlist(), "vzlist");
    return new OpenVzDriver(config, new ProcessVzRunner(extraEnv), Clock.systemUTC());
  }

  private static void require(Path program, String key) throws DriverException {
    if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
      throw new DriverException(
          DriverException.Kind.UNAVAILABLE,
          "openvz: "
              + key
              + " not found at "
              + program
              + " (is OpenVZ's vzctl package installed? `"
              + key
              + ":` in the configuration sets its path)");
    }
  }
}
