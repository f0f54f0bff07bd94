package io.virtd.openvz;

import io.virtd.core.spi.DriverException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands with {@link ProcessBuilder}: no shell, {@code LC_ALL=C} so messages are the ones
 * the classification expects, stdin closed, stdout and stderr captured, killed after the command's
 * timeout. {@code extraEnv} is added to the environment (tests point the simulator at its state).
 */
public final class ProcessVzRunner implements VzRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessVzRunner.class);

  /** Stream readers get their own threads: a pipe left unread would block the tool. */
  private static final java.util.concurrent.ExecutorService READERS =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "vz-output");
            t.setDaemon(true);
            return t;
          });

  private final Map<String, String> extraEnv;

  public ProcessVzRunner(Map<String, String> extraEnv) {
    this.extraEnv = Map.copyOf(extraEnv);
  }

  @Override
  public VzResult run(VzCommand cmd) throws DriverException {
    ProcessBuilder pb = new ProcessBuilder(cmd.argv());
    pb.environment().putAll(extraEnv);
    pb.environment().put("LC_ALL", "C");
    pb.environment().remove("LANGUAGE");
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    long t0 = System.nanoTime();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new DriverException(
          DriverException.Kind.UNAVAILABLE,
          "openvz: cannot run " + cmd.argv().get(0) + ": " + e.getMessage(),
          e);
    }
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> drain(p.getInputStream()), READERS);
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), READERS);
    try {
      if (!p.waitFor(cmd.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new VzTimeoutException(
            "openvz: `"
                + cmd.display()
                + "` did not finish within "
                + cmd.timeout().toSeconds()
                + " s; killed");
      }
      VzResult r =
          new VzResult(
              p.exitValue(),
              cmd.scrub(out.get(30, TimeUnit.SECONDS)),
              cmd.scrub(err.get(30, TimeUnit.SECONDS)));
      LOG.debug(
          "{} -> exit {} in {} ms", cmd.display(), r.exit(), (System.nanoTime() - t0) / 1_000_000);
      return r;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new DriverException(
          DriverException.Kind.TRANSIENT,
          "openvz: interrupted while running `" + cmd.display() + "`",
          e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new DriverException(
          DriverException.Kind.TRANSIENT,
          "openvz: cannot read the output of `" + cmd.display() + "`",
          e);
    }
  }

  private static String drain(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
